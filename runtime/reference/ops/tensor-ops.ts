/**
 * Shape and data-movement ops: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat, Split,
 * Slice, Pad, Gather, GatherElements, GatherND, ScatterElements, ScatterND, Expand, Tile,
 * DepthToSpace, SpaceToDepth, Shape, Size, ConstantOfShape, Constant, Range, EyeLike, OneHot,
 * NonZero, Trilu, Compress. They work on every runtime dtype. Reshape-like ops return views of their input's
 * data (kernels never write into their inputs).
 */
import {
  allocData, fromNumbers, makeTensor, numberAt, rtDTypeByOnnxCode, shapeText, sizeOf, stridesOf, toFloat64, toNumbers,
  type RtDType, type RtTensor,
} from '../../../base/rt-tensor.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { copyRange, slots, stridedCopy, transposeData } from './layout.js';
import {
  attrNumber, attrNumbers, attrString, attrTensor, kernelError, normalizeAxes, normalizeAxis, optionalInts, requireInput,
  scalarOf, type DigitalKernel, type KernelContext,
} from './types.js';

const view = (t: RtTensor, shape: readonly number[]): RtTensor => makeTensor(t.dtype, shape, t.data);

function intsOf(t: RtTensor, ctx: KernelContext, what: string): number[] {
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw kernelError(ctx, `${what} must be int64 or int32, got ${t.dtype}`);
  return toNumbers(t);
}

// ---- reshaping --------------------------------------------------------------------------

const reshapeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const requested = ctx.opset < 5 ? attrNumbers(attrs, 'shape') ?? [] : intsOf(requireInput(inputs, 1, ctx, 'shape'), ctx, 'shape');
  const allowZero = attrNumber(attrs, 'allowzero', 0) !== 0;
  const shape = requested.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  if (shape.some((d) => d === undefined)) throw kernelError(ctx, `shape [${requested.join(',')}] copies a dimension X ${shapeText(x.shape)} lacks`);
  const unknown = shape.indexOf(-1);
  const total = sizeOf(x.shape);
  if (unknown >= 0) {
    const known = shape.reduce((a, d, i) => (i === unknown ? a : a * d), 1);
    if (shape.lastIndexOf(-1) !== unknown || known === 0 || total % known !== 0) {
      throw kernelError(ctx, `cannot reshape ${shapeText(x.shape)} to [${requested.join(',')}]`);
    }
    shape[unknown] = total / known;
  }
  if (sizeOf(shape) !== total || shape.some((d) => d < 0)) throw kernelError(ctx, `cannot reshape ${shapeText(x.shape)} to [${requested.join(',')}]`);
  return [view(x, shape)];
};

const flattenKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  const r = x.shape.length;
  let axis = attrNumber(attrs, 'axis', 1);
  if (axis < -r || axis > r) throw kernelError(ctx, `axis ${axis} is out of range for rank ${r}`);
  if (axis < 0) axis += r;
  return [view(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))])];
};

const squeezeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const r = x.shape.length;
  const axes = ctx.opset < 13 ? attrNumbers(attrs, 'axes') : optionalInts(inputs, 1);
  let drop: Set<number>;
  if (axes && axes.length) {
    drop = new Set(normalizeAxes(axes, r, ctx));
    for (const a of drop) if (x.shape[a] !== 1) throw kernelError(ctx, `cannot squeeze axis ${a} of ${shapeText(x.shape)} (not 1)`);
  } else {
    drop = new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  }
  return [view(x, x.shape.filter((_, i) => !drop.has(i)))];
};

const unsqueezeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const axes = ctx.opset < 13 ? attrNumbers(attrs, 'axes') : optionalInts(inputs, 1);
  if (!axes) throw kernelError(ctx, 'axes are required');
  const rank = x.shape.length + axes.length;
  const added = new Set(normalizeAxes(axes, rank, ctx));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(added.has(i) ? 1 : x.shape[k++]);
  return [view(x, shape)];
};

const transposeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const r = x.shape.length;
  const perm = attrNumbers(attrs, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw kernelError(ctx, `perm [${perm.join(',')}] is not a permutation of ${r} axes`);
  }
  const { shape, data } = transposeData(x.dtype, x.data, x.shape, perm);
  return [makeTensor(x.dtype, shape, data)];
};

// ---- joining and splitting ------------------------------------------------------------

const concatKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const xs = inputs.filter((t): t is RtTensor => t !== undefined);
  if (xs.length === 0) throw kernelError(ctx, 'Concat needs at least one input');
  const first = xs[0];
  const r = first.shape.length;
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), r, ctx);
  for (const t of xs) {
    if (t.dtype !== first.dtype || t.shape.length !== r || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw kernelError(ctx, `inputs ${xs.map((u) => `${u.dtype}${shapeText(u.shape)}`).join(', ')} cannot be concatenated on axis ${axis}`);
    }
  }
  const outer = sizeOf(first.shape.slice(0, axis)), inner = sizeOf(first.shape.slice(axis + 1));
  const total = xs.reduce((a, t) => a + t.shape[axis], 0);
  const out = allocData(first.dtype, outer * total * inner);
  let at = 0;
  for (const t of xs) {
    const block = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) copyRange(out, o * total * inner + at, t.data, o * block, (o + 1) * block);
    at += block;
  }
  const shape = [...first.shape];
  shape[axis] = total;
  return [makeTensor(first.dtype, shape, out)];
};

const splitKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), x.shape.length, ctx);
  const L = x.shape[axis];
  let sizes = ctx.opset < 13 ? attrNumbers(attrs, 'split') : optionalInts(inputs, 1);
  if (!sizes || sizes.length === 0) {
    const parts = attrNumber(attrs, 'num_outputs') ?? ctx.outputCount;
    if (!parts) throw kernelError(ctx, 'Split without sizes needs num_outputs or the number of outputs');
    const chunk = Math.ceil(L / parts);
    if (ctx.opset < 18 && L % parts !== 0) throw kernelError(ctx, `axis of ${L} does not split evenly into ${parts}`);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, L - i * chunk)));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== L || sizes.some((s) => s < 0)) {
    throw kernelError(ctx, `split [${sizes.join(',')}] does not add up to ${L}`);
  }
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
  const outs: RtTensor[] = [];
  let at = 0;
  for (const s of sizes) {
    const data = allocData(x.dtype, outer * s * inner);
    for (let o = 0; o < outer; o++) copyRange(data, o * s * inner, x.data, (o * L + at) * inner, (o * L + at + s) * inner);
    const shape = [...x.shape];
    shape[axis] = s;
    outs.push(makeTensor(x.dtype, shape, data));
    at += s;
  }
  return outs;
};

/** Start, step and count of each axis under ONNX Slice clamping. */
const sliceKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const r = x.shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = attrNumbers(attrs, 'starts') ?? [];
    ends = attrNumbers(attrs, 'ends') ?? [];
    axes = attrNumbers(attrs, 'axes');
  } else {
    starts = intsOf(requireInput(inputs, 1, ctx, 'starts'), ctx, 'starts');
    ends = intsOf(requireInput(inputs, 2, ctx, 'ends'), ctx, 'ends');
    axes = optionalInts(inputs, 3);
    steps = optionalInts(inputs, 4);
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw kernelError(ctx, 'starts, ends, axes and steps must have the same length');
  }
  const norm = normalizeAxes(axes, r, ctx);
  const begin = new Array<number>(r).fill(0), step = new Array<number>(r).fill(1), shape = [...x.shape];
  for (let k = 0; k < norm.length; k++) {
    const a = norm[k], d = x.shape[a], st = steps[k];
    if (st === 0) throw kernelError(ctx, 'slice step cannot be 0');
    let s = starts[k], e = ends[k];
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    begin[a] = s;
    step[a] = st;
    shape[a] = Math.max(0, Math.ceil((e - s) / st));
  }
  const strides = stridesOf(x.shape);
  let offset = 0;
  for (let a = 0; a < r; a++) if (shape[a] > 0) offset += begin[a] * strides[a];
  return [makeTensor(x.dtype, shape, stridedCopy(x.dtype, x.data, offset, strides.map((s, a) => s * step[a]), shape))];
};

// ---- padding ------------------------------------------------------------------------------

/** Source index along one axis for each output index; −1 means the constant. */
function padMap(d: number, before: number, after: number, mode: string, ctx: KernelContext): Int32Array {
  const n = d + before + after;
  if (n < 0) throw kernelError(ctx, `pads ${before}/${after} remove more than the axis of ${d}`);
  const map = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    let i = o - before;
    if (i < 0 || i >= d) {
      if (mode === 'constant' || d === 0) i = -1;
      else if (mode === 'edge') i = i < 0 ? 0 : d - 1;
      else if (mode === 'wrap') i = ((i % d) + d) % d;
      else if (mode === 'reflect') {
        if (d === 1) i = 0;
        else {
          const period = 2 * (d - 1);
          i = ((i % period) + period) % period;
          if (i >= d) i = period - i;
        }
      } else throw kernelError(ctx, `pad mode '${mode}' is not supported`);
    }
    map[o] = i;
  }
  return map;
}

const padKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const r = x.shape.length;
  const mode = attrString(attrs, 'mode', 'constant');
  let pads: number[];
  let value = 0;
  let valueBig: bigint | undefined;
  if (ctx.opset < 11) {
    pads = attrNumbers(attrs, ctx.opset < 2 ? 'paddings' : 'pads') ?? [];
    value = attrNumber(attrs, 'value', 0);
  } else {
    pads = intsOf(requireInput(inputs, 1, ctx, 'pads'), ctx, 'pads');
    const cv = inputs[2];
    if (cv && sizeOf(cv.shape) > 0) {
      value = scalarOf(cv, ctx, 'constant_value');
      if (cv.data instanceof BigInt64Array) valueBig = cv.data[0];
    }
  }
  let axes = Array.from({ length: r }, (_, i) => i);
  const axesInput = ctx.opset >= 18 ? optionalInts(inputs, 3) : undefined;
  if (axesInput) axes = normalizeAxes(axesInput, r, ctx);
  if (pads.length !== 2 * axes.length) throw kernelError(ctx, `pads has ${pads.length} values for ${axes.length} axes`);
  const before = new Array<number>(r).fill(0), after = new Array<number>(r).fill(0);
  axes.forEach((a, k) => { before[a] = pads[k]; after[a] = pads[k + axes.length]; });
  const maps = x.shape.map((d, a) => padMap(d, before[a], after[a], mode, ctx));
  const shape = maps.map((m) => m.length);
  const total = sizeOf(shape);
  const out = allocData(x.dtype, total);
  if (value !== 0 || valueBig !== undefined) {
    if (out instanceof BigInt64Array) out.fill(valueBig ?? BigInt(Math.trunc(value)));
    else (out as Float64Array).fill(value);
  }
  if (total === 0 || sizeOf(x.shape) === 0) return [makeTensor(x.dtype, shape, out)];
  const src = slots(x.data), dst = slots(out);
  const inStrides = stridesOf(x.shape);
  if (r === 0) { dst[0] = src[0]; return [makeTensor(x.dtype, shape, out)]; }
  const last = maps[r - 1], n = last.length;
  const counter = new Int32Array(Math.max(r - 1, 0));
  for (let o = 0; o < total; o += n) {
    let base = 0, outside = false;
    for (let a = 0; a < r - 1; a++) {
      const i = maps[a][counter[a]];
      if (i < 0) { outside = true; break; }
      base += i * inStrides[a];
    }
    if (!outside) for (let j = 0; j < n; j++) { const i = last[j]; if (i >= 0) dst[o + j] = src[base + i]; }
    for (let a = r - 2; a >= 0; a--) { if (++counter[a] < shape[a]) break; counter[a] = 0; }
  }
  return [makeTensor(x.dtype, shape, out)];
};

// ---- indexing -------------------------------------------------------------------------------

function indexValue(i: number, d: number, ctx: KernelContext): number {
  const j = i < 0 ? i + d : i;
  if (j < 0 || j >= d) throw kernelError(ctx, `index ${i} is out of range for an axis of ${d}`);
  return j;
}

const gatherKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data'), ind = requireInput(inputs, 1, ctx, 'indices');
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), x.shape.length, ctx);
  const idx = intsOf(ind, ctx, 'indices');
  const d = x.shape[axis];
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
  const out = allocData(x.dtype, outer * idx.length * inner);
  const src = slots(x.data), dst = slots(out);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const from = (o * d + indexValue(idx[k], d, ctx)) * inner, to = (o * idx.length + k) * inner;
      if (inner > 16) copyRange(out, to, x.data, from, from + inner);
      else for (let i = 0; i < inner; i++) dst[to + i] = src[from + i];
    }
  }
  const shape = [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)];
  return [makeTensor(x.dtype, shape, out)];
};

/** Calls fn(flatIndex, coords) for every element of a shape in row-major order. */
function forEachIndex(shape: readonly number[], fn: (flat: number, coords: Int32Array) => void): void {
  const total = sizeOf(shape);
  const coords = new Int32Array(shape.length);
  for (let f = 0; f < total; f++) {
    fn(f, coords);
    for (let d = shape.length - 1; d >= 0; d--) { if (++coords[d] < shape[d]) break; coords[d] = 0; }
  }
}

const gatherElementsKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data'), ind = requireInput(inputs, 1, ctx, 'indices');
  const r = x.shape.length;
  if (ind.shape.length !== r) throw kernelError(ctx, `indices ${shapeText(ind.shape)} must have the rank of data ${shapeText(x.shape)}`);
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), r, ctx);
  const idx = intsOf(ind, ctx, 'indices');
  const strides = stridesOf(x.shape);
  const out = allocData(x.dtype, idx.length);
  const src = slots(x.data), dst = slots(out);
  forEachIndex(ind.shape, (f, c) => {
    let p = 0;
    for (let d = 0; d < r; d++) p += (d === axis ? indexValue(idx[f], x.shape[d], ctx) : c[d]) * strides[d];
    dst[f] = src[p];
  });
  return [makeTensor(x.dtype, ind.shape, out)];
};

const gatherNDKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data'), ind = requireInput(inputs, 1, ctx, 'indices');
  const b = attrNumber(attrs, 'batch_dims', 0);
  const q = ind.shape.length, last = ind.shape[q - 1];
  if (q < 1 || last > x.shape.length - b) throw kernelError(ctx, `indices ${shapeText(ind.shape)} do not fit data ${shapeText(x.shape)}`);
  const idx = intsOf(ind, ctx, 'indices');
  const batch = sizeOf(x.shape.slice(0, b));
  const perBatch = sizeOf(ind.shape.slice(b, q - 1));
  const sliceShape = x.shape.slice(b + last);
  const slice = sizeOf(sliceShape);
  const dataBatch = sizeOf(x.shape.slice(b));
  const strides = stridesOf(x.shape.slice(b));
  const out = allocData(x.dtype, batch * perBatch * slice);
  for (let t = 0; t < batch; t++) {
    for (let k = 0; k < perBatch; k++) {
      const at = (t * perBatch + k) * last;
      let p = t * dataBatch;
      for (let j = 0; j < last; j++) p += indexValue(idx[at + j], x.shape[b + j], ctx) * strides[j];
      copyRange(out, (t * perBatch + k) * slice, x.data, p, p + slice);
    }
  }
  return [makeTensor(x.dtype, [...ind.shape.slice(0, q - 1), ...sliceShape], out)];
};

function combine(reduction: string, ctx: KernelContext): (a: number, b: number) => number {
  switch (reduction) {
    case 'none': return (_a, b) => b;
    case 'add': return (a, b) => a + b;
    case 'mul': return (a, b) => a * b;
    case 'max': return (a, b) => Math.max(a, b);
    case 'min': return (a, b) => Math.min(a, b);
    default: throw kernelError(ctx, `reduction '${reduction}' is not supported`);
  }
}

/** Scatter into a float64 copy of data, then back to data's dtype. */
const scatterElementsKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data'), ind = requireInput(inputs, 1, ctx, 'indices'), upd = requireInput(inputs, 2, ctx, 'updates');
  const r = x.shape.length;
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), r, ctx);
  const f = combine(attrString(attrs, 'reduction', 'none'), ctx);
  const idx = intsOf(ind, ctx, 'indices'), u = toFloat64(upd);
  if (u.length !== idx.length) throw kernelError(ctx, 'updates and indices must have the same shape');
  const y = Float64Array.from(toFloat64(x));
  const strides = stridesOf(x.shape);
  forEachIndex(ind.shape, (k, c) => {
    let p = 0;
    for (let d = 0; d < r; d++) p += (d === axis ? indexValue(idx[k], x.shape[d], ctx) : c[d]) * strides[d];
    y[p] = f(y[p], u[k]);
  });
  return [makeTensor(x.dtype, x.shape, fromNumbers(x.dtype, y))];
};

const scatterNDKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data'), ind = requireInput(inputs, 1, ctx, 'indices'), upd = requireInput(inputs, 2, ctx, 'updates');
  const f = combine(attrString(attrs, 'reduction', 'none'), ctx);
  const q = ind.shape.length, last = ind.shape[q - 1];
  const idx = intsOf(ind, ctx, 'indices'), u = toFloat64(upd);
  const count = sizeOf(ind.shape.slice(0, q - 1));
  const slice = sizeOf(x.shape.slice(last));
  if (u.length !== count * slice) throw kernelError(ctx, `updates ${shapeText(upd.shape)} do not match indices ${shapeText(ind.shape)}`);
  const strides = stridesOf(x.shape);
  const y = Float64Array.from(toFloat64(x));
  for (let k = 0; k < count; k++) {
    let p = 0;
    for (let j = 0; j < last; j++) p += indexValue(idx[k * last + j], x.shape[j], ctx) * strides[j];
    for (let i = 0; i < slice; i++) y[p + i] = f(y[p + i], u[k * slice + i]);
  }
  return [makeTensor(x.dtype, x.shape, fromNumbers(x.dtype, y))];
};

// ---- broadcasting copies ----------------------------------------------------------------

const expandKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  const target = intsOf(requireInput(inputs, 1, ctx, 'shape'), ctx, 'shape');
  const shape = broadcastShapes([x.shape, target], ctx);
  return [makeTensor(x.dtype, shape, stridedCopy(x.dtype, x.data, 0, broadcastStrides(x.shape, shape), shape))];
};

/** Tile as a strided copy over the interleaved shape [r0, d0, r1, d1, …] with zero strides on the repeats. */
const tileKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  const repeats = ctx.opset < 6
    ? [scalarOf(requireInput(inputs, 1, ctx, 'tiles'), ctx, 'tiles')]
    : intsOf(requireInput(inputs, 1, ctx, 'repeats'), ctx, 'repeats');
  if (repeats.length !== x.shape.length || repeats.some((v) => v < 0)) {
    throw kernelError(ctx, `repeats [${repeats.join(',')}] do not fit ${shapeText(x.shape)}`);
  }
  const strides = stridesOf(x.shape);
  const shape: number[] = [], srcStrides: number[] = [];
  x.shape.forEach((d, i) => { shape.push(repeats[i], d); srcStrides.push(0, strides[i]); });
  return [makeTensor(x.dtype, x.shape.map((d, i) => d * repeats[i]), stridedCopy(x.dtype, x.data, 0, srcStrides, shape))];
};

function blockKernel(toSpace: boolean): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireInput(inputs, 0, ctx, 'input');
    if (x.shape.length !== 4) throw kernelError(ctx, `input must be 4-D, got ${shapeText(x.shape)}`);
    const b = attrNumber(attrs, 'blocksize', 0);
    const [N, C, H, W] = x.shape;
    if (b < 1) throw kernelError(ctx, 'blocksize must be ≥ 1');
    if (toSpace) {
      if (C % (b * b) !== 0) throw kernelError(ctx, `channels ${C} are not divisible by blocksize² ${b * b}`);
      const c = C / (b * b);
      const crd = attrString(attrs, 'mode', 'DCR') === 'CRD';
      const shape6 = crd ? [N, c, b, b, H, W] : [N, b, b, c, H, W];
      const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
      const { data } = transposeData(x.dtype, x.data, shape6, perm);
      return [makeTensor(x.dtype, [N, c, H * b, W * b], data)];
    }
    if (H % b !== 0 || W % b !== 0) throw kernelError(ctx, `spatial size ${H}x${W} is not divisible by blocksize ${b}`);
    const { data } = transposeData(x.dtype, x.data, [N, C, H / b, b, W / b, b], [0, 3, 5, 1, 2, 4]);
    return [makeTensor(x.dtype, [N, C * b * b, H / b, W / b], data)];
  };
}

// ---- generators ---------------------------------------------------------------------------

const shapeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  const r = x.shape.length;
  const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(attrNumber(attrs, 'start', 0)), end = clampAxis(attrNumber(attrs, 'end', r));
  const dims = x.shape.slice(start, Math.max(start, end));
  return [makeTensor('int64', [dims.length], BigInt64Array.from(dims, (d) => BigInt(d)))];
};

const sizeKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  return [makeTensor('int64', [], BigInt64Array.of(BigInt(sizeOf(x.shape))))];
};

const constantOfShapeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const shape = intsOf(requireInput(inputs, 0, ctx, 'input'), ctx, 'shape');
  if (shape.some((d) => d < 0)) throw kernelError(ctx, `shape [${shape.join(',')}] has a negative dimension`);
  const value = attrTensor(attrs, 'value');
  const dtype: RtDType = value?.dtype ?? 'float32';
  const out = allocData(dtype, sizeOf(shape));
  if (value && sizeOf(value.shape) !== 1) throw kernelError(ctx, 'value must hold one element');
  if (value) {
    const v = value.data[0];
    if (out instanceof BigInt64Array) out.fill(v as bigint);
    else (out as Float64Array).fill(v as number);
  }
  return [makeTensor(dtype, shape, out)];
};

const constantKernel: DigitalKernel = (_inputs, attrs, ctx) => {
  const t = attrTensor(attrs, 'value');
  if (t) return [t];
  const f = attrs.value_float, fs = attrs.value_floats, i = attrs.value_int, is = attrs.value_ints;
  if (typeof f === 'number') return [makeTensor('float32', [], Float32Array.of(f))];
  if (Array.isArray(fs)) return [makeTensor('float32', [fs.length], Float32Array.from(fs as number[]))];
  if (typeof i === 'number') return [makeTensor('int64', [], BigInt64Array.of(BigInt(i)))];
  if (Array.isArray(is)) return [makeTensor('int64', [is.length], BigInt64Array.from(is as number[], (v) => BigInt(v)))];
  throw kernelError(ctx, 'Constant has no value the runtime can hold');
};

const rangeKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const s = requireInput(inputs, 0, ctx, 'start'), l = requireInput(inputs, 1, ctx, 'limit'), d = requireInput(inputs, 2, ctx, 'delta');
  const start = scalarOf(s, ctx, 'start'), limit = scalarOf(l, ctx, 'limit'), delta = scalarOf(d, ctx, 'delta');
  if (delta === 0) throw kernelError(ctx, 'delta cannot be 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const values = new Float64Array(n);
  if (s.dtype === 'float32') {
    let v = Math.fround(start);
    for (let i = 0; i < n; i++) { values[i] = v; v = Math.fround(v + delta); }
  } else {
    for (let i = 0; i < n; i++) values[i] = start + i * delta;
  }
  return [makeTensor(s.dtype, [n], fromNumbers(s.dtype, values))];
};

const eyeLikeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  if (x.shape.length !== 2) throw kernelError(ctx, `input must be 2-D, got ${shapeText(x.shape)}`);
  const code = attrNumber(attrs, 'dtype');
  const dtype = code === undefined ? x.dtype : rtDTypeByOnnxCode[code];
  if (!dtype) throw kernelError(ctx, `dtype ${code} is not supported`);
  const k = attrNumber(attrs, 'k', 0);
  const [R, C] = x.shape;
  const v = new Float64Array(R * C);
  for (let i = 0; i < R; i++) { const j = i + k; if (j >= 0 && j < C) v[i * C + j] = 1; }
  return [makeTensor(dtype, x.shape, fromNumbers(dtype, v))];
};

const oneHotKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const ind = requireInput(inputs, 0, ctx, 'indices'), depthT = requireInput(inputs, 1, ctx, 'depth'), vals = requireInput(inputs, 2, ctx, 'values');
  const depth = Math.trunc(scalarOf(depthT, ctx, 'depth'));
  if (sizeOf(vals.shape) !== 2) throw kernelError(ctx, 'values must hold [off, on]');
  const r = ind.shape.length + 1;
  const axis = normalizeAxis(attrNumber(attrs, 'axis', -1), r, ctx);
  const idx = toNumbers(ind);
  const outer = sizeOf(ind.shape.slice(0, axis)), inner = sizeOf(ind.shape.slice(axis));
  const off = numberAt(vals, 0), on = numberAt(vals, 1);
  const y = new Float64Array(outer * depth * inner).fill(off);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let k = Math.trunc(idx[o * inner + i]);
      if (k < 0) k += depth;
      if (k >= 0 && k < depth) y[(o * depth + k) * inner + i] = on;
    }
  }
  const shape = [...ind.shape.slice(0, axis), depth, ...ind.shape.slice(axis)];
  return [makeTensor(vals.dtype, shape, fromNumbers(vals.dtype, y))];
};

const nonZeroKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const r = x.shape.length;
  const coords: number[][] = [];
  const d = x.data as unknown as ArrayLike<number | bigint>;
  forEachIndex(x.shape, (f, c) => { const v = d[f]; if (v !== 0 && v !== 0n) coords.push(Array.from(c)); });
  const out = new BigInt64Array(Math.max(r, 1) * coords.length);
  coords.forEach((c, k) => { for (let a = 0; a < r; a++) out[a * coords.length + k] = BigInt(c[a]); });
  if (r === 0) for (let k = 0; k < coords.length; k++) out[k] = 0n;
  return [makeTensor('int64', [Math.max(r, 1), coords.length], out)];
};

/** Trilu: keep the upper (or lower) triangle of the last two dims from diagonal k. */
const triluKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  if (x.shape.length < 2) throw kernelError(ctx, `input must have rank ≥ 2, got ${shapeText(x.shape)}`);
  const k = inputs[1] ? scalarOf(inputs[1], ctx, 'k') : 0;
  const upper = attrNumber(attrs, 'upper', 1) !== 0;
  const R = x.shape[x.shape.length - 2], C = x.shape[x.shape.length - 1];
  const out = allocData(x.dtype, x.data.length);
  const src = slots(x.data), dst = slots(out);
  for (let b = 0; b < x.data.length; b += R * C) {
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const keep = upper ? j - i >= k : j - i <= k;
        if (keep) dst[b + i * C + j] = src[b + i * C + j];
      }
    }
  }
  return [makeTensor(x.dtype, x.shape, out)];
};

/** Compress: the slices along axis (or the flattened elements) whose condition is true. */
const compressKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input'), c = requireInput(inputs, 1, ctx, 'condition');
  const cond = toNumbers(c);
  const axisAttr = attrNumber(attrs, 'axis');
  const flat = axisAttr === undefined;
  const shape = flat ? [sizeOf(x.shape)] : x.shape;
  const axis = flat ? 0 : normalizeAxis(axisAttr, x.shape.length, ctx);
  const L = shape[axis], inner = sizeOf(shape.slice(axis + 1)), outer = sizeOf(shape.slice(0, axis));
  if (cond.length > L) throw kernelError(ctx, `condition has ${cond.length} values for an axis of ${L}`);
  const kept = cond.flatMap((v, i) => (v ? [i] : []));
  const out = allocData(x.dtype, outer * kept.length * inner);
  for (let o = 0; o < outer; o++) {
    kept.forEach((i, k) => copyRange(out, (o * kept.length + k) * inner, x.data, (o * L + i) * inner, (o * L + i + 1) * inner));
  }
  const outShape = [...shape];
  outShape[axis] = kept.length;
  return [makeTensor(x.dtype, outShape, out)];
};

export const tensorOpKernels: Record<string, DigitalKernel> = {
  Reshape: reshapeKernel, Flatten: flattenKernel, Squeeze: squeezeKernel, Unsqueeze: unsqueezeKernel,
  Transpose: transposeKernel, Concat: concatKernel, Split: splitKernel, Slice: sliceKernel, Pad: padKernel,
  Gather: gatherKernel, GatherElements: gatherElementsKernel, GatherND: gatherNDKernel,
  ScatterElements: scatterElementsKernel, Scatter: scatterElementsKernel, ScatterND: scatterNDKernel,
  Expand: expandKernel, Tile: tileKernel, DepthToSpace: blockKernel(true), SpaceToDepth: blockKernel(false),
  Shape: shapeKernel, Size: sizeKernel, ConstantOfShape: constantOfShapeKernel, Constant: constantKernel,
  Range: rangeKernel, EyeLike: eyeLikeKernel, OneHot: oneHotKernel, NonZero: nonZeroKernel,
  Trilu: triluKernel, Compress: compressKernel,
};
