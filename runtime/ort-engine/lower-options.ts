/** What a lowering of a plan to ONNX can be asked for, and what it reports (lower-plan.ts). */
import type { VariationSpec } from '../reference/variation.js';

export interface LowerOptions {
  /** CIM layers as unquantized float layers (the `--float` reference path). */
  float?: boolean;
  /** Cell variation, applied to the cells as the reference runtime does (then not bit-exact: analog MACs). */
  variation?: VariationSpec;
  /** Plan values to expose as extra graph outputs (e.g. every CIM layer's output, for SQNR). */
  extraOutputs?: readonly string[];
  /** Pack two crossbar columns into one conv output channel where exact (default true; see slot-layout.ts). */
  packColumns?: boolean;
}

export interface LoweringStats {
  /** CIM convolutions emitted (one per conv part). */
  convs: number;
  /** Of those, the ones packing column pairs. */
  packedConvs: number;
  /** ADCs (one per conv part and half, or MatMul layer) lowered as one QuantizeLinear. */
  quantizeLinearAdcs: number;
}
