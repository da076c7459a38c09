/** Evaluators that compute or change shapes: Shape, Size, Reshape, (Un)Squeeze, Flatten, ConstantOfShape, Range, Constant. */
import { attrInt, attrInts, attrTensor, type Node } from '../ir/ir.js';
import { allocStorage, isFloatDType, sizeOf, type Tensor } from '../../base/tensor.js';
import { withShape } from './layout.js';
import { roundScalar } from '../../base/float-round.js';
import {
  checkFoldSize, ConstEvalError, input, intValues, intVector, normalizeAxes, optionalInput, scalarValue,
  type ConstEvalArgs, type ConstEvaluator,
} from './types.js';

const int64Vector = (values: readonly number[]): Tensor =>
  ({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });

/**
 * Shape's output for a value of a known shape, honouring start/end (opset 15): negative
 * bounds count from the end, both are clamped to [0, rank].
 */
export function shapeVector(node: Node, shape: readonly number[]): Tensor {
  const rank = shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrInt(node, 'start', 0));
  const end = clamp(attrInt(node, 'end', rank));
  return int64Vector(shape.slice(start, Math.max(start, end)));
}

export function sizeScalar(shape: readonly number[]): Tensor {
  return { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(sizeOf(shape))]) };
}

const shape: ConstEvaluator = (args) => [shapeVector(args.node, input(args, 0).shape)];

const size: ConstEvaluator = (args) => [sizeScalar(input(args, 0).shape)];

/** Reshape: 0 copies the input dimension (unless allowzero=1), one -1 is inferred. */
const reshape: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const requested = intVector(input(args, 1, 'shape'), 'shape');
  const allowZero = attrInt(args.node, 'allowzero', 0) === 1;
  const dims = requested.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= data.shape.length) throw new ConstEvalError(`shape entry ${i} is 0 but the input has rank ${data.shape.length}`);
      return data.shape[i];
    }
    if (d < -1) throw new ConstEvalError(`shape entry ${i} is ${d}`);
    return d;
  });
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1) throw new ConstEvalError(`shape [${requested.join(',')}] has more than one -1`);
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const total = data.data.length;
  if (inferred) {
    if (known === 0 || total % known !== 0) throw new ConstEvalError(`cannot reshape [${data.shape.join(',')}] to [${requested.join(',')}]`);
    dims[dims.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw new ConstEvalError(`cannot reshape [${data.shape.join(',')}] (${total} elements) to [${dims.join(',')}]`);
  }
  return [withShape(data, dims)];
};

/** Axes from the input (opset ≥ 13) or the attribute (older opsets). */
function axesOf(args: ConstEvalArgs, inputIndex: number): number[] | undefined {
  const fromInput = optionalInput(args, inputIndex);
  if (fromInput) return intValues(fromInput, 'axes');
  const fromAttr = attrInts(args.node, 'axes');
  return fromAttr ? [...fromAttr] : undefined;
}

const unsqueeze: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const axes = axesOf(args, 1);
  if (!axes) throw new ConstEvalError('Unsqueeze has no axes');
  const rank = data.shape.length + axes.length;
  const at = new Set(normalizeAxes(axes, rank));
  const dims: number[] = [];
  let next = 0;
  for (let d = 0; d < rank; d++) dims.push(at.has(d) ? 1 : data.shape[next++]);
  return [withShape(data, dims)];
};

const squeeze: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const axes = axesOf(args, 1);
  let drop: Set<number>;
  if (axes && axes.length) {
    drop = new Set(normalizeAxes(axes, data.shape.length));
    for (const a of drop) if (data.shape[a] !== 1) throw new ConstEvalError(`cannot squeeze axis ${a} of size ${data.shape[a]}`);
  } else {
    drop = new Set(data.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  }
  return [withShape(data, data.shape.filter((_, i) => !drop.has(i)))];
};

const flatten: ConstEvaluator = (args) => {
  const data = input(args, 0);
  const rank = data.shape.length;
  const axisAttr = attrInt(args.node, 'axis', 1);
  if (axisAttr < -rank || axisAttr > rank) throw new ConstEvalError(`axis ${axisAttr} is out of range for rank ${rank}`);
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  return [withShape(data, [sizeOf(data.shape.slice(0, axis)), sizeOf(data.shape.slice(axis))])];
};

const constantOfShape: ConstEvaluator = (args) => {
  const dims = intVector(input(args, 0, 'shape'), 'shape');
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ConstEvalError(`shape [${dims.join(',')}] has a negative dimension`);
  checkFoldSize(dims, args);
  const value: Tensor = attrTensor(args.node, 'value') ?? { dtype: 'float32', shape: [1], data: new Float32Array(1) };
  if (value.data.length !== 1) throw new ConstEvalError(`value must have one element, got ${value.data.length}`);
  const data = allocStorage(value.dtype, sizeOf(dims));
  (data as { fill(v: unknown): unknown }).fill(value.data[0]);
  return [{ dtype: value.dtype, shape: dims, data }];
};

/**
 * Range: n = max(ceil((limit - start) / delta), 0); values accumulate `start += delta` in
 * the element type, as onnxruntime and the ONNX function body do.
 */
const range: ConstEvaluator = (args) => {
  const [start, limit, delta] = [input(args, 0, 'start'), input(args, 1, 'limit'), input(args, 2, 'delta')];
  const dtype = start.dtype;
  if (limit.dtype !== dtype || delta.dtype !== dtype) throw new ConstEvalError(`start, limit and delta have different types`);
  const s = scalarValue(start, 'start');
  const l = scalarValue(limit, 'limit');
  const d = scalarValue(delta, 'delta');
  if (typeof s === 'bigint' && typeof l === 'bigint' && typeof d === 'bigint') {
    if (d === 0n) throw new ConstEvalError('delta is 0');
    const span = l - s;
    let n = span / d;
    if (span % d !== 0n && (span > 0n) === (d > 0n)) n += 1n;
    if (n < 0n) n = 0n;
    if (n > BigInt(args.maxElements)) checkFoldSize([Number(n)], args);
    const out = allocStorage(dtype, Number(n)) as BigInt64Array | BigUint64Array;
    for (let i = 0; i < out.length; i++) out[i] = s + BigInt(i) * d;
    return [{ dtype, shape: [out.length], data: out }];
  }
  if (!isFloatDType(dtype) && dtype !== 'int32' && dtype !== 'int16') throw new ConstEvalError(`Range does not take ${dtype}`);
  const [sn, ln, dn] = [Number(s), Number(l), Number(d)];
  if (dn === 0) throw new ConstEvalError('delta is 0');
  const count = Math.max(Math.ceil(roundScalar(dtype, ln - sn) / dn), 0);
  if (!Number.isFinite(count)) throw new ConstEvalError(`Range from ${sn} to ${ln} by ${dn} is not finite`);
  checkFoldSize([count], args);
  const out = allocStorage(dtype, count) as Float32Array;
  let value = sn;
  for (let i = 0; i < count; i++) {
    out[i] = value;
    value = roundScalar(dtype, value + dn);
  }
  return [{ dtype, shape: [count], data: out }];
};

/** Constant nodes made by later rewrites (the importer turns the file's ones into constants). */
const constant: ConstEvaluator = (args) => {
  const a = args.node.attrs;
  const only = Object.entries(a)[0];
  if (!only) throw new ConstEvalError('Constant has no value attribute');
  const [key, attr] = only;
  switch (attr.kind) {
    case 'tensor': return [attr.value];
    case 'float': return [{ dtype: 'float32', shape: [], data: new Float32Array([attr.value]) }];
    case 'floats': return [{ dtype: 'float32', shape: [attr.value.length], data: new Float32Array(attr.value) }];
    case 'int': return [{ dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(attr.value)]) }];
    case 'ints': return [int64Vector(attr.value)];
    case 'string': return [{ dtype: 'string', shape: [], data: [attr.value] }];
    case 'strings': return [{ dtype: 'string', shape: [attr.value.length], data: [...attr.value] }];
    default: throw new ConstEvalError(`Constant attribute '${key}' of kind ${attr.kind} is not supported`);
  }
};

export const shapeEvaluators: Readonly<Record<string, ConstEvaluator>> = {
  Shape: shape, Size: size, Reshape: reshape, Unsqueeze: unsqueeze, Squeeze: squeeze, Flatten: flatten,
  ConstantOfShape: constantOfShape, Range: range, Constant: constant,
};

