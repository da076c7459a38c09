/**
 * QuantizeLinear / DequantizeLinear for constant folding and for compiler/qdq, which maps Q/DQ
 * weights onto crossbars (opsets 10, 13, 19, 21; the com.microsoft forms take the same inputs
 * and attributes). The arithmetic, the granularity (per tensor, per axis, blocked) and the shape
 * checks are base/quantize-linear.ts, shared with the reference runtime; this file reads the
 * node's constants, adds the compiler's own checks (a positive finite scale, an int32 zero point
 * of 0) and reports every problem as a CIM1008 error naming the node.
 */
import { CimcError } from '../../base/diagnostics.js';
import {
  checkQuantParams, dequantizeInto, isQuantizedDType, paramIndices as layoutIndices, quantizedDTypeByCode, quantizedRange, quantizeInto,
  type ParamLayout,
} from '../../base/quantize-linear.js';
import { allocStorage, isFloatDType, sizeOf, tensorToNumbers, type DType, type Tensor } from '../../base/tensor.js';
import { attrInt, type Node } from '../ir/ir.js';
import type { ConstEvaluator } from './types.js';
import { checkFoldSize, ConstEvalSkip, input, optionalInput } from './types.js';

/** One Q or DQ node's parameters, checked against its data's shape. */
export interface QuantParams {
  readonly dtype: DType;
  /** The dtype's range: Q saturates to it. */
  readonly qmin: number;
  readonly qmax: number;
  readonly mode: ParamLayout['mode'];
  /** Normalized axis (per axis and blocked). */
  readonly axis: number;
  readonly blockSize: number;
  /** float32 scales, one per parameter index. */
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  /** Shape of the data the parameters apply to. */
  readonly dataShape: readonly number[];
  /** Where each element's parameter lives. */
  readonly layout: ParamLayout;
}

function bad(node: Node, message: string): CimcError {
  return new CimcError('CIM1008', message, { node: node.name, opType: node.opType });
}

/**
 * Reads and checks the scale, zero point, axis and block size of `node` for data of `dataShape`.
 * `dataDType` is the quantized type: DequantizeLinear's input dtype, QuantizeLinear's output dtype.
 */
export function readQuantParams(node: Node, dataShape: readonly number[], dataDType: DType, scale: Tensor, zeroPoint: Tensor | undefined): QuantParams {
  if (!isQuantizedDType(dataDType)) throw bad(node, `quantized type ${dataDType} is not one of int4, uint4, int8, uint8, int16, uint16 (int32 for DequantizeLinear)`);
  const [qmin, qmax] = quantizedRange[dataDType];
  if (!isFloatDType(scale.dtype)) throw bad(node, `scale has type ${scale.dtype}, expected a float type`);
  const scales = Float32Array.from(tensorToNumbers(scale));
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s > 0) || !Number.isFinite(s)) throw bad(node, `scale ${i} is ${s}; a scale must be positive and finite`);
  }
  const names = node.opType === 'QuantizeLinear' ? { scale: 'y_scale', zeroPoint: 'y_zero_point' } : { scale: 'x_scale', zeroPoint: 'x_zero_point' };
  const fail = (problem: string): never => { throw bad(node, problem); };
  const blockSize = attrInt(node, 'block_size', 0);
  const layout = checkQuantParams({ dtype: dataDType, shape: dataShape }, scale, zeroPoint, attrInt(node, 'axis', 1), blockSize, names, fail);
  const zp = new Int32Array(scales.length);
  if (zeroPoint) {
    const values = tensorToNumbers(zeroPoint);
    for (let i = 0; i < zp.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < qmin || v > qmax) throw bad(node, `zero point ${i} is ${v}, outside the ${dataDType} range [${qmin}, ${qmax}]`);
      if (dataDType === 'int32' && v !== 0) throw bad(node, `zero point ${i} is ${v}; int32 data takes zero point 0`);
      zp[i] = v;
    }
  }
  return { dtype: dataDType, qmin, qmax, mode: layout.mode, axis: layout.axis, blockSize: layout.blockSize, scale: scales, zeroPoint: zp, dataShape, layout };
}

/** The parameter index of every element of the data, in row-major order. */
export const paramIndices = (p: QuantParams): Int32Array => layoutIndices(p.layout);

/** Q: saturate(roundHalfEven(fround(x / s)) + zp) to [lo, hi] (the dtype's range unless narrowed); NaN gives lo. */
export function quantizeValues(x: ArrayLike<number>, p: QuantParams, lo = p.qmin, hi = p.qmax): Int32Array {
  const out = new Int32Array(x.length);
  quantizeInto(out, x, p.layout, p.scale, p.zeroPoint, lo, hi);
  return out;
}

/** DQ: fround(fround(q − zp) · s). */
export function dequantizeValues(q: ArrayLike<number>, p: QuantParams): Float32Array {
  const out = new Float32Array(q.length);
  dequantizeInto(out, q, p.layout, p.scale, p.zeroPoint);
  return out;
}

/** QuantizeLinear's output dtype: the zero point's, else `output_dtype` (opset 21), else uint8. */
export function quantizeOutputDType(node: Node, zeroPoint: Tensor | undefined): DType {
  if (zeroPoint) return zeroPoint.dtype;
  const code = attrInt(node, 'output_dtype', 0);
  if (!code) return 'uint8';
  const d = quantizedDTypeByCode[code];
  if (!d) throw bad(node, `output_dtype ${code} is not a supported type`);
  return d;
}

const quantizeLinear: ConstEvaluator = (args) => {
  const x = input(args, 0, 'x');
  const scale = input(args, 1, 'y_scale');
  const zp = optionalInput(args, 2);
  checkFoldSize(x.shape, args);
  const dtype = quantizeOutputDType(args.node, zp);
  const p = readQuantParams(args.node, x.shape, dtype, scale, zp);
  if (dtype === 'int32') throw bad(args.node, 'QuantizeLinear does not produce int32');
  const data = allocStorage(dtype, sizeOf(x.shape)) as Int8Array | Uint8Array | Int16Array | Uint16Array;
  quantizeInto(data, tensorToNumbers(x), p.layout, p.scale, p.zeroPoint, p.qmin, p.qmax);
  return [{ dtype, shape: [...x.shape], data }];
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
