/**
 * Keys (granularity keys of weight scales and ADC steps, distinct-value marks) are non-negative
 * integers numbered from 0: how many slots a table indexed by them needs.
 */

/** max(keys) + 1, at least `min`; a plain loop (TypedArray reduce calls a closure per key: ~3× slower on a layer's columns). */
export function keyCount(keys: Int32Array, min = 0): number {
  let n = min;
  for (let i = 0; i < keys.length; i++) if (keys[i] + 1 > n) n = keys[i] + 1;
  return n;
}
