/**
 * Normalizations: BatchNormalization (inference), InstanceNormalization, LayerNormalization,
 * GroupNormalization, LpNormalization, LRN, MeanVarianceNormalization. Statistics are
 * accumulated in float64.
 */
import { makeTensor, shapeText, sizeOf, toFloat32, type RtTensor } from '../../../base/rt-tensor.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import {
  attrNumber, attrNumbers, kernelError, normalizeAxes, normalizeAxis, requireFloat, type DigitalKernel, type KernelContext,
} from './types.js';

function perChannel(t: RtTensor, C: number, ctx: KernelContext, what: string): Float32Array {
  if (sizeOf(t.shape) !== C) throw kernelError(ctx, `${what} ${shapeText(t.shape)} must hold ${C} values (one per channel)`);
  return toFloat32(t);
}

/** y = (x − mean) / √(var + ε) · scale + B per channel. */
const batchNormKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'X');
  if (x.shape.length < 2) throw kernelError(ctx, `X must be [N, C, ...], got ${shapeText(x.shape)}`);
  if (attrNumber(attrs, 'training_mode', 0) !== 0) throw kernelError(ctx, 'BatchNormalization in training mode is not supported');
  const [N, C] = x.shape;
  const S = sizeOf(x.shape.slice(2));
  const scale = perChannel(requireFloat(inputs, 1, ctx, 'scale'), C, ctx, 'scale');
  const bias = perChannel(requireFloat(inputs, 2, ctx, 'B'), C, ctx, 'B');
  const mean = perChannel(requireFloat(inputs, 3, ctx, 'mean'), C, ctx, 'mean');
  const variance = perChannel(requireFloat(inputs, 4, ctx, 'var'), C, ctx, 'var');
  const eps = attrNumber(attrs, 'epsilon', 1e-5);
  const X = toFloat32(x);
  const Y = new Float32Array(X.length);
  for (let c = 0; c < C; c++) {
    const a = scale[c] / Math.sqrt(variance[c] + Math.fround(eps));
    const m = mean[c], b = bias[c];
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) Y[o + i] = (X[o + i] - m) * a + b;
    }
  }
  return [makeTensor('float32', x.shape, Y)];
};

/** Normalizes each of `groups` contiguous blocks of `size` elements; scale/bias index by element via `param`. */
function normalizeBlocks(
  X: Float32Array, Y: Float32Array, groups: number, size: number, eps: number,
  affine: (group: number, offset: number, normalized: Float32Array, start: number, count: number) => void,
  stats?: { mean: Float32Array; invStd: Float32Array },
): void {
  for (let g = 0; g < groups; g++) {
    const o = g * size;
    let sum = 0;
    for (let i = 0; i < size; i++) sum += X[o + i];
    const mean = sum / size;
    let sq = 0;
    for (let i = 0; i < size; i++) { const d = X[o + i] - mean; sq += d * d; }
    const inv = 1 / Math.sqrt(sq / size + eps);
    for (let i = 0; i < size; i++) Y[o + i] = (X[o + i] - mean) * inv;
    affine(g, o, Y, o, size);
    if (stats) { stats.mean[g] = mean; stats.invStd[g] = inv; }
  }
}

const instanceNormKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'input');
  if (x.shape.length < 3) throw kernelError(ctx, `input must be [N, C, D...], got ${shapeText(x.shape)}`);
  const [N, C] = x.shape;
  const S = sizeOf(x.shape.slice(2));
  const scale = perChannel(requireFloat(inputs, 1, ctx, 'scale'), C, ctx, 'scale');
  const bias = perChannel(requireFloat(inputs, 2, ctx, 'B'), C, ctx, 'B');
  const Y = new Float32Array(N * C * S);
  normalizeBlocks(toFloat32(x), Y, N * C, S, Math.fround(attrNumber(attrs, 'epsilon', 1e-5)), (g, _o, y, start, count) => {
    const c = g % C, s = scale[c], b = bias[c];
    for (let i = start; i < start + count; i++) y[i] = y[i] * s + b;
  });
  return [makeTensor('float32', x.shape, Y)];
};

/** Scale/B broadcast onto the normalized trailing shape, flattened to its element count. */
function trailingParam(t: RtTensor | undefined, trailing: readonly number[], ctx: KernelContext, what: string): Float32Array | undefined {
  if (!t) return undefined;
  const shape = broadcastShapes([t.shape, trailing], ctx);
  if (shape.length !== trailing.length || shape.some((d, i) => d !== trailing[i])) {
    throw kernelError(ctx, `${what} ${shapeText(t.shape)} does not broadcast onto the normalized shape ${shapeText(trailing)}`);
  }
  const src = toFloat32(t);
  if (src.length === sizeOf(trailing)) return src;
  const out = new Float32Array(sizeOf(trailing));
  const strides = broadcastStrides(t.shape, trailing);
  const counter = new Array<number>(trailing.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let p = 0;
    for (let d = 0; d < trailing.length; d++) p += counter[d] * strides[d];
    out[i] = src[p];
    for (let d = trailing.length - 1; d >= 0; d--) { if (++counter[d] < trailing[d]) break; counter[d] = 0; }
  }
  return out;
}

const layerNormKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'X');
  const axis = normalizeAxis(attrNumber(attrs, 'axis', -1), x.shape.length, ctx);
  const trailing = x.shape.slice(axis);
  const size = sizeOf(trailing), groups = sizeOf(x.shape.slice(0, axis));
  const scale = trailingParam(requireFloat(inputs, 1, ctx, 'Scale'), trailing, ctx, 'Scale')!;
  const bias = trailingParam(inputs[2], trailing, ctx, 'B');
  const Y = new Float32Array(groups * size);
  const stats = { mean: new Float32Array(groups), invStd: new Float32Array(groups) };
  normalizeBlocks(toFloat32(x), Y, groups, size, Math.fround(attrNumber(attrs, 'epsilon', 1e-5)), (_g, _o, y, start, count) => {
    if (bias) for (let i = 0; i < count; i++) y[start + i] = y[start + i] * scale[i] + bias[i];
    else for (let i = 0; i < count; i++) y[start + i] *= scale[i];
  }, stats);
  const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
  return [makeTensor('float32', x.shape, Y), makeTensor('float32', statShape, stats.mean), makeTensor('float32', statShape, stats.invStd)];
};

/** GroupNormalization: scale/bias per channel (opset 21) or per group (opset 18). */
const groupNormKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'X');
  if (x.shape.length < 2) throw kernelError(ctx, `X must be [N, C, ...], got ${shapeText(x.shape)}`);
  const [N, C] = x.shape;
  const G = attrNumber(attrs, 'num_groups', 0);
  if (G < 1 || C % G !== 0) throw kernelError(ctx, `num_groups ${G} does not divide ${C} channels`);
  const S = sizeOf(x.shape.slice(2));
  const scale = toFloat32(requireFloat(inputs, 1, ctx, 'scale')), bias = toFloat32(requireFloat(inputs, 2, ctx, 'bias'));
  const perChannelParams = scale.length === C && bias.length === C;
  if (!perChannelParams && !(scale.length === G && bias.length === G)) {
    throw kernelError(ctx, `scale and bias must hold ${C} (per channel) or ${G} (per group) values`);
  }
  const Cg = C / G, size = Cg * S;
  const Y = new Float32Array(N * C * S);
  normalizeBlocks(toFloat32(x), Y, N * G, size, Math.fround(attrNumber(attrs, 'epsilon', 1e-5)), (g, _o, y, start) => {
    const group = g % G;
    for (let c = 0; c < Cg; c++) {
      const k = perChannelParams ? group * Cg + c : group;
      const s = scale[k], b = bias[k], o = start + c * S;
      for (let i = 0; i < S; i++) y[o + i] = y[o + i] * s + b;
    }
  });
  return [makeTensor('float32', x.shape, Y)];
};

/** x / ‖x‖_p along one axis (p = 1 or 2). */
const lpNormKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'input');
  const axis = normalizeAxis(attrNumber(attrs, 'axis', -1), x.shape.length, ctx);
  const p = attrNumber(attrs, 'p', 2);
  if (p !== 1 && p !== 2) throw kernelError(ctx, `p must be 1 or 2, got ${p}`);
  const L = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1)), outer = sizeOf(x.shape.slice(0, axis));
  const X = toFloat32(x), Y = new Float32Array(X.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * L * inner + i;
      let s = 0;
      for (let k = 0; k < L; k++) { const v = X[b + k * inner]; s += p === 1 ? Math.abs(v) : v * v; }
      const norm = p === 1 ? s : Math.sqrt(s);
      for (let k = 0; k < L; k++) Y[b + k * inner] = X[b + k * inner] / norm;
    }
  }
  return [makeTensor('float32', x.shape, Y)];
};

/** Local response normalization across channels. */
const lrnKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'X');
  if (x.shape.length < 2) throw kernelError(ctx, `X must be [N, C, ...], got ${shapeText(x.shape)}`);
  const size = attrNumber(attrs, 'size', 0);
  if (size < 1) throw kernelError(ctx, 'size must be ≥ 1');
  const alpha = attrNumber(attrs, 'alpha', 1e-4), beta = attrNumber(attrs, 'beta', 0.75), bias = attrNumber(attrs, 'bias', 1);
  const [N, C] = x.shape;
  const S = sizeOf(x.shape.slice(2));
  const before = Math.floor((size - 1) / 2), after = Math.ceil((size - 1) / 2);
  const X = toFloat32(x), Y = new Float32Array(X.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const lo = Math.max(0, c - before), hi = Math.min(C - 1, c + after);
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        let sq = 0;
        for (let k = lo; k <= hi; k++) { const v = X[(n * C + k) * S + i]; sq += v * v; }
        Y[o + i] = X[o + i] / Math.pow(bias + (alpha / size) * sq, beta);
      }
    }
  }
  return [makeTensor('float32', x.shape, Y)];
};

/** (x − mean) / (std + 1e-9) over `axes` (default [0, 2, 3]). */
const mvnKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireFloat(inputs, 0, ctx, 'X');
  const r = x.shape.length;
  const axes = new Set(normalizeAxes(attrNumbers(attrs, 'axes') ?? [0, 2, 3], r, ctx));
  const keep = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
  const groups = sizeOf(keep), count = sizeOf(x.shape) / Math.max(groups, 1);
  const X = toFloat32(x), Y = new Float32Array(X.length);
  // Map each element to its group through broadcast strides of the kept shape.
  const gs = broadcastStrides(keep, x.shape);
  const sum = new Float64Array(groups), sq = new Float64Array(groups);
  const groupOf = new Int32Array(X.length);
  const counter = new Array<number>(r).fill(0);
  for (let i = 0; i < X.length; i++) {
    let g = 0;
    for (let d = 0; d < r; d++) g += counter[d] * gs[d];
    groupOf[i] = g;
    sum[g] += X[i];
    for (let d = r - 1; d >= 0; d--) { if (++counter[d] < x.shape[d]) break; counter[d] = 0; }
  }
  for (let i = 0; i < X.length; i++) { const g = groupOf[i]; const dlt = X[i] - sum[g] / count; sq[g] += dlt * dlt; }
  for (let i = 0; i < X.length; i++) {
    const g = groupOf[i];
    Y[i] = (X[i] - sum[g] / count) / (Math.sqrt(sq[g] / count) + 1e-9);
  }
  return [makeTensor('float32', x.shape, Y)];
};

export const normalizationKernels: Record<string, DigitalKernel> = {
  BatchNormalization: batchNormKernel,
  InstanceNormalization: instanceNormKernel,
  LayerNormalization: layerNormKernel,
  GroupNormalization: groupNormKernel,
  LpNormalization: lpNormKernel,
  LRN: lrnKernel,
  MeanVarianceNormalization: mvnKernel,
};
