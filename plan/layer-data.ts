/**
 * A CIM layer with its tensors decoded: what both engines' kernels read (the reference's
 * runtime/reference/cim-layer.ts, the ORT engine's lowering) and what plan/validate-layer.ts
 * checks, whether it came from a plan or from the compiler's IR (calibration).
 */
import { CimcError } from '../base/diagnostics.js';
import type { CimLayerBits, LayerGeometry, RowTile } from './types.js';

export interface CimLayerData {
  name: string;
  geometry: LayerGeometry;
  bits: CimLayerBits;
  rowTiles: readonly RowTile[];
  channelsPerGroup: number;
  activation: { signed: boolean; scale: number | null; inputOffset: number; qmin: number; qmax: number };
  weightOffset: number;
  columns: { rowTile: Int32Array; outChannel: Int32Array; slice: Int32Array; polarity: Int32Array };
  cells: Uint8Array;
  adcStep: Float64Array;
  dequantFactor: Float64Array;
  /** [rowTiles, Ng] */
  weightScale: Float64Array;
  /** [rowTiles, Ng] */
  weightSum: Int32Array;
  bias?: Float32Array;
  /**
   * [groups, K, Ng] float weights (float path): the plan's `weightMatrix`, or the weights the
   * caller supplied from the model (LoadedPlan.floatWeights); absent when neither has them.
   */
  weightMatrix?: Float32Array;
}

/** The layer's float weights, or CIM4006 naming the layer and how to supply them. */
export function floatWeightsOf(data: CimLayerData): Float32Array {
  if (data.weightMatrix) return data.weightMatrix;
  throw new CimcError('CIM4006', 'the float path needs this layer\'s float weights, which the plan does not carry: pass the model with --model <file.onnx> (or keep it next to the plan), or compile with --keep-float-weights', { node: data.name });
}
