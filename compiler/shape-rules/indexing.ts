/**
 * Ops that select, join or split along axes: Concat, Split, Slice, Gather family, Pad,
 * TopK, OneHot. The opset-dependent parts are where the parameters live (attribute or
 * input) — see each rule.
 */
import { attrInt, attrInts, attrString } from '../ir/ir.js';
import { remapElements } from './elements.js';
import { dimsText, maxKnownElements, normalizeAxes, normalizeAxis, productOf, withData, type InferredValue, type ShapeRule } from './types.js';

const concat: ShapeRule = (ctx) => {
  const parts: InferredValue[] = [];
  for (let i = 0; i < ctx.node.inputs.length; i++) if (ctx.has(i)) parts.push(ctx.input(i));
  if (parts.length === 0) throw ctx.inconsistent('needs at least one input');
  const axisAttr = attrInt(ctx.node, 'axis');
  if (axisAttr === undefined) throw ctx.inconsistent('axis is required');
  const first = parts[0].shape;
  const axis = normalizeAxis(ctx, axisAttr, first.length);
  let total = 0;
  for (const p of parts) {
    if (p.shape.length !== first.length || p.shape.some((d, k) => k !== axis && d !== first[k])) {
      throw ctx.inconsistent(`inputs ${parts.map((q) => dimsText(q.shape)).join(', ')} differ outside axis ${axis}`);
    }
    total += p.shape[axis];
  }
  const shape = first.map((d, k) => (k === axis ? total : d));
  let data: number[] | undefined;
  if (parts.every((p) => p.data) && productOf(shape) <= maxKnownElements) {
    data = [];
    const outer = productOf(first.slice(0, axis));
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const chunk = productOf(p.shape.slice(axis));
        data.push(...p.data!.slice(o * chunk, (o + 1) * chunk));
      }
    }
  }
  return [withData(parts[0].dtype, shape, data)];
};

/** Elements of `x` with `starts`/`steps` per axis picked into `shape`. */
function sliceData(x: InferredValue, shape: readonly number[], starts: readonly number[], steps: readonly number[]): number[] | undefined {
  if (!x.data || productOf(shape) > maxKnownElements) return undefined;
  return remapElements(shape, x.shape, x.data, (idx) => idx.map((i, k) => starts[k] + i * steps[k]));
}

/**
 * Split sizes: the `split` attribute (opset < 13) or input (≥ 13); else num_outputs
 * (opset 18: ceil-sized chunks, the last smaller); else equal parts.
 */
const split: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const outputs = ctx.node.outputs.length;
  let sizes: readonly number[] | undefined = ctx.opset >= 13 ? (ctx.has(1) ? ctx.requireValue(1, 'split') : undefined) : attrInts(ctx.node, 'split');
  if (sizes && sizes.length === 0) sizes = undefined;
  const numOutputs = attrInt(ctx.node, 'num_outputs');
  if (sizes) {
    if (sizes.length !== outputs) throw ctx.inconsistent(`split [${sizes.join(',')}] has ${sizes.length} parts for ${outputs} outputs`);
    if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
      throw ctx.inconsistent(`split [${sizes.join(',')}] does not add up to dim ${dim} of axis ${axis} in ${dimsText(x.shape)}`);
    }
  } else if (numOutputs !== undefined) {
    if (numOutputs !== outputs) throw ctx.inconsistent(`num_outputs ${numOutputs} differs from the ${outputs} outputs`);
    const chunk = Math.ceil(dim / numOutputs);
    const last = dim - chunk * (numOutputs - 1);
    if (last < 0) throw ctx.inconsistent(`dim ${dim} cannot be split into ${numOutputs} chunks of ${chunk}`);
    sizes = [...new Array<number>(numOutputs - 1).fill(chunk), last];
  } else {
    if (dim % outputs !== 0) throw ctx.inconsistent(`dim ${dim} of axis ${axis} does not split evenly into ${outputs} outputs`);
    sizes = new Array<number>(outputs).fill(dim / outputs);
  }
  let offset = 0;
  return sizes.map((size) => {
    const shape = x.shape.map((d, k) => (k === axis ? size : d));
    const starts = x.shape.map((_, k) => (k === axis ? offset : 0));
    offset += size;
    return withData(x.dtype, shape, sliceData(x, shape, starts, x.shape.map(() => 1)));
  });
};

/**
 * Slice: starts/ends/axes attributes before opset 10, inputs (with steps) since.
 * Negative indices count from the end; out-of-range ones are clamped.
 */
const slice: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.length;
  let starts: readonly number[];
  let ends: readonly number[];
  let axesGiven: readonly number[] | undefined;
  let stepsGiven: readonly number[] | undefined;
  if (ctx.opset < 10) {
    const s = attrInts(ctx.node, 'starts');
    const e = attrInts(ctx.node, 'ends');
    if (!s || !e) throw ctx.inconsistent('starts and ends are required');
    [starts, ends, axesGiven] = [s, e, attrInts(ctx.node, 'axes')];
  } else {
    starts = ctx.requireValue(1, 'starts');
    ends = ctx.requireValue(2, 'ends');
    axesGiven = ctx.has(3) ? ctx.requireValue(3, 'axes') : undefined;
    stepsGiven = ctx.has(4) ? ctx.requireValue(4, 'steps') : undefined;
  }
  const axes = normalizeAxes(ctx, axesGiven ?? starts.map((_, k) => k), rank);
  const steps = stepsGiven ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw ctx.inconsistent(`starts [${starts.join(',')}], ends [${ends.join(',')}], axes and steps differ in length`);
  }
  const shape = [...x.shape];
  const first = x.shape.map(() => 0);
  const stride = x.shape.map(() => 1);
  axes.forEach((axis, k) => {
    const dim = x.shape[axis];
    const step = steps[k];
    if (step === 0 || !Number.isFinite(step)) throw ctx.inconsistent(`step of axis ${axis} must not be 0`);
    let start = starts[k] < 0 ? starts[k] + dim : starts[k];
    let end = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
      shape[axis] = Math.max(0, Math.ceil((end - start) / step));
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
      shape[axis] = Math.max(0, Math.ceil((start - end) / -step));
    }
    first[axis] = start;
    stride[axis] = step;
  });
  return [withData(x.dtype, shape, sliceData(x, shape, first, stride))];
};

/** Gather: data[:axis] + indices.shape + data[axis+1:]. */
const gather: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const indices = ctx.input(1);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  if (indices.data?.some((i) => i < -dim || i >= dim)) {
    throw ctx.inconsistent(`indices [${indices.data.join(',')}] are out of range for dim ${dim} of axis ${axis}`);
  }
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  let data: number[] | undefined;
  if (x.data && indices.data && productOf(shape) <= maxKnownElements) {
    const q = indices.shape.length;
    const idxData = indices.data;
    const idxStrides = indices.shape.map((_, k) => productOf(indices.shape.slice(k + 1)));
    data = remapElements(shape, x.shape, x.data, (idx) => {
      let flat = 0;
      for (let k = 0; k < q; k++) flat += idx[axis + k] * idxStrides[k];
      const i = idxData[flat];
      return [...idx.slice(0, axis), i < 0 ? i + dim : i, ...idx.slice(axis + q)];
    });
  }
  return [withData(x.dtype, shape, data)];
};

/** GatherElements: the output has the shape of the indices. */
const gatherElements: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const indices = ctx.shape(1);
  normalizeAxis(ctx, attrInt(ctx.node, 'axis', 0), x.length);
  if (indices.length !== x.length) throw ctx.inconsistent(`indices ${dimsText(indices)} and data ${dimsText(x)} differ in rank`);
  return [{ dtype: ctx.dtype(0), shape: indices }];
};

/** GatherND: indices[:-1] + data[batch_dims + indices[-1]:]. */
const gatherND: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const indices = ctx.shape(1);
  const batchDims = attrInt(ctx.node, 'batch_dims', 0);
  const depth = indices[indices.length - 1];
  if (indices.length < 1 || depth === undefined || batchDims + depth > x.length) {
    throw ctx.inconsistent(`indices ${dimsText(indices)} index too deep into data ${dimsText(x)} (batch_dims ${batchDims})`);
  }
  return [{ dtype: ctx.dtype(0), shape: [...indices.slice(0, -1), ...x.slice(batchDims + depth)] }];
};

/** Scatter family: the output is a copy of data. */
const scatter: ShapeRule = (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(0) }];

/**
 * Pad: `pads` attribute before opset 11, input since (opset 18 adds `axes`).
 * pads = [x1_begin, x2_begin, …, x1_end, x2_end, …]; negative pads crop.
 */
const pad: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.length;
  let pads: readonly number[] | undefined;
  let axes: readonly number[] = x.shape.map((_, k) => k);
  if (ctx.opset < 11) {
    pads = attrInts(ctx.node, 'pads') ?? attrInts(ctx.node, 'paddings');
    if (!pads) throw ctx.inconsistent('pads is required');
  } else {
    pads = ctx.requireValue(1, 'pads');
    if (ctx.has(3)) axes = normalizeAxes(ctx, ctx.requireValue(3, 'axes'), rank);
  }
  if (pads.length !== 2 * axes.length) throw ctx.inconsistent(`pads [${pads.join(',')}] need ${2 * axes.length} values for ${dimsText(x.shape)}`);
  const mode = attrString(ctx.node, 'mode', 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw ctx.inconsistent(`unknown mode '${mode}'`);
  const shape = [...x.shape];
  axes.forEach((axis, k) => {
    shape[axis] = x.shape[axis] + pads![k] + pads![k + axes.length];
    if (shape[axis] < 0) throw ctx.inconsistent(`pads [${pads!.join(',')}] crop axis ${axis} of ${dimsText(x.shape)} below zero`);
  });
  return [{ dtype: x.dtype, shape }];
};

/** TopK: k from the attribute before opset 10, from input 1 since. Values and int64 indices. */
const topK: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), x.length);
  const k = ctx.opset < 10 ? attrInt(ctx.node, 'k') : ctx.requireValue(1, 'K')[0];
  if (k === undefined || !Number.isInteger(k) || k < 0 || k > x[axis]) throw ctx.inconsistent(`k ${k} is out of range for dim ${x[axis]} of axis ${axis}`);
  const shape = x.map((d, j) => (j === axis ? k : d));
  return [{ dtype: ctx.dtype(0), shape }, { dtype: 'int64', shape }];
};

/** OneHot: the depth is inserted at `axis` of the indices' shape; dtype of `values`. */
const oneHot: ShapeRule = (ctx) => {
  const indices = ctx.shape(0);
  const depth = ctx.requireValue(1, 'depth')[0];
  if (!Number.isInteger(depth) || depth < 1) throw ctx.inconsistent(`depth ${depth} must be a positive integer`);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), indices.length + 1);
  const shape = [...indices.slice(0, axis), depth, ...indices.slice(axis)];
  return [{ dtype: ctx.dtype(2), shape }];
};

export const indexingRules: Readonly<Record<string, ShapeRule>> = {
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  Scatter: scatter,
  ScatterElements: scatter,
  ScatterND: scatter,
  Pad: pad,
  TopK: topK,
  OneHot: oneHot,
};
