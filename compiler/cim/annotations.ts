/** What the CIM passes attach to IR nodes (via declaration merging on NodeAnnotations). */
import type { CimLayer, Granularity, LayerLayout } from '../../plan/types.js';

export interface CimSelection {
  /** The node runs on crossbars. */
  selected: boolean;
  /** Why it was not selected (or was kept digital). */
  reason?: string;
}

/** The legalized mapping of one layer (legalize-cim). */
export interface CimMapping extends LayerLayout {
  /**
   * Effective weights (Gemm alpha and transB applied) in kernel order, [groups][Ng][K]: what
   * quantization reads, often the weight tensor's own storage.
   */
  weights: Float32Array;
  /**
   * The same weights as the plan's matrix per group, [groups][K][Ng]: made from `weights` on
   * first read and kept (compiler/cim/mapping-matrix.ts), so a compile that never reads it
   * never pays for the transposed copy.
   */
  readonly matrix: Float32Array;
  /** Output channels per group. */
  channelsPerGroup: number;
  bias?: Float32Array;
  /** Per column, in array-then-column order. */
  columns: {
    array: Int32Array;
    arrayColumn: Int32Array;
    rowTile: Int32Array;
    outChannel: Int32Array;
    slice: Int32Array;
    polarity: Int32Array;
  };
  /** Per (row tile, local output channel): the array block its weights share (array-wise scales). */
  weightBlock: Int32Array;
  /** Input is provably non-negative (after ReLU-like ops). */
  unsignedInput: boolean;
  notes: string[];
}

/** Quantized weights and converter parameters of one layer (quantize-weights, calibrate). */
export interface CimQuantization {
  weightGranularity: Granularity;
  weightMethod: 'maxabs' | 'mse';
  psumGranularity: Exclude<Granularity, 'channel'>;
  adcCalibration: 'analytic' | 'mse' | 'sigma' | 'ideal';
  /** [rowTiles, Ng] */
  weightScale: Float64Array;
  /** [rowTiles, Ng] Σ_r q[r, o]. */
  weightSum: Int32Array;
  /** Cells, column after column (each column its row tile's rowCount). */
  cells: Uint8Array;
  /** Offset of each column's cells in `cells`. */
  cellOffset: Int32Array;
  /** Per column. */
  adcStep: Float64Array;
  /** Per column: ±s_w·2^(c(n−1−s))·Δ. */
  dequantFactor: Float64Array;
  weightScaleCount: number;
  adcStepCount: number;
  scaleFactors: number;
  activation: CimLayer['activation'];
  /** Expected fraction of clipped ADC conversions (calibrated plans). */
  clipRate?: number;
}

export interface CimNodeAnnotation {
  selection: CimSelection;
  mapping?: CimMapping;
  quant?: CimQuantization;
  /** Copies of the layer's arrays (set by `replicate`; absent = 1). */
  replicas?: number;
}

declare module '../ir/ir.js' {
  interface NodeAnnotations {
    cim?: CimNodeAnnotation;
  }
}

export type { Granularity };
