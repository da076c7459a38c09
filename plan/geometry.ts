/** Figures of a layer's geometry that both the compiler and the cost model use. */
import type { LayerGeometry } from './types.js';

/**
 * Input vectors a layer drives per run of the plan: output pixels × batch for a conv, the rows
 * of the output for a matrix product. Every vector takes `bits.cycles` input cycles on every array.
 */
export function outputVectors(g: LayerGeometry): number {
  if (g.kind === 'conv') return g.outputShape.slice(2).reduce((a, b) => a * b, 1) * g.outputShape[0];
  return g.outputShape.slice(0, -1).reduce((a, b) => a * b, 1);
}
