/**
 * Shared vocabulary of the constant evaluators: what an evaluator receives, how it says
 * "malformed" (ConstEvalError → CIM2004) versus "well-formed but not folded here"
 * (ConstEvalSkip → the node stays), and small readers for int inputs and attributes.
 */
import type { Node } from '../ir/ir.js';
import { sizeOf, type DType, type Tensor } from '../../base/tensor.js';

export interface ConstEvalArgs {
  readonly node: Node;
  /** One entry per node input; undefined where an optional input is omitted (''). */
  readonly inputs: readonly (Tensor | undefined)[];
  /** Default-domain opset of the graph (selects attribute vs input forms). */
  readonly opset: number;
  /** Largest result (elements) an evaluator may materialise; beyond it, it skips. */
  readonly maxElements: number;
}

/** Computes a node's outputs from constant inputs, one tensor per node output. */
export type ConstEvaluator = (args: ConstEvalArgs) => Tensor[];

/** The constants do not fit the operator (wrong dtype, rank, index out of range, …). */
export class ConstEvalError extends Error {
  override readonly name = 'ConstEvalError';
}

/** Folding is possible in principle but not done here (too large, inexact, unsupported dtype). */
export class ConstEvalSkip extends Error {
  override readonly name = 'ConstEvalSkip';
}

export const defaultMaxFoldElements = 10_000_000;

/** A required input. */
export function input(args: ConstEvalArgs, index: number, what = `input ${index}`): Tensor {
  const t = args.inputs[index];
  if (!t) throw new ConstEvalError(`${what} is missing`);
  return t;
}

export function optionalInput(args: ConstEvalArgs, index: number): Tensor | undefined {
  return args.inputs[index];
}

/** Throws ConstEvalSkip when a result of this shape would be too large to fold. */
export function checkFoldSize(shape: readonly number[], args: ConstEvalArgs): void {
  const n = sizeOf(shape);
  if (n > args.maxElements) {
    throw new ConstEvalSkip(`result [${shape.join(',')}] has ${n} elements, more than the folding limit ${args.maxElements}`);
  }
}

export const isIntegerDType = (d: DType): boolean =>
  d === 'int8' || d === 'uint8' || d === 'int16' || d === 'uint16' || d === 'int32' || d === 'uint32' || d === 'int64' || d === 'uint64';

/** Width and signedness of the integer dtypes. */
export const integerFormat: Readonly<Partial<Record<DType, { bits: number; signed: boolean }>>> = {
  int8: { bits: 8, signed: true }, uint8: { bits: 8, signed: false }, int16: { bits: 16, signed: true },
  uint16: { bits: 16, signed: false }, int32: { bits: 32, signed: true }, uint32: { bits: 32, signed: false },
  int64: { bits: 64, signed: true }, uint64: { bits: 64, signed: false },
};

/** v wrapped to an integer dtype, two's-complement style. */
export function wrapInteger(v: bigint, dtype: DType): bigint {
  const f = integerFormat[dtype];
  if (!f) throw new Error(`wrapInteger: ${dtype} is not an integer dtype`);
  return f.signed ? BigInt.asIntN(f.bits, v) : BigInt.asUintN(f.bits, v);
}

export const isBigIntDType = (d: DType): boolean => d === 'int64' || d === 'uint64';

/**
 * Values of an int32/int64 tensor as numbers. int64 values beyond ±2^53 keep their sign and
 * magnitude order (INT64_MAX becomes 9.2e18), which is all that clamping uses need.
 */
export function intValues(t: Tensor, what: string): number[] {
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw new ConstEvalError(`${what} must be int64 or int32, got ${t.dtype}`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** A 1-D int64 shape vector (Reshape, Expand, Tile, ConstantOfShape…). */
export function intVector(t: Tensor, what: string): number[] {
  if (t.shape.length !== 1) throw new ConstEvalError(`${what} must be 1-D, got shape [${t.shape.join(',')}]`);
  return intValues(t, what);
}

/** A scalar (or one-element) value. */
export function scalarValue(t: Tensor, what: string): number | bigint {
  if (t.data.length !== 1) throw new ConstEvalError(`${what} must have one element, got shape [${t.shape.join(',')}]`);
  const v = t.data[0];
  if (typeof v === 'string') throw new ConstEvalError(`${what} must be numeric`);
  return v;
}

/** Axis in [-rank, rank-1] → [0, rank-1]. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ConstEvalError(`${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Normalised, duplicate-free axes. */
export function normalizeAxes(axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, `${what} entry`));
  if (new Set(out).size !== out.length) throw new ConstEvalError(`${what} [${axes.join(',')}] repeats an axis`);
  return out;
}

export function sameDType(tensors: readonly Tensor[], op: string): DType {
  const d = tensors[0].dtype;
  for (const t of tensors) if (t.dtype !== d) throw new ConstEvalError(`${op} inputs have different types (${d} and ${t.dtype})`);
  return d;
}
