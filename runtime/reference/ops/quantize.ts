/**
 * QuantizeLinear and DequantizeLinear, as ONNX defines them per opset and as onnxruntime
 * computes them (checked against it in test/unit/quantize-ops.test.ts):
 *
 *   QuantizeLinear:   y = saturate(roundHalfEven(x / y_scale) + y_zero_point)
 *   DequantizeLinear: y = (x − x_zero_point) · x_scale
 *
 * with x / y_scale and the product computed in the scale's float type (float32 unless the
 * scale is float64), NaN quantized to the lowest code and ±∞ saturated, as onnxruntime does.
 *
 * The scale (and zero point, which must have the same shape) sets the granularity:
 *   per tensor  a scalar or one value;
 *   per axis    a 1-D tensor of x.shape[axis] values (opset ≥ 13, `axis` default 1, may be negative);
 *   blocked     (opset ≥ 21, `block_size` B > 0) the rank of x, x.shape but ⌈D_axis / B⌉ on `axis`:
 *               element j along `axis` uses scale index ⌊j / B⌋.
 * The quantized type is the zero point's, else `output_dtype` (opset 21), else uint8; with both,
 * they must agree. Types by version:
 *   opset 10, 13   uint8, int8 (DequantizeLinear also reads int32)
 *   opset 19       + float8 (refused: the runtime holds no float8 values)
 *   opset 21       + int4, uint4, int16, uint16
 *   com.microsoft  uint8, int8, int16, uint16, int4, uint4 (and int32 to dequantize); `axis`, no blocks
 * A model outside these rules is refused with CIM4005 naming the node, as onnxruntime refuses it.
 */
import {
  makeTensor, shapeText, sizeOf, type RtDType, type RtTensor,
} from '../../../base/rt-tensor.js';
import { roundHalfEvenInt } from '../../../base/rounding.js';
import { attrNumber, kernelError, normalizeAxis, requireInput, type DigitalKernel, type KernelContext, type RtAttr } from './types.js';

/** Saturation range of each quantized type. */
export const quantizedRange: Readonly<Partial<Record<RtDType, readonly [number, number]>>> = {
  int4: [-8, 7], uint4: [0, 15], int8: [-128, 127], uint8: [0, 255],
  int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647],
};

/** Which operator schema a node follows: a default-domain opset, or com.microsoft. */
type Schema = { domain: ''; opset: number } | { domain: 'com.microsoft' };

/** The integer types a schema quantizes to (QuantizeLinear) or reads (DequantizeLinear adds int32). */
function integerTypes(schema: Schema): readonly RtDType[] {
  if (schema.domain === 'com.microsoft') return ['uint8', 'int8', 'int16', 'uint16', 'int4', 'uint4'];
  return schema.opset >= 21 ? ['uint8', 'int8', 'int16', 'uint16', 'int4', 'uint4'] : ['uint8', 'int8'];
}

const schemaText = (s: Schema): string => (s.domain === 'com.microsoft' ? 'com.microsoft' : `opset ${s.opset}`);

/** ONNX codes of float8/float4 types (opset 19+/23+): named in the refusal. */
const floatCodes: Readonly<Record<number, string>> = {
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 23: 'float4e2m1',
};
const integerCodes: Readonly<Record<number, RtDType>> = { 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 21: 'uint4', 22: 'int4' };

/**
 * Where the parameter of element i lives: for x viewed as [outer, dim, inner] around `axis`,
 * element (o, j, t) reads parameter o·outerStride + ⌊j / blockSize⌋·dimStride + t·innerStride.
 */
interface ParamLayout {
  outer: number; dim: number; inner: number; blockSize: number;
  outerStride: number; dimStride: number; innerStride: number;
}

/** The granularity of scale (and zero point) for x, checked as onnxruntime checks it. */
function paramLayout(x: RtTensor, scale: RtTensor, zeroPoint: RtTensor | undefined, attrs: Record<string, RtAttr>, schema: Schema, ctx: KernelContext, names: [string, string]): ParamLayout {
  const [scaleName, zpName] = names;
  if (zeroPoint && shapeText(zeroPoint.shape) !== shapeText(scale.shape)) {
    throw kernelError(ctx, `${zpName} ${shapeText(zeroPoint.shape)} must have the shape of ${scaleName} ${shapeText(scale.shape)}`);
  }
  const n = sizeOf(x.shape);
  const blockSize = attrNumber(attrs, 'block_size', 0);
  const blocksAllowed = schema.domain === '' && schema.opset >= 21;
  if (blockSize !== 0 && !blocksAllowed) throw kernelError(ctx, `block_size is not an attribute of ${schemaText(schema)} (blocked quantization needs opset 21)`);
  if (blockSize < 0 || !Number.isInteger(blockSize)) throw kernelError(ctx, `block_size must be a positive integer, got ${blockSize}`);
  const axisAllowed = schema.domain === 'com.microsoft' || schema.opset >= 13;
  if (!axisAllowed && attrs.axis !== undefined) throw kernelError(ctx, `axis is not an attribute of ${schemaText(schema)} (per-axis quantization needs opset 13)`);
  if (blockSize === 0 && sizeOf(scale.shape) === 1 && scale.shape.length <= 1) {
    return { outer: 1, dim: 1, inner: n, blockSize: 1, outerStride: 0, dimStride: 0, innerStride: 0 };
  }
  const rank = x.shape.length;
  const axis = normalizeAxis(attrNumber(attrs, 'axis', 1), rank, ctx);
  const outer = sizeOf(x.shape.slice(0, axis)), dim = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1));
  if (blockSize === 0) {
    if (!axisAllowed) throw kernelError(ctx, `${scaleName} ${shapeText(scale.shape)} must be a scalar at ${schemaText(schema)} (per-axis quantization needs opset 13)`);
    if (scale.shape.length !== 1 || scale.shape[0] !== dim) {
      throw kernelError(ctx, `${scaleName} ${shapeText(scale.shape)} must be a scalar or hold one value per index of axis ${axis} of x ${shapeText(x.shape)} (${dim})`);
    }
    return { outer, dim, inner, blockSize: 1, outerStride: 0, dimStride: 1, innerStride: 0 };
  }
  const blocks = Math.ceil(dim / blockSize);
  const expected = x.shape.map((d, k) => (k === axis ? blocks : d));
  if (shapeText(scale.shape) !== shapeText(expected)) {
    throw kernelError(ctx, `${scaleName} ${shapeText(scale.shape)} must be ${shapeText(expected)} for blocks of ${blockSize} along axis ${axis} of x ${shapeText(x.shape)}`);
  }
  return { outer, dim, inner, blockSize, outerStride: blocks * inner, dimStride: inner, innerStride: 1 };
}

/** Calls visit(i, p) for every element i of x with the index p of its scale/zero point. */
function forEachParam(l: ParamLayout, visit: (i: number, p: number) => void): void {
  let i = 0;
  for (let o = 0; o < l.outer; o++) {
    for (let j = 0; j < l.dim; j++) {
      const base = o * l.outerStride + Math.floor(j / l.blockSize) * l.dimStride;
      for (let t = 0; t < l.inner; t++) visit(i++, base + t * l.innerStride);
    }
  }
}

function requireScale(inputs: readonly (RtTensor | undefined)[], ctx: KernelContext, name: string): RtTensor {
  const scale = requireInput(inputs, 1, ctx, name);
  if (scale.dtype !== 'float32' && scale.dtype !== 'float64') throw kernelError(ctx, `${name} must be float, got ${scale.dtype}`);
  return scale;
}

/** The quantized type: the zero point's, else output_dtype (opset 21), else uint8. */
function quantizedType(zeroPoint: RtTensor | undefined, attrs: Record<string, RtAttr>, schema: Schema, ctx: KernelContext): RtDType {
  const code = attrNumber(attrs, 'output_dtype', 0);
  if (code !== 0 && !(schema.domain === '' && schema.opset >= 21)) throw kernelError(ctx, `output_dtype is not an attribute of ${schemaText(schema)} (it needs opset 21)`);
  if (floatCodes[code]) throw kernelError(ctx, `quantizing to ${floatCodes[code]} is not supported by the runtime (integer types only)`);
  const fromCode = code === 0 ? undefined : integerCodes[code];
  if (code !== 0 && !fromCode) throw kernelError(ctx, `output_dtype ${code} is not a quantized type`);
  if (zeroPoint && fromCode && zeroPoint.dtype !== fromCode) throw kernelError(ctx, `output_dtype ${fromCode} differs from the zero point's type ${zeroPoint.dtype}`);
  const dtype = zeroPoint?.dtype ?? fromCode ?? 'uint8';
  if (!integerTypes(schema).includes(dtype)) {
    throw kernelError(ctx, `cannot quantize to ${dtype} at ${schemaText(schema)} (types: ${integerTypes(schema).join(', ')})`);
  }
  return dtype;
}

function quantizeLinear(schema: (ctx: KernelContext) => Schema): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const s = schema(ctx);
    const x = requireInput(inputs, 0, ctx, 'x'), scale = requireScale(inputs, ctx, 'y_scale'), zeroPoint = inputs[2];
    if (x.dtype !== 'float32' && x.dtype !== 'float64' && x.dtype !== 'int32') throw kernelError(ctx, `x must be float or int32, got ${x.dtype}`);
    const dtype = quantizedType(zeroPoint, attrs, s, ctx);
    const layout = paramLayout(x, scale, zeroPoint, attrs, s, ctx, ['y_scale', 'y_zero_point']);
    const [lo, hi] = quantizedRange[dtype]!;
    const single = scale.dtype === 'float32';
    const xs = x.data as Float32Array | Float64Array | Int32Array, ss = scale.data as Float32Array | Float64Array;
    const zs = zeroPoint?.data as ArrayLike<number> | undefined;
    const y = makeTensor(dtype, x.shape);
    const out = y.data as Int8Array | Uint8Array | Int16Array | Uint16Array;
    forEachParam(layout, (i, p) => {
      // float32 division as onnxruntime does it (x is widened to the scale's type first).
      const q = single ? Math.fround(Math.fround(xs[i]) / ss[p]) : xs[i] / ss[p];
      const v = roundHalfEvenInt(q) + (zs ? zs[p] : 0);
      out[i] = v >= lo ? (v <= hi ? v : hi) : lo; // NaN fails both tests: the lowest code, as onnxruntime
    });
    return [y];
  };
}

function dequantizeLinear(schema: (ctx: KernelContext) => Schema): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const s = schema(ctx);
    const x = requireInput(inputs, 0, ctx, 'x'), scale = requireScale(inputs, ctx, 'x_scale'), zeroPoint = inputs[2];
    const types = [...integerTypes(s), 'int32'];
    if (!types.includes(x.dtype)) throw kernelError(ctx, `cannot dequantize ${x.dtype} at ${schemaText(s)} (types: ${types.join(', ')})`);
    if (zeroPoint && zeroPoint.dtype !== x.dtype) throw kernelError(ctx, `x_zero_point is ${zeroPoint.dtype}, x is ${x.dtype}: they must have the same type`);
    const layout = paramLayout(x, scale, zeroPoint, attrs, s, ctx, ['x_scale', 'x_zero_point']);
    const single = scale.dtype === 'float32';
    const xs = x.data as ArrayLike<number>, ss = scale.data as Float32Array | Float64Array;
    const zs = zeroPoint?.data as ArrayLike<number> | undefined;
    const y = makeTensor(scale.dtype, x.shape);
    const out = y.data as Float32Array | Float64Array;
    forEachParam(layout, (i, p) => {
      // (x − zp) is an integer below 2^33; as float32 (rounded, only for int32 beyond 2^24) times the scale.
      const d = xs[i] - (zs ? zs[p] : 0);
      out[i] = single ? Math.fround(d) * ss[p] : d * ss[p];
    });
    return [y];
  };
}

const defaultDomain = (ctx: KernelContext): Schema => ({ domain: '', opset: ctx.opset });
const microsoft = (): Schema => ({ domain: 'com.microsoft' });

/** Default-domain kernels (the schema follows the model's opset). */
export const quantizeKernels: Record<string, DigitalKernel> = {
  QuantizeLinear: quantizeLinear(defaultDomain),
  DequantizeLinear: dequantizeLinear(defaultDomain),
};

/** The com.microsoft contrib versions (onnxruntime's quantization tools write them for 16- and 4-bit types). */
export const microsoftQuantizeKernels: Record<string, DigitalKernel> = {
  QuantizeLinear: quantizeLinear(microsoft),
  DequantizeLinear: dequantizeLinear(microsoft),
};
