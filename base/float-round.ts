/**
 * float16/bfloat16 constants are held in Float32Array (tensor.ts); results of those dtypes
 * must still be rounded to the narrow format, as a runtime computing in it would.
 */
import type { DType, TensorStorage } from './tensor.js';

/** Nearest IEEE half (ties to even), as a number. */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity; // halfway to 2^16 rounds up (65504 is odd)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (Math.max(e, -14) - 10); // subnormals share the 2^-24 quantum
  const m = a / quantum;
  const f = Math.floor(m);
  const rest = m - f;
  const r = rest > 0.5 ? f + 1 : rest < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return Math.sign(x) * r * quantum;
}

const bits = new DataView(new ArrayBuffer(4));

/** Nearest bfloat16 (ties to even) of the float32 nearest to x. */
export function roundToBFloat16(x: number): number {
  if (Number.isNaN(x)) return x;
  bits.setFloat32(0, x);
  const u = bits.getUint32(0);
  const rounded = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
  bits.setUint32(0, rounded >>> 0);
  return bits.getFloat32(0);
}

/** Rounds float16/bfloat16 results in place; other dtypes are already exact in their storage. */
export function roundToDType(dtype: DType, data: TensorStorage): void {
  if (dtype !== 'float16' && dtype !== 'bfloat16') return;
  const f = data as Float32Array;
  const round = dtype === 'float16' ? roundToFloat16 : roundToBFloat16;
  for (let i = 0; i < f.length; i++) f[i] = round(f[i]);
}

/** Rounds one value to a float dtype (float32 → fround). */
export function roundScalar(dtype: DType, x: number): number {
  switch (dtype) {
    case 'float32': return Math.fround(x);
    case 'float16': return roundToFloat16(x);
    case 'bfloat16': return roundToBFloat16(x);
    default: return x;
  }
}
