/**
 * Numpy broadcasting, walked in contiguous runs: the output is visited in row-major order
 * and each callback covers the longest inner run in which every input advances by a fixed
 * stride (1, or 0 where it is broadcast). Adjacent dimensions that stay contiguous for all
 * inputs are merged first, so [N,C,H,W] + [1,C,1,1] runs over H·W elements at a time.
 */
import { shapeText } from '../../../base/rt-tensor.js';
import { kernelError, type KernelContext } from './types.js';

export function broadcastShapes(shapes: readonly (readonly number[])[], ctx: KernelContext): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = rank - s.length + i;
      const d = s[i];
      if (d === out[k] || d === 1) continue;
      if (out[k] === 1) out[k] = d;
      else throw kernelError(ctx, `shapes ${shapes.map(shapeText).join(' and ')} cannot be broadcast together`);
    }
  }
  return out;
}

/** Strides of `shape` seen from `outShape` (0 on broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const k = rank - shape.length + i;
    strides[k] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

/** Dims and per-input strides with mergeable neighbours merged and size-1 dims dropped. */
function coalesce(outShape: readonly number[], strides: number[][]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const merged: number[][] = strides.map(() => []);
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, j) => merged[j][last] === s[i] * d)) {
      dims[last] *= d;
      for (let j = 0; j < strides.length; j++) merged[j][last] = strides[j][i];
    } else {
      dims.push(d);
      for (let j = 0; j < strides.length; j++) merged[j].push(strides[j][i]);
    }
  }
  return { dims, strides: merged };
}

/**
 * Calls run(outOffset, inputOffsets, length, innerStrides) for every inner run of the
 * broadcast of the inputs onto outShape. `inputOffsets` and `innerStrides` are reused
 * between calls.
 */
export function forEachRun(
  outShape: readonly number[],
  inShapes: readonly (readonly number[])[],
  run: (out: number, offsets: Int32Array, length: number, innerStrides: Int32Array) => void,
): void {
  const k = inShapes.length;
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  const { dims, strides } = coalesce(outShape, inShapes.map((s) => broadcastStrides(s, outShape)));
  const offsets = new Int32Array(k);
  const inner = new Int32Array(k);
  if (dims.length === 0) {
    run(0, offsets, 1, inner);
    return;
  }
  const r = dims.length;
  const n = dims[r - 1];
  for (let j = 0; j < k; j++) inner[j] = strides[j][r - 1];
  const counter = new Int32Array(r);
  const base = new Int32Array(k);
  for (let out = 0; out < total; out += n) {
    offsets.set(base);
    run(out, offsets, n, inner);
    // Advance the outer counter (dims 0..r-2).
    for (let d = r - 2; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) base[j] += strides[j][d];
      if (counter[d] < dims[d]) break;
      for (let j = 0; j < k; j++) base[j] -= strides[j][d] * dims[d];
      counter[d] = 0;
    }
  }
}

/**
 * For each output element, the offset of the input element it reads (broadcast onto
 * outShape). For the less common ops where a flat index map is simplest.
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  let total = 1;
  for (const d of outShape) total *= d;
  const index = new Int32Array(total);
  forEachRun(outShape, [inShape], (o, offs, n, st) => {
    const s = st[0];
    let p = offs[0];
    for (let i = 0; i < n; i++, p += s) index[o + i] = p;
  });
  return index;
}
