/** What the CIM passes attach to IR nodes (via declaration merging on NodeAnnotations). */
import type { CimLayer, Granularity, LayerLayout } from '../../plan/types.js';
import type { DType } from '../../base/tensor.js';

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
  /** 'imported': the model's own integers and scales (a Q/DQ export; import-qdq). */
  weightMethod: 'maxabs' | 'mse' | 'imported';
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
  /** The activation scale and zero point are the model's (an input Q/DQ pair): calibrate keeps them. */
  activationImported?: boolean;
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

/**
 * A matrix operator's weights as a quantized (QDQ / QAT) export stores them (import-qdq): the
 * weight input was DequantizeLinear(…) and is now the float constant `weight` it computes,
 * w = s[k(i)] · values[i] (float32), with values[i] = q[i] − zp[k(i)] the integers the
 * crossbar holds and k(i) = scaleIndex[i] the scale of weight element i.
 */
export interface ImportedWeights {
  /** The rule that matched (compiler/qdq/weight-rules.ts). */
  pattern: string;
  /** The Q/DQ/Clip nodes the weight came from. */
  nodes: string[];
  /** Integer type of the stored data. */
  dtype: DType;
  /** Shape of the weight tensor. */
  shape: readonly number[];
  /** The declared range of q: the dtype's, narrowed by Clip bounds. */
  qmin: number;
  qmax: number;
  /** Bits of that range (a Clip to [−7, 7] in an int8 container: 4). */
  bits: number;
  granularity: 'tensor' | 'axis' | 'block';
  /** Normalized axis of per-axis and blocked scales. */
  axis: number;
  blockSize: number;
  /** Weight elements in the weight tensor's layout: q − zp. */
  values: Int32Array;
  /** Smallest and largest of `values`. */
  min: number;
  max: number;
  scale: Float32Array;
  /** Per weight element: its index into `scale`. */
  scaleIndex: Int32Array;
  /** Whether any zero point is not 0. */
  zeroPointNonZero: boolean;
  /** The float weight constant written in place of the pattern (to see that nothing changed it since). */
  weight: Float32Array;
}

/** A layer input quantized by a Q → DQ pair (per tensor): x̂ = (clamp(round(x / s) + zp, qmin, qmax) − zp) · s. */
export interface ImportedActivation {
  dtype: DType;
  scale: number;
  zeroPoint: number;
  /** Saturation range of the quantized value (the dtype's, narrowed by a Clip between Q and DQ). */
  qmin: number;
  qmax: number;
  bits: number;
  /** The float value quantized (Q's input) and the dequantized value the layer reads (DQ's output). */
  source: string;
  dequantized: string;
  /** The Q, Clip and DQ nodes. */
  nodes: string[];
}

/** What import-qdq found on a matrix operator. */
export interface QdqAnnotation {
  weights?: ImportedWeights;
  activation?: ImportedActivation;
  /** Why the layer must stay digital (a quantized weight cimc cannot import exactly); select-cim obeys it. */
  digital?: string;
}

declare module '../ir/ir.js' {
  interface NodeAnnotations {
    cim?: CimNodeAnnotation;
    qdq?: QdqAnnotation;
  }
}

export type { Granularity };
