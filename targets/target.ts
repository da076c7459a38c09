/** A CIM macro description (see schemas/target.schema.json and design §2). */
import type { CostSpec } from './cost.js';

/** ADC resolution: a bit count, 1.5 for a ternary ADC, or 'ideal' (no quantization). */
export type AdcBits = number | 'ideal';

export interface TargetSpec {
  /** Unique name, used with --target. */
  name: string;
  description?: string;
  array: {
    /** Word lines (R). */
    rows: number;
    /** Bit lines (C). */
    cols: number;
    /** Bits stored per cell (c); levels 0 … 2^c − 1. */
    cellBits: number;
  };
  /** Weight bits (b); magnitude bits under differential encoding. */
  weightBits: number;
  /** Activation (input) bits (a). */
  activationBits: number;
  /** DAC bits per input cycle (d); d = a drives the whole input at once, d = 1 is bit-serial. */
  dacBits: number;
  adc: {
    bits: AdcBits;
    /** Columns sharing one ADC (report only). */
    columnsPerAdc?: number;
    /** Energy per conversion in pJ (report only). */
    energyPerConversionPj?: number;
    /** Latency per conversion in ns (report only). */
    latencyPerConversionNs?: number;
  };
  /** Signed-weight encoding. */
  encoding: 'differential' | 'offset';
  /** How many arrays a macro or chip holds (report only; not a hard limit). */
  arraysPerChip?: number;
  /** Energy per array activation in pJ (report only). */
  energyPerArrayActivationPj?: number;
  /** Where the spec came from. */
  source?: string;
  /**
   * Cost figures: a preset name in a target file (targets/costs/NAME.json), replaced by the
   * preset's figures when the target is loaded, so a loaded target always holds the numbers.
   */
  cost?: CostSpec | string;
}
