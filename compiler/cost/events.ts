/**
 * Event counts of one layer for one run of the plan, exact from its mapping (README "Cost model").
 * For a crossbar layer with V input vectors (output pixels × batch), k = ⌈a/d⌉ input cycles and
 * arrays i holding rows_i × cols_i cells:
 *   ADC conversions   = V · k · Σ_i cols_i          (every used column is read once per cycle)
 *   sample-and-holds  = ADC conversions
 *   shift-adds        = ADC conversions              (every code is shifted into its output)
 *   row activations   = V · k · Σ_i rows_i          (one DAC drive per used row per cycle)
 *   cell operations   = V · k · Σ_i rows_i · cols_i (every used cell takes part; an upper bound
 *                                                    where a zero input bit would leave it idle)
 *   bytes in / out    = elements of the input / output × a / 8
 * A layer kept digital has only its MACs and its bytes. Replicas split the vectors, not the events.
 */
import type { CimLayerBits, LayerGeometry, PhysicalArray } from '../../plan/types.js';
import { outputVectors } from '../../plan/geometry.js';

/** What the cost model needs of a layer: the same for a plan's layer and the compiler's mapping. */
export interface CostLayer {
  name: string;
  opType: string;
  /** The crossbar layout; absent for a layer kept digital. */
  layout?: { geometry: LayerGeometry; bits: CimLayerBits; arrays: readonly Pick<PhysicalArray, 'rowsUsed' | 'colsUsed'>[] };
  /** Copies of the layer's arrays (the `replicate` pass); 1 without replication. */
  replicas: number;
  /** MACs of one run (the mapping report's). */
  macs: number;
  inputElements: number;
  outputElements: number;
}

export interface LayerEvents {
  adcConversions: number;
  sampleHolds: number;
  shiftAdds: number;
  rowActivations: number;
  cellOps: number;
  /** MACs computed digitally (layers kept digital). */
  digitalMacs: number;
  bytesIn: number;
  bytesOut: number;
}

export function layerEvents(layer: CostLayer, activationBits: number): LayerEvents {
  const bytesIn = (layer.inputElements * activationBits) / 8;
  const bytesOut = (layer.outputElements * activationBits) / 8;
  const l = layer.layout;
  if (!l) {
    return { adcConversions: 0, sampleHolds: 0, shiftAdds: 0, rowActivations: 0, cellOps: 0, digitalMacs: layer.macs, bytesIn, bytesOut };
  }
  const drives = outputVectors(l.geometry) * l.bits.cycles;
  let cols = 0, rows = 0, cells = 0;
  for (const a of l.arrays) {
    cols += a.colsUsed;
    rows += a.rowsUsed;
    cells += a.rowsUsed * a.colsUsed;
  }
  const adcConversions = drives * cols;
  return {
    adcConversions, sampleHolds: adcConversions, shiftAdds: adcConversions,
    rowActivations: drives * rows, cellOps: drives * cells,
    digitalMacs: 0, bytesIn, bytesOut,
  };
}
