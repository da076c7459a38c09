/**
 * Data movement shared by the tensor ops: strided copies (Transpose, Slice, Expand, Tile,
 * DepthToSpace) and same-typed element copies that work for every RtData kind, BigInt64Array
 * included.
 */
import { allocData, sizeOf, stridesOf, type RtData, type RtDType } from '../../../base/rt-tensor.js';

/** Element slots of a typed array; only ever used to copy between arrays of the same kind. */
export type Slots = { [index: number]: number };
export const slots = (d: RtData): Slots => d as unknown as Slots;

/**
 * dst[row-major index over outShape] = src[srcOffset + Σ coord[d]·srcStrides[d]].
 * Dimensions that stay contiguous in the source are merged so the inner loop is long.
 */
export function stridedCopy(dtype: RtDType, src: RtData, srcOffset: number, srcStrides: readonly number[], outShape: readonly number[]): RtData {
  const total = sizeOf(outShape);
  const dst = allocData(dtype, total);
  if (total === 0) return dst;
  // Merge dims (drop size-1 dims, merge d into the previous one when strides chain).
  const dims: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === srcStrides[i] * d) {
      dims[last] *= d;
      strides[last] = srcStrides[i];
    } else {
      dims.push(d);
      strides.push(srcStrides[i]);
    }
  }
  const s = slots(src), t = slots(dst);
  if (dims.length === 0) {
    t[0] = s[srcOffset];
    return dst;
  }
  const r = dims.length;
  const n = dims[r - 1], step = strides[r - 1];
  if (r === 1 && step === 1) {
    (dst as Uint8Array).set((src as Uint8Array).subarray(srcOffset, srcOffset + n));
    return dst;
  }
  const counter = new Int32Array(r);
  let base = srcOffset;
  for (let o = 0; o < total; o += n) {
    if (step === 1) for (let i = 0, p = base; i < n; i++, p++) t[o + i] = s[p];
    else if (step === 0) { const v = s[base]; for (let i = 0; i < n; i++) t[o + i] = v; }
    else for (let i = 0, p = base; i < n; i++, p += step) t[o + i] = s[p];
    for (let d = r - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d];
      if (counter[d] < dims[d]) break;
      base -= strides[d] * dims[d];
      counter[d] = 0;
    }
  }
  return dst;
}

/** y = transpose(x, perm): y.shape[i] = x.shape[perm[i]]. */
export function transposeData(dtype: RtDType, data: RtData, shape: readonly number[], perm: readonly number[]): { shape: number[]; data: RtData } {
  const strides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  return { shape: outShape, data: stridedCopy(dtype, data, 0, perm.map((p) => strides[p]), outShape) };
}

/** A copy of elements [start, end) of one typed array into another of the same kind at `at`. */
export function copyRange(dst: RtData, at: number, src: RtData, start: number, end: number): void {
  (dst as Uint8Array).set((src as Uint8Array).subarray(start, end), at);
}
