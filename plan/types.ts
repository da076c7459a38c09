/**
 * The mapping plan: what the compiler emits and the runtime executes (design §5).
 * The runtime reads only this document and its sidecar, never the compiler's IR.
 *
 * Numbers (design §4; runtime/reference/cim-layer.ts), for one array column `col` = (row tile t,
 * output channel o, slice s, polarity), per sample: a conv, each item of the input's batch axis;
 * a Gemm/MatMul with input [B, …, K], each index b of its leading axis (sample b = x[b, …, :]; a
 * 1-D input [K] is one sample); a transposed input [K, M] (geometry.transposeInput, Gemm
 * transA = 1), each column (sample m = x[:, m]). So a plan compiled for batch N gives each sample
 * the numbers the batch-1 plan gives it alone:
 *   s_a     = activation.scale, or when null (dynamic): m > 0 ? m / qmax : 1, where
 *             m = max|x| (signed layer) or max(0, max x) (unsigned layer)
 *   x'      = clamp(roundHalfEven(x / s_a), qmin, qmax) + inputOffset (driven input, ≥ 0);
 *             a padded conv position drives x' = inputOffset (the quantized zero)
 *   x_k     = ⌊x' / 2^(d·k)⌋ mod 2^d                                   (input cycle k)
 *   M       = Σ_{rows r of t} x_k[r] · cells[r, col]                    (analog MAC, integer ≥ 0)
 *   code    = clamp(roundHalfEven(M / adcStep[col]), 0, adcLevels − 1) (ideal ADC: code = M)
 *   y[o]   += s_a · dequantFactor[col] · 2^(d·k) · code
 *   then per (t, o), j = o − group(t)·Ng:
 *           y[o] −= s_a · weightScale[t,j] · (weightOffset · Σ_r x'[r] + inputOffset · weightSum[t,j])
 *   then + bias[o].
 * o = columns.outChannel[col] is the layer-wide channel (as for bias); weightScale and weightSum
 * are [rowTiles, Ng] (Ng = outChannels / groups), indexed by the channel within the group, and
 * weightSum[t,j] = Σ_{rows r of t} q[r, o]. Padding drives inputOffset in M and in Σ_r x' alike,
 * so the correction removes both offsets exactly (x' = x_q + inputOffset, x_q = 0 where padded).
 * dequantFactor[col] = ±weightScale[t,j] · 2^(c·(n−1−s)) · adcStep[col]; with a static activation
 * scale the runtime multiplies it by s_a once per layer, so each column has one factor.
 */

/**
 * Version 2 (cimc 0.2): layers carry `replicas`, targets carry their `cost` figures, and a plain
 * number attribute is always an INT. Readers accept 1, 2 and 3 (plan/reader.ts).
 *
 * Version 3 (plans about a quarter of the model's size; versions 1 and 2 load unchanged):
 *  - `weightMatrix` is optional and left out unless compiled with --keep-float-weights. The float
 *    path (`run --float`, eval's float baseline) then takes the float weights from the model the
 *    plan names (`model.file`, checked by `model.sha256`), run through the compiler's front end up
 *    to legalize-cim (compiler/driver/float-weights.ts) and handed to the runtime as
 *    `LoadedPlan.floatWeights` (layer name → [groups, K, Ng]); without them the float path ends
 *    in CIM4006.
 *  - `dequantFactor` is optional: when absent each column's factor is derived as
 *      dequantFactor[col] = ((polarity[col] · weightScale[t, j]) · 2^(c·(n−1−s))) · adcStep[col]
 *    (t = rowTile[col], j = outChannel[col] − group(t)·Ng, s = slice[col], c = bits.cell,
 *    n = bits.slices; float64, left to right: plan/dequant-factor.ts), which is the compiler's
 *    own arithmetic, so a derived factor is bit-identical to the one it would have stored. The
 *    writer stores the factors only when they differ from the derived ones (calibrated plans,
 *    whose factors are made from the analytic ones).
 *  - a tensor may carry `compression: 'deflate'`: its stored bytes (sidecar range or base64) are
 *    a zlib stream (RFC 1950, node:zlib deflateSync) of the raw bytes; sha256 and byteLength are
 *    those of the stored bytes; inflated, they must be exactly the bytes the dtype, shape and
 *    packedBits call for. The writer uses it for the per-column index tensors, adcStep,
 *    weightScale and weightSum, where it pays.
 * Readers apply these rules whatever the version (cimc's versions 1 and 2 always stored both
 * tensors and never compressed one).
 */
export const planVersion = 3;

export type PlanDType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

/** A tensor stored in the binary sidecar or embedded as base64. */
export type TensorRef = (
  | { dtype: PlanDType; shape: number[]; buffer: number; byteOffset: number; byteLength: number; sha256: string }
  | { dtype: PlanDType; shape: number[]; base64: string }
) & {
  /**
   * uint8 only: each value takes this many bits, least significant first within a byte
   * (plan/packed-bits.ts); the bytes are ⌈count·bits/8⌉. Cells of 1, 2 or 4 bits are stored so.
   */
  packedBits?: 1 | 2 | 4;
  /** Version 3: the stored bytes are a zlib (deflate) stream of the tensor's bytes (see planVersion). */
  compression?: 'deflate';
};

export interface PlanBuffer {
  /** File name relative to the plan. */
  uri: string;
  byteLength: number;
  /** sha256 of the whole sidecar: written by earlier cimc builds, checked when present (tensors carry their own). */
  sha256?: string;
}

export interface PlanValue {
  name: string;
  dtype: string;
  shape: number[];
}

/**
 * A digital step's attribute (plan/attrs.ts reads it with its ONNX kind): INT a plain number,
 * INTS a number list, STRING(S) a string (list), FLOAT `{ float: x }`, FLOATS `{ floats: [...] }`,
 * TENSOR `{ tensor }`. Plans written before the float forms stored floats as plain numbers:
 * readPlanAttr still reads those as floats where its legacy rule says so.
 */
export type PlanAttr = number | string | number[] | string[] | { float: number } | { floats: number[] } | { tensor: TensorRef };

export interface DigitalStep {
  kind: 'digital';
  name: string;
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, PlanAttr>;
}

export interface CimStep {
  kind: 'cim';
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Index into plan.layers. */
  layer: number;
}

export type PlanStep = DigitalStep | CimStep;

export interface ConvGeometry {
  kind: 'conv';
  /** 1 or 2 spatial dimensions (1-D conv is stored with kernel [1, kw]). */
  spatialDims: 1 | 2;
  inChannels: number;
  outChannels: number;
  groups: number;
  kernel: [number, number];
  strides: [number, number];
  /** [top, left, bottom, right]. */
  pads: [number, number, number, number];
  dilations: [number, number];
  inputShape: number[];
  outputShape: number[];
  /** Rows of one group's matrix: K = (Cin/g)·Kh·Kw, in (ci, kh, kw) order. */
  rowsPerGroup: number;
}

export interface MatMulGeometry {
  kind: 'matmul';
  /** K. */
  inFeatures: number;
  /** N. */
  outFeatures: number;
  /** The input is [K, M] and must be transposed (Gemm transA = 1). */
  transposeInput: boolean;
  inputShape: number[];
  outputShape: number[];
  rowsPerGroup: number;
  groups: 1;
}

export type LayerGeometry = ConvGeometry | MatMulGeometry;

/** A contiguous range of one group's matrix rows mapped to one array's rows. */
export interface RowTile {
  group: number;
  /** First matrix row (within the group's K rows). */
  rowStart: number;
  rowCount: number;
}

export type Granularity = 'layer' | 'channel' | 'array' | 'column';

export interface CimLayerBits {
  weight: number;
  activation: number;
  dac: number;
  cell: number;
  /** Bits of the ADC, 1.5 for ternary, or 'ideal'. */
  adc: number | 'ideal';
  /** Levels of the ADC (0 for ideal). */
  adcLevels: number;
  /** n = ⌈weight / cell⌉. */
  slices: number;
  /** ⌈activation / dac⌉. */
  cycles: number;
}

export interface PhysicalArray {
  /** Chip-wide array id (set by `place`). */
  id: number;
  /** Rows used (sum of its row tiles' rows). */
  rowsUsed: number;
  colsUsed: number;
  /** Row tiles held (indices into layer.rowTiles); more than one under block-diagonal packing. */
  rowTiles: number[];
}

/** The counts a layer's report and the totals both carry (the totals sum or recompute them). */
export interface ReportCounts {
  arrays: number;
  usedCells: number;
  totalCells: number;
  utilization: number;
  macs: number;
  adcConversions: number;
  scaleFactors: number;
}

export interface LayerReport extends ReportCounts {
  name: string;
  opType: string;
  cim: boolean;
  rowTiles: number;
  colTiles: number;
  slices: number;
  /** Expected fraction of ADC conversions that clip (calibrated plans). */
  clipRate?: number;
  notes?: string[];
}

/** How a layer sits on the crossbars: the compiler's legalized mapping and the plan share it. */
export interface LayerLayout {
  geometry: LayerGeometry;
  bits: CimLayerBits;
  encoding: 'differential' | 'offset';
  sliceLayout: 'separate' | 'adjacent';
  /** Tiling actually used (a fallback to dense is reported in notes). */
  tiling: 'whole-kernel' | 'dense';
  packGroups: boolean;
  rowTiles: RowTile[];
  /** Column tiles per group (output-channel chunks). */
  colTiles: number;
  /** The layer's arrays (chip ids are -1 until `place`). */
  arrays: PhysicalArray[];
}

export interface CimLayer extends LayerLayout {
  name: string;
  opType: string;
  input: string;
  output: string;
  activation: {
    /** Signed inputs are driven as x_q + 2^(a−1). */
    signed: boolean;
    /** s_a; null means computed per sample at run time (uncalibrated plans): max|x| / qmax signed, max(0, max x) / qmax unsigned, 1 where that max is 0. */
    scale: number | null;
    /** 0 or 2^(a−1). */
    inputOffset: number;
    qmin: number;
    qmax: number;
  };
  weights: {
    granularity: Granularity;
    /** imported: the model's own integers and scales (a QDQ / QAT export). */
    method: 'maxabs' | 'mse' | 'imported';
    /** 0 (differential) or 2^(b−1) (offset). */
    weightOffset: number;
    qmin: number;
    qmax: number;
    /** Distinct weight scales. */
    scaleCount: number;
  };
  adc: {
    granularity: Exclude<Granularity, 'channel'>;
    /** How the steps were chosen. */
    calibration: 'analytic' | 'mse' | 'sigma' | 'ideal';
    stepCount: number;
  };
  /**
   * Per column (length = number of columns): array index (into layer.arrays), column in
   * that array, row tile (into layer.rowTiles), output channel, slice, polarity (+1, −1, or
   * +1 under offset encoding).
   */
  columns: {
    array: TensorRef;
    arrayColumn: TensorRef;
    rowTile: TensorRef;
    outChannel: TensorRef;
    slice: TensorRef;
    polarity: TensorRef;
  };
  /** uint8 cells, column after column, each column its row tile's rowCount cells. */
  cells: TensorRef;
  /** float64 per column: the ADC step Δ in MAC units (1 for ideal). */
  adcStep: TensorRef;
  /**
   * float64 per column: ±s_w·2^(c(n−1−s))·Δ (multiplied by s_a at run time). Version 3: absent
   * when it equals the factor derived from the columns, weightScale and adcStep (see planVersion).
   */
  dequantFactor?: TensorRef;
  /** float64 per (row tile, output channel): s_w, laid out [rowTiles.length, outChannels/groups]. */
  weightScale: TensorRef;
  /** int32 per (row tile, output channel): Σ_r q[r, o] (for signed inputs). */
  weightSum: TensorRef;
  /** float32 [outChannels] or absent. */
  bias?: TensorRef;
  /**
   * float32 [groups, K, Ng]: the unquantized weight matrix (for the float reference path).
   * Version 3: present only when compiled with --keep-float-weights (see planVersion).
   */
  weightMatrix?: TensorRef;
  report: LayerReport;
  /**
   * Copies of the layer's arrays, set by the `replicate` pass: each copy takes 1/replicas of the
   * input vectors, so the layer's stage time shrinks and its numbers do not change. Absent = 1.
   */
  replicas?: number;
}

export interface PlanReportTotals extends ReportCounts {
  arrayLowerBound: number;
  cimLayers: number;
  digitalLayers: number;
}

export interface Plan {
  planVersion: number;
  generator: string;
  /** The model compiled: its file name (no folder), the sha256 of its bytes (the float path checks it). */
  model: { file: string; sha256: string; opset: number; producer?: string };
  target: Record<string, unknown> & { name: string; array: { rows: number; cols: number; cellBits: number } };
  options: Record<string, unknown>;
  calibration: { method: 'analytic' | 'calibrated'; samples?: number; note: string };
  inputs: PlanValue[];
  outputs: PlanValue[];
  values: PlanValue[];
  constants: Record<string, TensorRef>;
  schedule: PlanStep[];
  layers: CimLayer[];
  buffers: PlanBuffer[];
  report: { layers: LayerReport[]; totals: PlanReportTotals };
}
