/** ADC resolution: what a layer's arrays would need to lose nothing, and how cost scales with bits. */
import type { AdcScaling, CostSpec } from '../../targets/cost.js';

/**
 * ISAAC's bound on the ADC resolution that loses nothing for R rows of c-bit cells driven d bits
 * at a time (Shafiee et al., ISCA 2016, §V): ⌈log2 R⌉ + c + d, minus one where c or d is 1
 * (the largest MAC R·(2^d − 1)·(2^c − 1) then needs one bit less).
 */
export function losslessAdcBits(rows: number, cellBits: number, dacBits: number): number {
  const r = Math.ceil(Math.log2(Math.max(1, rows)));
  return r + cellBits + dacBits - (cellBits === 1 || dacBits === 1 ? 1 : 0);
}

/** Relative size of an ADC of `levels` levels under a scaling law. */
function scaleAt(scaling: AdcScaling, levels: number, sarOffsetBits: number): number {
  switch (scaling) {
    case 'flash': return levels - 1; // one comparator per level boundary: 2^b − 1
    case 'sar': return Math.max(0, Math.log2(levels) + sarOffsetBits); // a·b + c ∝ b + c/a, never below 0
    case 'fixed': return 1;
  }
}

/** Levels of an ADC of b bits (1.5 is ternary). */
export function adcLevelsOf(bits: number): number {
  return bits === 1.5 ? 3 : 2 ** bits;
}

/** Energy (pJ) and area (mm², or undefined) of one conversion / one ADC at `bits`, from the figures at referenceBits. */
export function adcAt(cost: CostSpec['adc'], bits: number): { energyPj: number; areaMm2: number | undefined } {
  const offset = cost.sarOffsetBits ?? 0;
  const ratio = scaleAt(cost.scaling, adcLevelsOf(bits), offset) / scaleAt(cost.scaling, adcLevelsOf(cost.referenceBits), offset);
  return {
    energyPj: cost.energyPerConversionPj * ratio,
    areaMm2: cost.areaMm2 === undefined ? undefined : cost.areaMm2 * ratio,
  };
}
