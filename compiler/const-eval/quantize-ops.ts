/**
 * QuantizeLinear / DequantizeLinear as ONNX defines them (opsets 10, 13, 19, 21; the
 * com.microsoft forms take the same inputs and attributes), shared by constant folding and
 * by compiler/qdq, which maps Q/DQ weights onto crossbars:
 *
 *   Q:  y = saturate(roundHalfEven(x / s) + zp)      x / s in float32, saturate to the dtype (or Clip) range
 *   DQ: x = (q − zp) · s                             in float32
 *
 * with s, zp one value (per tensor: a scalar or a one-element vector), one per index of `axis`
 * (per axis: a vector of length x.shape[axis]), or one per block of `block_size` along `axis`
 * (blocked, opset 21: the scale has x's rank and ⌈x.shape[axis] / block_size⌉ along axis).
 * Bad parameters are a CIM1008 error naming the node.
 */
import { CimcError } from '../../base/diagnostics.js';
import { roundHalfEvenInt } from '../../base/rounding.js';
import { allocStorage, integerRange, isFloatDType, sizeOf, tensorToNumbers, type DType, type Tensor } from '../../base/tensor.js';
import { attrInt, type Node } from '../ir/ir.js';
import type { ConstEvaluator } from './types.js';
import { checkFoldSize, ConstEvalSkip, input, optionalInput } from './types.js';

/** The integer types Q/DQ carry (int32 only as DequantizeLinear's input, with zero point 0). */
const quantDTypes: ReadonlySet<DType> = new Set<DType>(['int4', 'uint4', 'int8', 'uint8', 'int16', 'uint16', 'int32']);

/** One Q or DQ node's parameters, checked against its data's shape. */
export interface QuantParams {
  readonly dtype: DType;
  /** The dtype's range: Q saturates to it. */
  readonly qmin: number;
  readonly qmax: number;
  readonly mode: 'tensor' | 'axis' | 'block';
  /** Normalized axis (per axis and blocked). */
  readonly axis: number;
  readonly blockSize: number;
  /** float32 scales, one per parameter index. */
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  /** Shape of the data the parameters apply to. */
  readonly dataShape: readonly number[];
}

function bad(node: Node, message: string): CimcError {
  return new CimcError('CIM1008', message, { node: node.name, opType: node.opType });
}

/**
 * Reads and checks the scale, zero point, axis and block size of `node` for data of `dataShape`.
 * `dataDType` is the quantized type: DequantizeLinear's input dtype, QuantizeLinear's output dtype.
 */
export function readQuantParams(node: Node, dataShape: readonly number[], dataDType: DType, scale: Tensor, zeroPoint: Tensor | undefined): QuantParams {
  const range = integerRange(dataDType);
  if (!quantDTypes.has(dataDType) || !range) throw bad(node, `quantized type ${dataDType} is not one of int4, uint4, int8, uint8, int16, uint16 (int32 for DequantizeLinear)`);
  if (!isFloatDType(scale.dtype)) throw bad(node, `scale has type ${scale.dtype}, expected a float type`);
  const scales = Float32Array.from(tensorToNumbers(scale));
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s > 0) || !Number.isFinite(s)) throw bad(node, `scale ${i} is ${s}; a scale must be positive and finite`);
  }
  const rank = dataShape.length;
  const blockSize = attrInt(node, 'block_size', 0);
  const rawAxis = attrInt(node, 'axis', 1);
  const perTensor = scale.shape.length === 0 || (scale.shape.length === 1 && scales.length === 1 && blockSize === 0);
  let mode: QuantParams['mode'] = 'tensor';
  let axis = 0;
  if (blockSize < 0) throw bad(node, `block_size ${blockSize} is negative`);
  if (!perTensor || blockSize > 0) {
    if (!Number.isInteger(rawAxis) || rawAxis < -rank || rawAxis >= rank) throw bad(node, `axis ${rawAxis} is out of range for data of rank ${rank}`);
    axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
    const d = dataShape[axis];
    if (blockSize === 0) {
      mode = 'axis';
      if (scale.shape.length !== 1 || scale.shape[0] !== d) {
        throw bad(node, `scale of shape [${scale.shape.join(',')}] does not match axis ${rawAxis} of data [${dataShape.join(',')}] (per-axis scales are a vector of ${d})`);
      }
    } else {
      mode = 'block';
      const blocks = Math.ceil(d / blockSize);
      const expected = dataShape.map((n, i) => (i === axis ? blocks : n));
      if (scale.shape.length !== rank || scale.shape.some((n, i) => n !== expected[i])) {
        throw bad(node, `block_size ${blockSize} along axis ${rawAxis} of data [${dataShape.join(',')}] needs a scale of shape [${expected.join(',')}], got [${scale.shape.join(',')}]`);
      }
    }
  }
  const zp = new Int32Array(scales.length);
  if (zeroPoint) {
    if (zeroPoint.dtype !== dataDType) throw bad(node, `zero point has type ${zeroPoint.dtype}, the quantized data ${dataDType}`);
    if (zeroPoint.shape.length !== scale.shape.length || zeroPoint.shape.some((n, i) => n !== scale.shape[i])) {
      throw bad(node, `zero point of shape [${zeroPoint.shape.join(',')}] differs from the scale's [${scale.shape.join(',')}]`);
    }
    const values = tensorToNumbers(zeroPoint);
    for (let i = 0; i < zp.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < range.min || v > range.max) throw bad(node, `zero point ${i} is ${v}, outside the ${dataDType} range [${range.min}, ${range.max}]`);
      if (dataDType === 'int32' && v !== 0) throw bad(node, `zero point ${i} is ${v}; int32 data takes zero point 0`);
      zp[i] = v;
    }
  }
  return { dtype: dataDType, qmin: range.min, qmax: range.max, mode, axis, blockSize, scale: scales, zeroPoint: zp, dataShape };
}

/** The parameter index of every element of the data, in row-major order. */
export function paramIndices(p: QuantParams): Int32Array {
  const n = sizeOf(p.dataShape);
  const out = new Int32Array(n);
  if (p.mode === 'tensor') return out;
  const d = p.dataShape[p.axis];
  const inner = sizeOf(p.dataShape.slice(p.axis + 1));
  if (p.mode === 'axis') {
    for (let i = 0; i < n; i++) out[i] = Math.floor(i / inner) % d;
    return out;
  }
  const blocks = Math.ceil(d / p.blockSize);
  for (let i = 0; i < n; i++) {
    const outer = Math.floor(i / (d * inner));
    const a = Math.floor(i / inner) % d;
    out[i] = (outer * blocks + Math.floor(a / p.blockSize)) * inner + (i % inner);
  }
  return out;
}

/** Q: saturate(roundHalfEven(fround(x / s)) + zp) to [lo, hi] (the dtype's range unless narrowed). */
export function quantizeValues(x: ArrayLike<number>, p: QuantParams, lo = p.qmin, hi = p.qmax): Int32Array {
  const idx = paramIndices(p);
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = idx[i];
    const v = x[i];
    // NaN saturates to the zero point's neighbourhood in no defined way; ORT gives the zero point.
    const q = Number.isNaN(v) ? p.zeroPoint[k] : roundHalfEvenInt(Math.fround(v / p.scale[k])) + p.zeroPoint[k];
    out[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return out;
}

/** DQ: fround((q − zp) · s). */
export function dequantizeValues(q: ArrayLike<number>, p: QuantParams): Float32Array {
  const idx = paramIndices(p);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] - p.zeroPoint[idx[i]]) * p.scale[idx[i]];
  return out;
}

/** QuantizeLinear's output dtype: the zero point's, else `output_dtype` (opset 21), else uint8. */
export function quantizeOutputDType(node: Node, zeroPoint: Tensor | undefined, dtypeOfCode: (code: number) => DType | undefined): DType {
  if (zeroPoint) return zeroPoint.dtype;
  const code = attrInt(node, 'output_dtype', 0);
  if (!code) return 'uint8';
  const d = dtypeOfCode(code);
  if (!d) throw bad(node, `output_dtype ${code} is not a supported type`);
  return d;
}

function withData(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  const data = allocStorage(dtype, values.length) as Int32Array;
  for (let i = 0; i < values.length; i++) data[i] = values[i];
  return { dtype, shape: [...shape], data };
}

const quantizeLinear: ConstEvaluator = (args) => {
  const x = input(args, 0, 'x');
  const scale = input(args, 1, 'y_scale');
  const zp = optionalInput(args, 2);
  checkFoldSize(x.shape, args);
  const dtype = quantizeOutputDType(args.node, zp, (code) => ({ 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 21: 'uint4', 22: 'int4' } as Record<number, DType>)[code]);
  const p = readQuantParams(args.node, x.shape, dtype, scale, zp);
  if (dtype === 'int32') throw bad(args.node, 'QuantizeLinear does not produce int32');
  return [withData(dtype, x.shape, quantizeValues(tensorToNumbers(x), p))];
};

const dequantizeLinear: ConstEvaluator = (args) => {
  const x = input(args, 0, 'x');
  const scale = input(args, 1, 'x_scale');
  const zp = optionalInput(args, 2);
  checkFoldSize(x.shape, args);
  const p = readQuantParams(args.node, x.shape, x.dtype, scale, zp);
  // float16/bfloat16 scales: ORT computes in that type, which this float32 arithmetic does not reproduce.
  if (scale.dtype !== 'float32') throw new ConstEvalSkip(`DequantizeLinear with a ${scale.dtype} scale is left to run`);
  return [{ dtype: 'float32', shape: [...x.shape], data: dequantizeValues(tensorToNumbers(x), p) }];
};

export const quantizeEvaluators: Readonly<Record<string, ConstEvaluator>> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
};
