/**
 * Resize (opset 10–19+) and Upsample (opset 7–9): nearest, linear and cubic, separably along
 * each resized axis, with onnxruntime's conventions: coordinates are computed in float32, an
 * axis with scale 1 maps identically, linear clamps the source coordinate into the input,
 * cubic clamps its taps (or drops and renormalizes them with exclude_outside), and
 * tf_crop_and_resize writes extrapolation_value outside the input.
 */
import { allocData, isFloatDType, makeTensor, sizeOf, toFloat64, toNumbers, fromNumbers, type RtTensor } from '../../../base/rt-tensor.js';
import { slots } from './layout.js';
import {
  attrNumber, attrNumbers, attrString, kernelError, normalizeAxes, requireInput, type DigitalKernel, type KernelContext, type RtAttr,
} from './types.js';

const f = Math.fround;

type Mode = 'nearest' | 'linear' | 'cubic';

/** Source coordinate of output index x along one axis (float32 arithmetic, as onnxruntime). */
function sourceCoordinate(mode: string, x: number, scale: number, lengthOut: number, lengthIn: number, roiStart: number, roiEnd: number, ctx: KernelContext): number {
  switch (mode) {
    case 'half_pixel': return f(f(f(x + 0.5) / scale) - 0.5);
    case 'asymmetric': return f(x / scale);
    case 'pytorch_half_pixel': return lengthOut > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'tf_half_pixel_for_nn': return f(f(x + 0.5) / scale);
    case 'align_corners': return lengthOut === 1 ? 0 : f(f(x * (lengthIn - 1)) / (lengthOut - 1));
    case 'tf_crop_and_resize':
      return lengthOut > 1
        ? f(f(roiStart * (lengthIn - 1)) + f(f(f(x * f(roiEnd - roiStart)) * (lengthIn - 1)) / (lengthOut - 1)))
        : f(0.5 * f(roiStart + roiEnd) * (lengthIn - 1));
    case 'half_pixel_symmetric': {
      const outputWidth = f(scale * lengthIn);
      const adjustment = f(lengthOut / outputWidth);
      const center = f(lengthIn / 2);
      const offset = f(center * f(1 - adjustment));
      return f(offset + (x + 0.5) / scale - 0.5);
    }
    default: throw kernelError(ctx, `coordinate_transformation_mode '${mode}' is not supported`);
  }
}

/** C's std::round: halves away from zero. */
const roundAway = (x: number): number => (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));

function nearestIndex(nearestMode: string, x: number, downsample: boolean, ctx: KernelContext): number {
  switch (nearestMode) {
    case 'round_prefer_floor': return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundAway(x);
    case 'round_prefer_ceil': return roundAway(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'simple': return downsample ? Math.ceil(x) : Math.trunc(x);
    default: throw kernelError(ctx, `nearest_mode '${nearestMode}' is not supported`);
  }
}

/** Keys cubic convolution weights for taps at ⌊x⌋−1 … ⌊x⌋+2, s = x − ⌊x⌋. */
function cubicWeights(s: number, a: number): [number, number, number, number] {
  const s1 = s + 1, t = 1 - s, t1 = 2 - s;
  return [
    ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a,
    ((a + 2) * s - (a + 3)) * s * s + 1,
    ((a + 2) * t - (a + 3)) * t * t + 1,
    ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a,
  ];
}

interface AxisPlan {
  /** taps per output index */
  taps: number;
  /** [out × taps] source indices */
  index: Int32Array;
  /** [out × taps] weights */
  weight: Float64Array;
  /** output indices that take the extrapolation value */
  outside: Uint8Array;
}

interface ResizeSettings {
  mode: Mode;
  coordinateMode: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
}

function planAxis(s: ResizeSettings, lengthIn: number, lengthOut: number, scale: number, roiStart: number, roiEnd: number, ctx: KernelContext): AxisPlan {
  const taps = s.mode === 'nearest' ? 1 : s.mode === 'linear' ? 2 : 4;
  const index = new Int32Array(lengthOut * taps), weight = new Float64Array(lengthOut * taps), outside = new Uint8Array(lengthOut);
  const extrapolate = s.coordinateMode === 'tf_crop_and_resize';
  for (let o = 0; o < lengthOut; o++) {
    const x = scale === 1 ? o : sourceCoordinate(s.coordinateMode, o, scale, lengthOut, lengthIn, roiStart, roiEnd, ctx);
    if (extrapolate && (x < 0 || x > lengthIn - 1)) outside[o] = 1;
    const k = o * taps;
    if (s.mode === 'nearest') {
      index[k] = Math.min(Math.max(nearestIndex(s.nearestMode, x, scale < 1, ctx), 0), lengthIn - 1);
      weight[k] = 1;
    } else if (s.mode === 'linear') {
      const c = f(Math.max(0, Math.min(x, lengthIn - 1)));
      const i0 = Math.min(Math.trunc(c), lengthIn - 1), i1 = Math.min(i0 + 1, lengthIn - 1);
      index[k] = i0;
      index[k + 1] = i1;
      if (i0 === i1) { weight[k] = 0.5; weight[k + 1] = 0.5; } else { weight[k] = f(Math.abs(c - i1)); weight[k + 1] = f(Math.abs(c - i0)); }
    } else {
      const base = Math.floor(x);
      const w = cubicWeights(f(x - base), s.cubicA);
      let sum = 0;
      for (let t = 0; t < 4; t++) {
        const i = base - 1 + t;
        if (s.excludeOutside && (i < 0 || i >= lengthIn)) w[t] = 0;
        sum += w[t];
        index[k + t] = Math.min(Math.max(i, 0), lengthIn - 1);
      }
      for (let t = 0; t < 4; t++) weight[k + t] = s.excludeOutside ? w[t] / sum : w[t];
    }
  }
  return { taps, index, weight, outside };
}

/** y[outer, out, inner] = Σ_t w[o,t] · x[outer, index[o,t], inner]. */
function interpolateAxis(x: Float64Array, outer: number, lengthIn: number, inner: number, p: AxisPlan, lengthOut: number): Float64Array {
  const y = new Float64Array(outer * lengthOut * inner);
  const T = p.taps;
  for (let q = 0; q < outer; q++) {
    const xb = q * lengthIn * inner, yb = q * lengthOut * inner;
    for (let o = 0; o < lengthOut; o++) {
      const dst = yb + o * inner;
      for (let t = 0; t < T; t++) {
        const w = p.weight[o * T + t];
        if (w === 0) continue;
        const src = xb + p.index[o * T + t] * inner;
        for (let i = 0; i < inner; i++) y[dst + i] += w * x[src + i];
      }
    }
  }
  return y;
}

/** Nearest for any dtype: one gather through per-axis index maps. */
function gatherNearest(x: RtTensor, plans: (AxisPlan | undefined)[], outShape: number[], fill: number): RtTensor {
  const r = outShape.length;
  const inStrides = new Array<number>(r);
  let acc = 1;
  for (let a = r - 1; a >= 0; a--) { inStrides[a] = acc; acc *= x.shape[a]; }
  const maps = outShape.map((n, a) => {
    const m = new Int32Array(n);
    const p = plans[a];
    for (let o = 0; o < n; o++) m[o] = p ? (p.outside[o] ? -1 : p.index[o] * inStrides[a]) : o * inStrides[a];
    return m;
  });
  const total = sizeOf(outShape);
  const out = allocData(x.dtype, total);
  const fillValue = fromNumbers(x.dtype, [fill]);
  const src = slots(x.data), dst = slots(out), fv = slots(fillValue)[0];
  const last = maps[r - 1], n = last.length;
  const counter = new Int32Array(r);
  for (let o = 0; o < total; o += n) {
    let base = 0, outside = false;
    for (let a = 0; a < r - 1; a++) { const m = maps[a][counter[a]]; if (m < 0) outside = true; base += m; }
    for (let j = 0; j < n; j++) dst[o + j] = outside || last[j] < 0 ? fv : src[base + last[j]];
    for (let a = r - 2; a >= 0; a--) { if (++counter[a] < outShape[a]) break; counter[a] = 0; }
  }
  return makeTensor(x.dtype, outShape, out);
}

function resizeWith(x: RtTensor, scales: number[], outShape: number[], roi: number[] | undefined, s: ResizeSettings, ctx: KernelContext): RtTensor {
  const r = x.shape.length;
  if (outShape.every((d, i) => d === x.shape[i])) return x;
  const plans: (AxisPlan | undefined)[] = x.shape.map((lengthIn, a) => {
    const lengthOut = outShape[a];
    if (lengthOut === lengthIn && scales[a] === 1) return undefined;
    if (lengthIn === 0) throw kernelError(ctx, 'cannot resize an empty axis');
    return planAxis(s, lengthIn, lengthOut, scales[a], roi ? roi[a] : 0, roi ? roi[a + r] : 1, ctx);
  });
  if (s.mode === 'nearest') return gatherNearest(x, plans, outShape, s.extrapolation);
  if (!isFloatDType(x.dtype)) throw kernelError(ctx, `${s.mode} resize needs a float input, got ${x.dtype}`);
  let data = toFloat64(x);
  const shape = [...x.shape];
  for (let a = 0; a < r; a++) {
    const p = plans[a];
    if (!p) continue;
    const outer = sizeOf(shape.slice(0, a)), inner = sizeOf(shape.slice(a + 1));
    data = interpolateAxis(data, outer, shape[a], inner, p, outShape[a]);
    shape[a] = outShape[a];
  }
  if (s.coordinateMode === 'tf_crop_and_resize') {
    // Any axis outside the input makes the whole element the extrapolation value.
    const total = data.length;
    const counter = new Int32Array(r);
    for (let i = 0; i < total; i++) {
      for (let a = 0; a < r; a++) if (plans[a]?.outside[counter[a]]) { data[i] = s.extrapolation; break; }
      for (let a = r - 1; a >= 0; a--) { if (++counter[a] < shape[a]) break; counter[a] = 0; }
    }
  }
  return makeTensor(x.dtype, outShape, x.dtype === 'float32' ? Float32Array.from(data) : data);
}

function settings(attrs: Record<string, RtAttr>, legacy: boolean, ctx: KernelContext): ResizeSettings {
  let mode = attrString(attrs, 'mode', 'nearest');
  if (mode === 'bilinear' || mode === 'trilinear') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') throw kernelError(ctx, `mode '${mode}' is not supported`);
  if (attrNumber(attrs, 'antialias', 0) !== 0) throw kernelError(ctx, 'antialias is not supported');
  return {
    mode,
    coordinateMode: legacy ? 'asymmetric' : attrString(attrs, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'simple' : attrString(attrs, 'nearest_mode', 'round_prefer_floor'),
    cubicA: attrNumber(attrs, 'cubic_coeff_a', -0.75),
    excludeOutside: attrNumber(attrs, 'exclude_outside', 0) !== 0,
    extrapolation: attrNumber(attrs, 'extrapolation_value', 0),
  };
}

const outputFromScales = (shape: readonly number[], scales: readonly number[]): number[] => shape.map((d, i) => Math.floor(f(scales[i] * d)));

const resizeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const r = x.shape.length;
  const legacy = ctx.opset < 11;
  const s = settings(attrs, legacy, ctx);
  const present = (t: RtTensor | undefined): t is RtTensor => t !== undefined && sizeOf(t.shape) > 0;
  const scalesT = legacy ? inputs[1] : inputs[2];
  const sizesT = legacy ? undefined : inputs[3];
  const roiT = legacy ? undefined : inputs[1];
  const axes = ctx.opset >= 18 ? normalizeAxes(attrNumbers(attrs, 'axes') ?? Array.from({ length: r }, (_, i) => i), r, ctx) : Array.from({ length: r }, (_, i) => i);
  let scales = new Array<number>(r).fill(1);
  let outShape: number[];
  if (present(scalesT)) {
    const given = toNumbers(scalesT);
    if (given.length !== axes.length) throw kernelError(ctx, `scales has ${given.length} values for ${axes.length} axes`);
    axes.forEach((a, k) => { scales[a] = f(given[k]); });
    if (scales.some((v) => !(v > 0))) throw kernelError(ctx, `scales [${given.join(',')}] must be positive`);
    outShape = outputFromScales(x.shape, scales);
  } else if (present(sizesT)) {
    const given = toNumbers(sizesT);
    if (given.length !== axes.length) throw kernelError(ctx, `sizes has ${given.length} values for ${axes.length} axes`);
    outShape = [...x.shape];
    axes.forEach((a, k) => { outShape[a] = given[k]; });
    scales = outShape.map((d, i) => (x.shape[i] === 0 ? 1 : f(d / x.shape[i])));
    const policy = attrString(attrs, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') {
      const chosen = axes.map((a) => scales[a]);
      const scale = policy === 'not_larger' ? Math.min(...chosen) : Math.max(...chosen);
      for (const a of axes) { scales[a] = scale; outShape[a] = roundAway(f(scale * x.shape[a])); }
    }
  } else {
    throw kernelError(ctx, 'Resize needs scales or sizes');
  }
  let roi: number[] | undefined;
  if (s.coordinateMode === 'tf_crop_and_resize') {
    if (!roiT) throw kernelError(ctx, 'tf_crop_and_resize needs roi');
    const given = toNumbers(roiT).map(f);
    roi = [...new Array<number>(r).fill(0), ...new Array<number>(r).fill(1)];
    if (given.length !== 2 * axes.length) throw kernelError(ctx, `roi has ${given.length} values for ${axes.length} axes`);
    axes.forEach((a, k) => { roi![a] = given[k]; roi![a + r] = given[k + axes.length]; });
  }
  return [resizeWith(x, scales, outShape, roi, s, ctx)];
};

const upsampleKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const given = ctx.opset < 9 ? attrNumbers(attrs, 'scales') : inputs[1] ? toNumbers(inputs[1]) : undefined;
  if (!given || given.length !== x.shape.length) throw kernelError(ctx, `scales must hold one value per axis of X`);
  const scales = given.map(f);
  return [resizeWith(x, scales, outputFromScales(x.shape, scales), undefined, settings(attrs, true, ctx), ctx)];
};

export const resizeKernels: Record<string, DigitalKernel> = {
  Resize: resizeKernel,
  Upsample: upsampleKernel,
};
