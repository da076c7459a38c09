/** The runtime kernel's view of a layer, built from the compiler's annotations (for calibration). */
import type { CimLayerData } from '../../runtime/reference/cim-layer.js';
import type { CimMapping, CimQuantization } from '../cim/annotations.js';
import { weightRange } from '../cim/weight-quant.js';

export function layerDataFromAnnotations(name: string, m: CimMapping, q: CimQuantization): CimLayerData {
  return {
    name,
    geometry: m.geometry,
    bits: m.bits,
    rowTiles: m.rowTiles,
    channelsPerGroup: m.channelsPerGroup,
    activation: q.activation,
    weightOffset: weightRange(m.bits.weight, m.encoding).weightOffset,
    columns: m.columns,
    cells: q.cells,
    adcStep: q.adcStep,
    dequantFactor: q.dequantFactor,
    weightScale: q.weightScale,
    weightSum: q.weightSum,
    bias: m.bias,
    weightMatrix: m.matrix,
  };
}
