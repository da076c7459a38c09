/**
 * A mapping's `matrix` ([groups][K][Ng], the plan's weight matrix) is the transpose of its
 * kernel-order `weights`; it is made on first read and kept, so that passes which only quantize
 * never allocate it. Copy a mapping with `withMappingChanges` (not `{ ...m }`, which would read
 * the matrix and so make it).
 */
import type { CimMapping } from './annotations.js';
import { weightMatrixOf } from './geometry.js';

/** `mapping` with a lazily made `matrix` (computed once from its weights, then an ordinary value). */
export function withLazyMatrix(mapping: Omit<CimMapping, 'matrix'>): CimMapping {
  let matrix: Float32Array | undefined;
  const { weights, channelsPerGroup: ng } = mapping;
  const { groups, rowsPerGroup: k } = mapping.geometry;
  return Object.defineProperty(mapping, 'matrix', {
    enumerable: true,
    get: () => (matrix ??= weightMatrixOf(weights, groups, k, ng)),
  }) as CimMapping;
}

/** A copy of `m` with some fields replaced, keeping its matrix lazy (and shared, once made). */
export function withMappingChanges(m: CimMapping, changes: Partial<Omit<CimMapping, 'matrix' | 'weights' | 'geometry' | 'channelsPerGroup'>>): CimMapping {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(m)) as CimMapping;
  return Object.assign(copy, changes);
}
