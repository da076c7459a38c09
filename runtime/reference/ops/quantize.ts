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
 * The arithmetic and the granularity checks are base/quantize-linear.ts, shared with constant
 * folding; this file adds what depends on the schema (opset, com.microsoft).
 */
import {
  checkQuantParams, dequantizeInto, isPerTensor, isQuantizedDType, quantizedDTypeByCode, quantizedRange, quantizeInto, type ParamLayout, type QuantizedDType,
} from '../../../base/quantize-linear.js';
import { makeTensor, shapeText, type RtDType, type RtTensor } from '../../../base/rt-tensor.js';
import { attrNumber, kernelError, requireInput, type DigitalKernel, type KernelContext, type RtAttr } from './types.js';

/** Which operator schema a node follows: a default-domain opset, or com.microsoft. */
type Schema = { domain: ''; opset: number } | { domain: 'com.microsoft' };

/** The integer types a schema quantizes to (QuantizeLinear) or reads (DequantizeLinear adds int32). */
function integerTypes(schema: Schema): readonly QuantizedDType[] {
  if (schema.domain === 'com.microsoft') return ['uint8', 'int8', 'int16', 'uint16', 'int4', 'uint4'];
  return schema.opset >= 21 ? ['uint8', 'int8', 'int16', 'uint16', 'int4', 'uint4'] : ['uint8', 'int8'];
}

const schemaText = (s: Schema): string => (s.domain === 'com.microsoft' ? 'com.microsoft' : `opset ${s.opset}`);

/** ONNX codes of float8/float4 types (opset 19+/23+): named in the refusal. */
const floatCodes: Readonly<Record<number, string>> = {
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 23: 'float4e2m1',
};

/** The granularity of scale (and zero point) for quantized data `q` (DQ's x, Q's y), checked as onnxruntime checks it. */
function paramLayout(q: { dtype: RtDType; shape: readonly number[] }, scale: RtTensor, zeroPoint: RtTensor | undefined, attrs: Record<string, RtAttr>, schema: Schema, ctx: KernelContext, names: [string, string]): ParamLayout {
  const blockSize = attrNumber(attrs, 'block_size', 0);
  const blocksAllowed = schema.domain === '' && schema.opset >= 21;
  if (blockSize !== 0 && !blocksAllowed) throw kernelError(ctx, `block_size is not an attribute of ${schemaText(schema)} (blocked quantization needs opset 21)`);
  const axisAllowed = schema.domain === 'com.microsoft' || schema.opset >= 13;
  if (!axisAllowed && attrs.axis !== undefined) throw kernelError(ctx, `axis is not an attribute of ${schemaText(schema)} (per-axis quantization needs opset 13)`);
  if (!axisAllowed && !isPerTensor(scale.shape, blockSize)) {
    throw kernelError(ctx, `${names[0]} ${shapeText(scale.shape)} must be a scalar at ${schemaText(schema)} (per-axis quantization needs opset 13)`);
  }
  const fail = (problem: string): never => { throw kernelError(ctx, problem); };
  return checkQuantParams(q, scale, zeroPoint, attrNumber(attrs, 'axis', 1), blockSize, { scale: names[0], zeroPoint: names[1] }, fail);
}

function requireScale(inputs: readonly (RtTensor | undefined)[], ctx: KernelContext, name: string): RtTensor {
  const scale = requireInput(inputs, 1, ctx, name);
  if (scale.dtype !== 'float32' && scale.dtype !== 'float64') throw kernelError(ctx, `${name} must be float, got ${scale.dtype}`);
  return scale;
}

/** The quantized type: the zero point's, else output_dtype (opset 21), else uint8. */
function quantizedType(zeroPoint: RtTensor | undefined, attrs: Record<string, RtAttr>, schema: Schema, ctx: KernelContext): QuantizedDType {
  const code = attrNumber(attrs, 'output_dtype', 0);
  if (code !== 0 && !(schema.domain === '' && schema.opset >= 21)) throw kernelError(ctx, `output_dtype is not an attribute of ${schemaText(schema)} (it needs opset 21)`);
  if (floatCodes[code]) throw kernelError(ctx, `quantizing to ${floatCodes[code]} is not supported by the runtime (integer types only)`);
  const fromCode = code === 0 ? undefined : quantizedDTypeByCode[code];
  if (code !== 0 && !fromCode) throw kernelError(ctx, `output_dtype ${code} is not a quantized type`);
  if (zeroPoint && fromCode && zeroPoint.dtype !== fromCode) throw kernelError(ctx, `output_dtype ${fromCode} differs from the zero point's type ${zeroPoint.dtype}`);
  const dtype = zeroPoint?.dtype ?? fromCode ?? 'uint8';
  if (!isQuantizedDType(dtype) || !integerTypes(schema).includes(dtype)) {
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
    const layout = paramLayout({ dtype, shape: x.shape }, scale, zeroPoint, attrs, s, ctx, ['y_scale', 'y_zero_point']);
    const [lo, hi] = quantizedRange[dtype];
    const y = makeTensor(dtype, x.shape);
    // x / y_scale in the scale's type (x widened to it first), as onnxruntime does.
    quantizeInto(y.data as Int8Array | Uint8Array | Int16Array | Uint16Array, x.data as ArrayLike<number>, layout, scale.data as ArrayLike<number>,
      zeroPoint?.data as ArrayLike<number> | undefined, lo, hi, scale.dtype === 'float32' ? 'float32' : 'float64');
    return [y];
  };
}

function dequantizeLinear(schema: (ctx: KernelContext) => Schema): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const s = schema(ctx);
    const x = requireInput(inputs, 0, ctx, 'x'), scale = requireScale(inputs, ctx, 'x_scale'), zeroPoint = inputs[2];
    const types = [...integerTypes(s), 'int32'];
    if (!types.includes(x.dtype)) throw kernelError(ctx, `cannot dequantize ${x.dtype} at ${schemaText(s)} (types: ${types.join(', ')})`);
    const layout = paramLayout(x, scale, zeroPoint, attrs, s, ctx, ['x_scale', 'x_zero_point']);
    const y = makeTensor(scale.dtype, x.shape);
    dequantizeInto(y.data as Float32Array | Float64Array, x.data as ArrayLike<number>, layout, scale.data as ArrayLike<number>,
      zeroPoint?.data as ArrayLike<number> | undefined, scale.dtype === 'float32' ? 'float32' : 'float64');
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
