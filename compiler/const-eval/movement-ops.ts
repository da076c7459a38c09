/** Evaluators that move elements without arithmetic: Gather, Slice, Concat, Transpose, Tile, Expand. */
import { attrInt, attrInts } from '../ir/ir.js';
import { allocStorage, sizeOf, type Tensor } from '../../base/tensor.js';
import { broadcastIndex, broadcastShapes, copyElements, stridedIndex, stridesOf, takeElements } from './layout.js';
import {
  checkFoldSize, ConstEvalError, input, intValues, intVector, normalizeAxes, normalizeAxis, optionalInput,
  type ConstEvalArgs, type ConstEvaluator,
} from './types.js';

/** Gather along any axis; negative indices count from the end. */
const gather: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const indices = input(args, 1, 'indices');
  const rank = data.shape.length;
  if (rank === 0) throw new ConstEvalError('Gather data must have rank ≥ 1');
  const axis = normalizeAxis(attrInt(args.node, 'axis', 0), rank);
  const dim = data.shape[axis];
  const picks = intValues(indices, 'indices').map((v) => {
    if (v < -dim || v >= dim) throw new ConstEvalError(`index ${v} is out of range for axis ${axis} of size ${dim}`);
    return v < 0 ? v + dim : v;
  });
  const outShape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  checkFoldSize(outShape, args);
  const outer = sizeOf(data.shape.slice(0, axis));
  const inner = sizeOf(data.shape.slice(axis + 1));
  const index = new Int32Array(sizeOf(outShape));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of picks) {
      const base = (o * dim + p) * inner;
      for (let i = 0; i < inner; i++) index[k++] = base + i;
    }
  }
  return [takeElements(data, outShape, index)];
};

/** Starts/ends/axes/steps from inputs (opset ≥ 10) or attributes (opset < 10). */
function sliceParams(args: ConstEvalArgs, rank: number): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  const attrStarts = attrInts(args.node, 'starts');
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (attrStarts && !args.inputs[1]) {
    starts = [...attrStarts];
    ends = [...(attrInts(args.node, 'ends') ?? [])];
    const a = attrInts(args.node, 'axes');
    axes = a ? [...a] : undefined;
  } else {
    starts = intVector(input(args, 1, 'starts'), 'starts');
    ends = intVector(input(args, 2, 'ends'), 'ends');
    const a = optionalInput(args, 3);
    const s = optionalInput(args, 4);
    axes = a ? intVector(a, 'axes') : undefined;
    steps = s ? intVector(s, 'steps') : undefined;
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new ConstEvalError(`starts, ends, axes and steps have different lengths (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`);
  }
  return { starts, ends, axes: normalizeAxes(axes, rank), steps };
}

/**
 * Slice with ONNX clamping: negative starts/ends count from the end; for positive steps
 * both clamp to [0, dim], for negative steps start clamps to [0, dim-1] and end to [-1, dim-1].
 */
const slice: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const rank = data.shape.length;
  const { starts, ends, axes, steps } = sliceParams(args, rank);
  const outShape = [...data.shape];
  const inStrides = stridesOf(data.shape);
  const strides = [...inStrides];
  let base = 0;
  axes.forEach((axis, i) => {
    const dim = data.shape[axis];
    const step = steps[i];
    if (step === 0) throw new ConstEvalError(`step for axis ${axis} is 0`);
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    outShape[axis] = count;
    strides[axis] = inStrides[axis] * step;
    if (count > 0) base += start * inStrides[axis];
  });
  checkFoldSize(outShape, args);
  return [takeElements(data, outShape, stridedIndex(outShape, strides, base))];
};

const concat: ConstEvaluator = (args) => {
  const parts = args.inputs.filter((t): t is Tensor => t !== undefined);
  if (!parts.length) throw new ConstEvalError('Concat has no inputs');
  const first = parts[0];
  const rank = first.shape.length;
  const axisAttr = attrInt(args.node, 'axis');
  if (axisAttr === undefined) throw new ConstEvalError('Concat has no axis attribute');
  const axis = normalizeAxis(axisAttr, rank);
  for (const t of parts) {
    if (t.dtype !== first.dtype) throw new ConstEvalError(`Concat inputs have different types (${first.dtype} and ${t.dtype})`);
    if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new ConstEvalError(`Concat inputs [${first.shape.join(',')}] and [${t.shape.join(',')}] differ outside axis ${axis}`);
    }
  }
  const outShape = [...first.shape];
  outShape[axis] = parts.reduce((s, t) => s + t.shape[axis], 0);
  checkFoldSize(outShape, args);
  const data = allocStorage(first.dtype, sizeOf(outShape));
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of parts) {
      const block = t.shape[axis] * inner;
      copyElements(data, k, t.data, o * block, block);
      k += block;
    }
  }
  return [{ dtype: first.dtype, shape: outShape, data }];
};

const transpose: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const rank = data.shape.length;
  const perm = [...(attrInts(args.node, 'perm') ?? data.shape.map((_, i) => rank - 1 - i))];
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new ConstEvalError(`perm [${perm.join(',')}] is not a permutation of ${rank} axes`);
  }
  const inStrides = stridesOf(data.shape);
  const outShape = perm.map((p) => data.shape[p]);
  return [takeElements(data, outShape, stridedIndex(outShape, perm.map((p) => inStrides[p])))];
};

const tile: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const repeats = intVector(input(args, 1, 'repeats'), 'repeats');
  const rank = data.shape.length;
  if (repeats.length !== rank) throw new ConstEvalError(`repeats has ${repeats.length} entries for rank ${rank}`);
  if (repeats.some((r) => !Number.isSafeInteger(r) || r < 0)) throw new ConstEvalError(`repeats [${repeats.join(',')}] has a negative entry`);
  const outShape = data.shape.map((d, i) => d * repeats[i]);
  checkFoldSize(outShape, args);
  const inStrides = stridesOf(data.shape);
  const n = sizeOf(outShape);
  const index = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += (counter[d] % data.shape[d]) * inStrides[d];
    index[i] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d] < outShape[d]) break;
      counter[d] = 0;
    }
  }
  return [takeElements(data, outShape, index)];
};

/** Expand: bidirectional broadcast of the input against the requested shape. */
const expand: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const requested = intVector(input(args, 1, 'shape'), 'shape');
  if (requested.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ConstEvalError(`shape [${requested.join(',')}] has a negative dimension`);
  const outShape = broadcastShapes([data.shape, requested], 'Expand');
  checkFoldSize(outShape, args);
  return [takeElements(data, outShape, broadcastIndex(outShape, data.shape))];
};

export const movementEvaluators: Readonly<Record<string, ConstEvaluator>> = {
  Gather: gather, Slice: slice, Concat: concat, Transpose: transpose, Tile: tile, Expand: expand,
};
