/**
 * The digital kernel contract and the small readers every kernel uses.
 *
 * A kernel gets one entry per node input (undefined where an optional input is omitted),
 * the node's attributes with tensor attributes already decoded, and where it runs (node
 * name, the model's default-domain opset). It returns one tensor per node output it can
 * produce; the caller takes as many as the node names.
 */
import { CimcError } from '../../../base/diagnostics.js';
import { isFloatDType, numberAt, shapeText, sizeOf, toNumbers, type RtTensor } from '../../../base/rt-tensor.js';

export type RtAttr = number | string | number[] | string[] | RtTensor;

export interface KernelContext {
  /** Node name, for diagnostics. */
  node: string;
  /** Default-domain opset of the model (selects attribute vs input forms). */
  opset: number;
  /** Operator type, for diagnostics. */
  opType?: string;
  /** Number of outputs the node names (Split without sizes divides into this many). */
  outputCount?: number;
}

export type DigitalKernel = (inputs: (RtTensor | undefined)[], attrs: Record<string, RtAttr>, ctx: KernelContext) => RtTensor[];

/** A CIM4005 error located at the node. */
export function kernelError(ctx: KernelContext, message: string): CimcError {
  return new CimcError('CIM4005', message, { node: ctx.node, ...(ctx.opType ? { opType: ctx.opType } : {}) });
}

export function requireInput(inputs: readonly (RtTensor | undefined)[], index: number, ctx: KernelContext, what = `input ${index}`): RtTensor {
  const t = inputs[index];
  if (!t) throw kernelError(ctx, `${what} is missing`);
  return t;
}

/** A float32/float64 input (integer data is a shape error for the float kernels). */
export function requireFloat(inputs: readonly (RtTensor | undefined)[], index: number, ctx: KernelContext, what = `input ${index}`): RtTensor {
  const t = requireInput(inputs, index, ctx, what);
  if (!isFloatDType(t.dtype)) throw kernelError(ctx, `${what} must be float, got ${t.dtype}`);
  return t;
}

export function requireRank(t: RtTensor, ranks: readonly number[], ctx: KernelContext, what: string): void {
  if (!ranks.includes(t.shape.length)) {
    throw kernelError(ctx, `${what} must have rank ${ranks.join(' or ')}, got shape ${shapeText(t.shape)}`);
  }
}

export function attrNumber(attrs: Record<string, RtAttr>, name: string, fallback: number): number;
export function attrNumber(attrs: Record<string, RtAttr>, name: string): number | undefined;
export function attrNumber(attrs: Record<string, RtAttr>, name: string, fallback?: number): number | undefined {
  const a = attrs[name];
  if (a === undefined) return fallback;
  if (typeof a === 'number') return a;
  if (Array.isArray(a) && a.length === 1 && typeof a[0] === 'number') return a[0];
  throw new CimcError('CIM4005', `attribute '${name}' must be a number`);
}

export function attrNumbers(attrs: Record<string, RtAttr>, name: string): number[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (typeof a === 'number') return [a];
  if (Array.isArray(a) && a.every((v): v is number => typeof v === 'number')) return a as number[];
  throw new CimcError('CIM4005', `attribute '${name}' must be a list of numbers`);
}

export function attrString(attrs: Record<string, RtAttr>, name: string, fallback: string): string {
  const a = attrs[name];
  if (a === undefined) return fallback;
  if (typeof a === 'string') return a;
  throw new CimcError('CIM4005', `attribute '${name}' must be a string`);
}

export function attrTensor(attrs: Record<string, RtAttr>, name: string): RtTensor | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (typeof a === 'object' && !Array.isArray(a)) return a;
  throw new CimcError('CIM4005', `attribute '${name}' must be a tensor`);
}

/** The elements of an integer (or any) input as numbers; undefined when omitted. */
export function optionalInts(inputs: readonly (RtTensor | undefined)[], index: number): number[] | undefined {
  const t = inputs[index];
  return t ? toNumbers(t) : undefined;
}

/** A scalar (or one-element) input's value. */
export function scalarOf(t: RtTensor, ctx: KernelContext, what: string): number {
  if (sizeOf(t.shape) !== 1) throw kernelError(ctx, `${what} must hold one value, got shape ${shapeText(t.shape)}`);
  return numberAt(t, 0);
}

/** Axis in [0, rank) from a possibly negative one. */
export function normalizeAxis(axis: number, rank: number, ctx: KernelContext, what = 'axis'): number {
  if (axis < -rank || axis >= Math.max(rank, 1)) throw kernelError(ctx, `${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(axes: readonly number[], rank: number, ctx: KernelContext, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, ctx, what));
  if (new Set(out).size !== out.length) throw kernelError(ctx, `${what} [${axes.join(',')}] repeat an axis`);
  return out;
}
