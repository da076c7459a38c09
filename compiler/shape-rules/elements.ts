/**
 * Arithmetic on the elements of small known tensors (row-major number arrays) and the
 * numpy broadcasting rule shared by pointwise ops, Expand and MatMul batch dims.
 */
import type { DType } from '../../base/tensor.js';
import { dimsText, productOf, type ShapeRuleContext } from './types.js';

/** Numpy (multidirectional) broadcasting; CIM2002 when two dims differ and neither is 1. */
export function broadcastShapes(ctx: ShapeRuleContext, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let k = 1; k <= rank; k++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s.length - k >= 0 ? s[s.length - k] : 1;
      if (d === 1) continue;
      if (dim !== 1 && d !== dim) {
        throw ctx.inconsistent(`shapes ${shapes.map(dimsText).join(' and ')} cannot be broadcast together (dim ${dim} vs ${d})`);
      }
      dim = d;
    }
    out[rank - k] = dim;
  }
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Builds an output by reading one input element per output position: `source` maps an
 * output multi-index to an input multi-index.
 */
export function remapElements(
  outShape: readonly number[], inShape: readonly number[], data: readonly number[],
  source: (outIndex: readonly number[]) => readonly number[],
): number[] {
  const n = productOf(outShape);
  const inStrides = stridesOf(inShape);
  const index = new Array<number>(outShape.length).fill(0);
  const out = new Array<number>(n);
  for (let flat = 0; flat < n; flat++) {
    const from = source(index);
    let offset = 0;
    for (let k = 0; k < from.length; k++) offset += from[k] * inStrides[k];
    out[flat] = data[offset];
    for (let k = outShape.length - 1; k >= 0; k--) {
      if (++index[k] < outShape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

/** Reads `data` of `shape` broadcast to `outShape`. */
export function broadcastElements(data: readonly number[], shape: readonly number[], outShape: readonly number[]): number[] {
  const lead = outShape.length - shape.length;
  return remapElements(outShape, shape, data, (idx) => shape.map((d, k) => (d === 1 ? 0 : idx[k + lead])));
}

/** Applies `fn` elementwise over broadcast inputs. */
export function mapBroadcast(
  outShape: readonly number[], inputs: readonly { shape: readonly number[]; data: readonly number[] }[],
  fn: (args: readonly number[]) => number,
): number[] {
  const spread = inputs.map((i) => broadcastElements(i.data, i.shape, outShape));
  const n = productOf(outShape);
  const out = new Array<number>(n);
  const args = new Array<number>(inputs.length);
  for (let e = 0; e < n; e++) {
    for (let k = 0; k < spread.length; k++) args[k] = spread[k][e];
    out[e] = fn(args);
  }
  return out;
}

/** Rounds a number the way storing it in `dtype` would. */
export function toDType(dtype: DType, x: number): number {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return Math.fround(x);
    case 'float64': return x;
    case 'bool': return x !== 0 ? 1 : 0;
    case 'string': return x;
    default: return Number.isFinite(x) ? Math.trunc(x) : x;
  }
}

export function isIntegerDType(dtype: DType): boolean {
  return dtype !== 'string' && dtype !== 'bool' && !dtype.startsWith('float') && dtype !== 'bfloat16';
}

/** Reduces `data` of `shape` over `axes` with `combine`, starting from `init`. */
export function reduceElements(
  data: readonly number[], shape: readonly number[], axes: readonly number[],
  init: number, combine: (acc: number, x: number) => number,
): number[] {
  const keptShape = shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const keptStrides = stridesOf(keptShape);
  const out = new Array<number>(productOf(keptShape)).fill(init);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    let o = 0;
    for (let k = 0; k < shape.length; k++) if (!axes.includes(k)) o += index[k] * keptStrides[k];
    out[o] = combine(out[o], data[flat]);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}
