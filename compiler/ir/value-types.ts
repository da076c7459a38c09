/** Comparing value-type tables (graph.values). */
import type { ValueType } from './ir.js';

/** Same names in the same order, each with the same dtype and shape. */
export function sameValueTypes(a: ReadonlyMap<string, ValueType>, b: ReadonlyMap<string, ValueType>): boolean {
  if (a.size !== b.size) return false;
  const bs = b.entries();
  for (const [name, t] of a) {
    const [otherName, u] = bs.next().value as [string, ValueType];
    if (name !== otherName || t.dtype !== u.dtype) return false;
    if (t.shape === u.shape) continue;
    if (!t.shape || !u.shape || t.shape.length !== u.shape.length || t.shape.some((d, i) => d !== u.shape![i])) return false;
  }
  return true;
}
