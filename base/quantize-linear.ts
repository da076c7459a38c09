/**
 * The arithmetic of QuantizeLinear and DequantizeLinear, as ONNX defines it and onnxruntime
 * computes it; the one home for constant folding and compiler/qdq (compiler/const-eval/quantize-ops.ts,
 * errors CIM1008) and the reference runtime's kernels (runtime/reference/ops/quantize.ts, CIM4005):
 *
 *   Q:   y = saturate(roundHalfEven(x / s) + zp)   x / s in float32 (x widened to float32 first),
 *                                                   saturated to [lo, hi]; NaN gives lo, the lowest code
 *   DQ:  y = (q − zp) · s                           q − zp rounded to float32, the product in float32
 *
 * (in float64 throughout when the scale is float64). onnxruntime 1.30 quantizes NaN to the
 * lowest code of the type — −128 for int8, 0 for uint8, −32768 for int16 — whatever the zero
 * point (test/unit/quantize-ops.test.ts and test/unit/const-eval-ort.test.ts check it).
 *
 * The scale (and the zero point, of the same shape) sets the granularity:
 *   per tensor  a scalar or a one-element vector (no block_size);
 *   per axis    a vector of x.shape[axis] values;
 *   blocked     block_size B > 0 (opset 21): x's rank, ⌈x.shape[axis] / B⌉ along `axis`,
 *               element j along `axis` reads parameter ⌊j / B⌋.
 * `checkQuantParams` checks this and reports a problem through the caller's `fail`, which
 * wraps it in the caller's own error code and node.
 */
import { roundHalfEvenInt } from './rounding.js';
import { shapeText } from './rt-tensor.js';
import { integerRange, sizeOf } from './tensor.js';

/** The integer types Q/DQ carry (int32 only as DequantizeLinear's input). */
export const quantizedDTypes = ['int4', 'uint4', 'int8', 'uint8', 'int16', 'uint16', 'int32'] as const;
export type QuantizedDType = (typeof quantizedDTypes)[number];

export const isQuantizedDType = (d: string): d is QuantizedDType => (quantizedDTypes as readonly string[]).includes(d);

/** Saturation range [lo, hi] of each quantized type. */
export const quantizedRange: Readonly<Record<QuantizedDType, readonly [number, number]>> = Object.fromEntries(
  quantizedDTypes.map((d) => {
    const r = integerRange(d)!;
    return [d, [r.min, r.max] as const];
  }),
) as Record<QuantizedDType, readonly [number, number]>;

/** QuantizeLinear's `output_dtype` codes (opset 21) of the integer types. */
export const quantizedDTypeByCode: Readonly<Record<number, QuantizedDType>> = {
  2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 21: 'uint4', 22: 'int4',
};

/**
 * Where the parameter of each element lives: for x viewed as [outer, dim, inner] around `axis`,
 * element (o, j, t) reads parameter o·outerStride + ⌊j / max(blockSize, 1)⌋·dimStride + t·innerStride.
 */
export interface ParamLayout {
  readonly mode: 'tensor' | 'axis' | 'block';
  /** The normalized axis (0 per tensor). */
  readonly axis: number;
  /** block_size (0 unless blocked). */
  readonly blockSize: number;
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
  readonly outerStride: number;
  readonly dimStride: number;
  readonly innerStride: number;
}

/** A tensor as the checks see it. */
export interface ShapedType {
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** The ONNX names of the scale and zero point inputs (y_scale / x_scale …), for messages. */
export interface ParamNames {
  readonly scale: string;
  readonly zeroPoint: string;
}

/** Whether a scale of this shape is one value for the whole tensor. */
export const isPerTensor = (scaleShape: readonly number[], blockSize: number): boolean =>
  blockSize === 0 && scaleShape.length <= 1 && sizeOf(scaleShape) === 1;

/**
 * Checks the scale and zero point of quantized data `data` (DequantizeLinear's input,
 * QuantizeLinear's output) against its shape, `axis` (default 1, may be negative) and
 * `blockSize` (0: none), and returns where each element's parameter lives; a problem goes to
 * `fail` as one sentence.
 */
export function checkQuantParams(
  data: ShapedType, scale: ShapedType, zeroPoint: ShapedType | undefined,
  axisAttr: number, blockSize: number, names: ParamNames, fail: (problem: string) => never,
): ParamLayout {
  if (zeroPoint && shapeText(zeroPoint.shape) !== shapeText(scale.shape)) {
    fail(`${names.zeroPoint} ${shapeText(zeroPoint.shape)} must have the shape of ${names.scale} ${shapeText(scale.shape)}`);
  }
  if (zeroPoint && zeroPoint.dtype !== data.dtype) fail(`${names.zeroPoint} is ${zeroPoint.dtype}, the quantized data ${data.dtype}: they must have the same type`);
  if (blockSize < 0 || !Number.isInteger(blockSize)) fail(`block_size must be a positive integer, got ${blockSize}`);
  const n = sizeOf(data.shape);
  if (isPerTensor(scale.shape, blockSize)) {
    return { mode: 'tensor', axis: 0, blockSize: 0, outer: 1, dim: 1, inner: n, outerStride: 0, dimStride: 0, innerStride: 0 };
  }
  const rank = data.shape.length;
  if (!Number.isInteger(axisAttr) || axisAttr < -rank || axisAttr >= rank) fail(`axis ${axisAttr} is out of range for rank ${rank}`);
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const outer = sizeOf(data.shape.slice(0, axis)), dim = data.shape[axis], inner = sizeOf(data.shape.slice(axis + 1));
  if (blockSize === 0) {
    if (scale.shape.length !== 1 || scale.shape[0] !== dim) {
      fail(`${names.scale} ${shapeText(scale.shape)} must be a scalar or hold one value per index of axis ${axis} of x ${shapeText(data.shape)} (${dim})`);
    }
    return { mode: 'axis', axis, blockSize: 0, outer, dim, inner, outerStride: 0, dimStride: 1, innerStride: 0 };
  }
  const blocks = Math.ceil(dim / blockSize);
  const expected = data.shape.map((d, k) => (k === axis ? blocks : d));
  if (shapeText(scale.shape) !== shapeText(expected)) {
    fail(`${names.scale} ${shapeText(scale.shape)} must be ${shapeText(expected)} for blocks of ${blockSize} along axis ${axis} of x ${shapeText(data.shape)}`);
  }
  return { mode: 'block', axis, blockSize, outer, dim, inner, outerStride: blocks * inner, dimStride: inner, innerStride: 1 };
}

/**
 * Calls run(start, count, p, step) for each run of elements start … start + count − 1 (row-major),
 * whose parameters are p, p + step, p + 2·step …: one run per (outer, axis) index.
 */
function forEachRun(l: ParamLayout, run: (start: number, count: number, p: number, step: number) => void): void {
  const b = Math.max(l.blockSize, 1);
  let i = 0;
  for (let o = 0; o < l.outer; o++) {
    for (let j = 0; j < l.dim; j++, i += l.inner) run(i, l.inner, o * l.outerStride + Math.floor(j / b) * l.dimStride, l.innerStride);
  }
}

/** The parameter index of every element, in row-major order. */
export function paramIndices(l: ParamLayout): Int32Array {
  const out = new Int32Array(l.outer * l.dim * l.inner);
  forEachRun(l, (start, count, p, step) => {
    for (let t = 0; t < count; t++) out[start + t] = p + t * step;
  });
  return out;
}

/** Arithmetic precision: the scale's float type. */
export type QuantPrecision = 'float32' | 'float64';

/** Q of one value: saturate(roundHalfEven(x / s) + zp) to [lo, hi]; NaN gives lo. */
export function quantizeValue(x: number, scale: number, zeroPoint: number, lo: number, hi: number, precision: QuantPrecision = 'float32'): number {
  const q = precision === 'float32' ? Math.fround(Math.fround(x) / scale) : x / scale;
  const v = roundHalfEvenInt(q) + zeroPoint;
  return v >= lo ? (v <= hi ? v : hi) : lo; // NaN fails both tests: the lowest code, as onnxruntime
}

/** DQ of one value: (q − zp) · s, with q − zp (an integer below 2^33) rounded to float32 first. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number, precision: QuantPrecision = 'float32'): number {
  const d = q - zeroPoint;
  return precision === 'float32' ? Math.fround(Math.fround(d) * scale) : d * scale;
}

type Writable = { [i: number]: number; readonly length: number };

/** Q of a whole tensor into `out` (zero point 0 when `zeroPoint` is omitted). */
export function quantizeInto(
  out: Writable, x: ArrayLike<number>, l: ParamLayout, scale: ArrayLike<number>, zeroPoint: ArrayLike<number> | undefined,
  lo: number, hi: number, precision: QuantPrecision = 'float32',
): void {
  forEachRun(l, (start, count, p0, step) => {
    for (let t = 0, p = p0; t < count; t++, p += step) out[start + t] = quantizeValue(x[start + t], scale[p], zeroPoint ? zeroPoint[p] : 0, lo, hi, precision);
  });
}

/** DQ of a whole tensor into `out` (zero point 0 when `zeroPoint` is omitted). */
export function dequantizeInto(
  out: Writable, q: ArrayLike<number>, l: ParamLayout, scale: ArrayLike<number>, zeroPoint: ArrayLike<number> | undefined,
  precision: QuantPrecision = 'float32',
): void {
  forEachRun(l, (start, count, p0, step) => {
    for (let t = 0, p = p0; t < count; t++, p += step) out[start + t] = dequantizeValue(q[start + t], scale[p], zeroPoint ? zeroPoint[p] : 0, precision);
  });
}
