/**
 * What a macro costs: energy per event, area per component, time per step (schemas/cost.schema.json).
 * Every number carries its unit in its name (pJ, mm², ns, mW) and a `source` naming an entry of
 * `sources`. The cost model (compiler/cost/) reads these numbers, never a preset's name.
 */

/** How ADC energy and area grow with resolution b, relative to the reference resolution. */
export type AdcScaling =
  /** ∝ 2^b − 1 (one comparator per level). */
  | 'flash'
  /** a·b + c, written as ∝ b + sarOffsetBits (sarOffsetBits = c / a). */
  | 'sar'
  /** the same at every resolution. */
  | 'fixed';

export interface CostSource {
  id: string;
  /** Paper, table, repository file: enough to find the number again. */
  citation: string;
  detail?: string;
}

/** A component's area; absent where the source gives none (the report says "not modelled"). */
interface Sourced {
  /** `id` of the entry of `sources` the numbers come from. */
  source: string;
}

export interface CostSpec {
  /** Preset name (files in targets/costs/). */
  name?: string;
  description?: string;
  sources: CostSource[];
  adc: Sourced & {
    scaling: AdcScaling;
    /** Resolution the figures below are given at. */
    referenceBits: number;
    /** Energy of one conversion at referenceBits, pJ. */
    energyPerConversionPj: number;
    /** Area of one ADC at referenceBits, mm². */
    areaMm2?: number;
    /** Time of one conversion, ns (an ADC converts its columns one after another). */
    conversionTimeNs: number;
    /** For 'sar': c / a of E(b) = a·b + c (default 0: E ∝ b). */
    sarOffsetBits?: number;
    /** Columns sharing one ADC (default: the target's adc.columnsPerAdc, else 1). */
    columnsPerAdc?: number;
  };
  /** Row drivers (one per row of an array). */
  dac: Sourced & { energyPerActivationPj: number; areaMm2?: number };
  /** One per column of an array. */
  sampleHold: Sourced & { energyPerSamplePj: number; areaMm2?: number };
  array: Sourced & {
    /** One cell taking part in one analog MAC, pJ. */
    energyPerCellOpPj: number;
    /** One cell, mm² (an array's area is R·C of them, so the figure carries over to other geometries). */
    areaPerCellMm2?: number;
    /** One array read (drive rows, settle, sample), ns. */
    readTimeNs: number;
    /** Rows that can be driven at once (default: all); more rows take more activation rounds. */
    rowsPerActivation?: number;
  };
  /** Shift-and-add of one ADC code into its output; area per array. */
  shiftAdd: Sourced & { energyPerOpPj: number; areaMm2?: number };
  /** Layers kept digital, and activations moved in and out of every layer. */
  digital: Sourced & { energyPerMacPj: number; energyPerBytePj: number };
  /** Arrays grouped into groups (ISAAC's IMA) and groups into tiles, for `blocks`. */
  hierarchy?: { arraysPerGroup: number; groupsPerTile: number; groupName?: string; tileName?: string };
  /** Periphery with a power while the unit it belongs to is busy (registers, buffers, routers, …). */
  blocks?: (Sourced & { name: string; per: 'array' | 'group' | 'tile'; powerMw: number; areaMm2?: number })[];
}
