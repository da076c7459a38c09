/**
 * The contract of a shape rule: given the types (and, for small tensors, the values) of a
 * node's inputs, say the dtype and static shape of each output.
 *
 * Rules also compute the elements of small outputs when every element they depend on is
 * known ("known values"): shape vectors flowing through Shape → Gather → Concat → Reshape
 * are resolved this way without a separate constant-folding pass.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { Graph, Node } from '../ir/ir.js';
import type { DType } from '../../base/tensor.js';

/** What inference knows about one value: always dtype and shape, sometimes the elements. */
export interface InferredValue {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Row-major elements, when known at compile time (only for small tensors). */
  readonly data?: readonly number[];
}

/** Tensors up to this many elements carry their elements through inference. */
export const maxKnownElements = 4096;

/**
 * Largest value (elements) a model may have: the importer's limit for initializers, and the
 * most a typed array can hold at run time. Larger shapes (a hostile dim of 2^40) are refused.
 */
export const maxValueElements = 2 ** 31 - 1;

export interface ShapeRuleContext {
  readonly node: Node;
  /** Default-domain opset the node is read under. */
  readonly opset: number;
  /** Whether input `i` is given (present and not the empty name). */
  has(i: number): boolean;
  input(i: number): InferredValue;
  shape(i: number): readonly number[];
  dtype(i: number): DType;
  /** Elements of input `i` when known (constant or computed from shapes), else undefined. */
  value(i: number): readonly number[] | undefined;
  /** Elements of input `i`, or CIM2001 saying the output shape depends on runtime data. */
  requireValue(i: number, what: string): readonly number[];
  /** CIM2002 at this node. */
  inconsistent(message: string): CimcError;
  /** CIM2001 at this node. */
  unsupported(message: string): CimcError;
  /** Infers a subgraph (If branch) in the scope of this node; returns its outputs. */
  inferSubgraph(graph: Graph): InferredValue[];
}

/** Returns one entry per node output (trailing optional outputs may be left off). */
export type ShapeRule = (ctx: ShapeRuleContext) => InferredValue[];

export function dimsText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function productOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** CIM2002 unless inputs `indices` (those given) share input 0's element type. */
export function requireSameDType(ctx: ShapeRuleContext, indices: readonly number[], names: readonly string[]): void {
  const first = ctx.dtype(indices[0]);
  indices.forEach((i, k) => {
    if (k > 0 && ctx.has(i) && ctx.dtype(i) !== first) {
      throw ctx.inconsistent(`${names[k]} is ${ctx.dtype(i)} but ${names[0]} is ${first}; ${ctx.node.opType} needs one element type for ${names.join(', ')}`);
    }
  });
}

/** Normalises a possibly negative axis into [0, rank); CIM2002 when out of range. */
export function normalizeAxis(ctx: ShapeRuleContext, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw ctx.inconsistent(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes; CIM2002 on out-of-range or repeated axes. */
export function normalizeAxes(ctx: ShapeRuleContext, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(ctx, a, rank, what));
  if (new Set(out).size !== out.length) throw ctx.inconsistent(`${what} [${axes.join(',')}] repeat an axis`);
  return out;
}

/** Keeps `data` only if it is present and small enough to carry. */
export function withData(dtype: DType, shape: readonly number[], data: readonly number[] | undefined): InferredValue {
  if (data !== undefined && data.length === productOf(shape) && data.length <= maxKnownElements) return { dtype, shape, data };
  return { dtype, shape };
}
