/**
 * Index arithmetic shared by the data-movement evaluators: row-major strides, numpy
 * broadcasting, and "which source element does output element i come from" maps.
 */
import { allocStorage, sizeOf, type Tensor, type TensorStorage } from '../../base/tensor.js';
import { ConstEvalError } from './types.js';

/** Element-wise view of any storage (numbers, bigints or strings). */
type Elements = { [index: number]: number | bigint | string; readonly length: number };

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** numpy (multidirectional) broadcasting of several shapes. */
export function broadcastShapes(shapes: readonly (readonly number[])[], op: string): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const offset = rank - s.length;
    for (let d = 0; d < s.length; d++) {
      const dim = s[d];
      const cur = out[offset + d];
      if (cur === dim || dim === 1) continue;
      if (cur === 1) out[offset + d] = dim;
      else throw new ConstEvalError(`${op}: shapes ${shapes.map((x) => `[${x.join(',')}]`).join(', ')} cannot be broadcast`);
    }
  }
  return out;
}

/**
 * For each element of `outShape` (row-major), base + Σ counter[d]·strides[d].
 * Covers slicing (strides scaled by steps), transposition (permuted strides) and
 * broadcasting (stride 0 on broadcast dimensions).
 */
export function stridedIndex(outShape: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(outShape);
  const index = new Int32Array(n);
  const rank = outShape.length;
  const counter = new Array<number>(rank).fill(0);
  let cur = base;
  for (let i = 0; i < n; i++) {
    index[i] = cur;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      cur += strides[d];
      if (counter[d] < outShape[d]) break;
      cur -= strides[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return index;
}

/** Source index of each output element when `inShape` is broadcast to `outShape`. */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const strides = outShape.map((_, d) => (d < offset || inShape[d - offset] === 1 ? 0 : inStrides[d - offset]));
  return stridedIndex(outShape, strides);
}

/** A tensor of `t`'s dtype whose element i is t's element index[i]. */
export function takeElements(t: Tensor, outShape: readonly number[], index: ArrayLike<number>): Tensor {
  const data = allocStorage(t.dtype, index.length);
  const dst = data as unknown as Elements;
  const src = t.data as unknown as Elements;
  for (let i = 0; i < index.length; i++) dst[i] = src[index[i]];
  return { dtype: t.dtype, shape: [...outShape], data };
}

/** Copies `count` elements between storages of the same kind. */
export function copyElements(dst: TensorStorage, dstOffset: number, src: TensorStorage, srcOffset: number, count: number): void {
  const d = dst as unknown as Elements;
  const s = src as unknown as Elements;
  for (let i = 0; i < count; i++) d[dstOffset + i] = s[srcOffset + i];
}

/** Same elements, another shape (storage is shared: tensors are immutable). */
export function withShape(t: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== t.data.length) throw new Error(`withShape: [${shape.join(',')}] does not hold ${t.data.length} elements`);
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}
