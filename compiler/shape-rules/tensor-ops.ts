/**
 * Layout ops that move or repeat elements without computing on them: Reshape, Flatten,
 * Transpose, Squeeze/Unsqueeze, Expand, Tile, DepthToSpace/SpaceToDepth. Known elements
 * pass through (Reshape/Squeeze keep the order; Transpose/Expand/Tile remap it).
 */
import { attrInt, attrInts } from '../ir/ir.js';
import { broadcastElements, broadcastShapes, remapElements } from './elements.js';
import { dimsText, maxKnownElements, normalizeAxes, productOf, withData, type ShapeRule, type ShapeRuleContext } from './types.js';

/** Reshape: 0 copies the input dim (unless allowzero=1), -1 takes what is left. */
const reshape: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const target = ctx.requireValue(1, 'shape');
  if (ctx.shape(1).length !== 1) throw ctx.inconsistent(`shape must be 1-d, got ${dimsText(ctx.shape(1))}`);
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  let inferred = -1;
  const shape = target.map((d, k) => {
    if (d === 0 && !allowZero) {
      if (k >= x.shape.length) throw ctx.inconsistent(`shape ${dimsText(target)} copies dim ${k} (0), which input ${dimsText(x.shape)} lacks`);
      return x.shape[k];
    }
    if (d === -1) {
      if (inferred >= 0) throw ctx.inconsistent(`shape ${dimsText(target)} has more than one -1`);
      inferred = k;
      return 1;
    }
    if (!Number.isInteger(d) || d < 0) throw ctx.inconsistent(`shape ${dimsText(target)} has invalid dim ${d}`);
    return d;
  });
  const total = productOf(x.shape);
  if (inferred >= 0) {
    const rest = productOf(shape);
    if (rest === 0 || total % rest !== 0) {
      throw ctx.inconsistent(`cannot reshape ${dimsText(x.shape)} (${total} elements) to ${dimsText(target)}`);
    }
    shape[inferred] = total / rest;
  }
  if (productOf(shape) !== total) {
    throw ctx.inconsistent(`cannot reshape ${dimsText(x.shape)} (${total} elements) to ${dimsText(shape)} (${productOf(shape)} elements)`);
  }
  return [withData(x.dtype, shape, x.data)];
};

/** Flatten: [prod(dims before axis), prod(dims from axis)]. */
const flatten: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.length;
  const axis = attrInt(ctx.node, 'axis', 1);
  if (axis < -rank || axis > rank) throw ctx.inconsistent(`axis ${axis} is out of range for rank ${rank}`);
  const at = axis < 0 ? axis + rank : axis;
  return [withData(x.dtype, [productOf(x.shape.slice(0, at)), productOf(x.shape.slice(at))], x.data)];
};

const transpose: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.length;
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, k) => rank - 1 - k);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) {
    throw ctx.inconsistent(`perm [${perm.join(',')}] is not a permutation of the ${rank} axes of ${dimsText(x.shape)}`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const data = x.data && remapElements(shape, x.shape, x.data, (idx) => {
    const from = new Array<number>(rank);
    perm.forEach((p, k) => { from[p] = idx[k]; });
    return from;
  });
  return [withData(x.dtype, shape, data)];
};

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input since. */
function squeezeAxes(ctx: ShapeRuleContext): readonly number[] | undefined {
  if (ctx.opset >= 13) return ctx.has(1) ? ctx.requireValue(1, 'axes') : undefined;
  return attrInts(ctx.node, 'axes');
}

const squeeze: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const given = squeezeAxes(ctx);
  let shape: number[];
  if (given === undefined || given.length === 0) {
    shape = x.shape.filter((d) => d !== 1);
  } else {
    const axes = normalizeAxes(ctx, given, x.shape.length);
    for (const a of axes) {
      if (x.shape[a] !== 1) throw ctx.inconsistent(`cannot squeeze axis ${a} of ${dimsText(x.shape)}: its size is ${x.shape[a]}, not 1`);
    }
    shape = x.shape.filter((_, k) => !axes.includes(k));
  }
  return [withData(x.dtype, shape, x.data)];
};

const unsqueeze: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const given = squeezeAxes(ctx);
  if (given === undefined) throw ctx.inconsistent('axes are required');
  const rank = x.shape.length + given.length;
  const axes = normalizeAxes(ctx, given, rank);
  const shape: number[] = [];
  let next = 0;
  for (let k = 0; k < rank; k++) shape.push(axes.includes(k) ? 1 : x.shape[next++]);
  return [withData(x.dtype, shape, x.data)];
};

/** Expand: bidirectional broadcast of the input with the target shape. */
const expand: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const target = ctx.requireValue(1, 'shape');
  const shape = broadcastShapes(ctx, [x.shape, target]);
  return [withData(x.dtype, shape, x.data && productOf(shape) <= maxKnownElements ? broadcastElements(x.data, x.shape, shape) : undefined)];
};

const tile: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const repeats = ctx.requireValue(1, 'repeats');
  if (repeats.length !== x.shape.length) throw ctx.inconsistent(`repeats [${repeats.join(',')}] do not match the rank of ${dimsText(x.shape)}`);
  if (repeats.some((r) => !Number.isInteger(r) || r < 0)) throw ctx.inconsistent(`repeats [${repeats.join(',')}] must be non-negative`);
  const shape = x.shape.map((d, k) => d * repeats[k]);
  const data = x.data && productOf(shape) <= maxKnownElements ? remapElements(shape, x.shape, x.data, (idx) => idx.map((i, k) => i % x.shape[k])) : undefined;
  return [withData(x.dtype, shape, data)];
};

function blockSize(ctx: ShapeRuleContext): number {
  const b = attrInt(ctx.node, 'blocksize');
  if (b === undefined || b < 1) throw ctx.inconsistent('blocksize must be a positive integer');
  return b;
}

const depthToSpace: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const b = blockSize(ctx);
  if (x.length !== 4 || x[1] % (b * b) !== 0) throw ctx.inconsistent(`input ${dimsText(x)} must be [N, C, H, W] with C divisible by ${b * b}`);
  return [{ dtype: ctx.dtype(0), shape: [x[0], x[1] / (b * b), x[2] * b, x[3] * b] }];
};

const spaceToDepth: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const b = blockSize(ctx);
  if (x.length !== 4 || x[2] % b !== 0 || x[3] % b !== 0) throw ctx.inconsistent(`input ${dimsText(x)} must be [N, C, H, W] with H and W divisible by ${b}`);
  return [{ dtype: ctx.dtype(0), shape: [x[0], x[1] * b * b, x[2] / b, x[3] / b] }];
};

export const tensorOpRules: Readonly<Record<string, ShapeRule>> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
