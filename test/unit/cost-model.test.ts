/**
 * The cost model against published tables and hand counts.
 *
 * ISAAC (Shafiee et al., ISCA 2016), Table I, ISAAC-CE at 32 nm. Per IMA (8 arrays of 128×128,
 * 2-bit cells): ADC 8 × 8-bit 1.28 GS/s, 16 mW, 0.0096 mm²; DAC 8×128 × 1-bit, 4 mW, 0.00017 mm²;
 * S+H 8×128, 10 µW, 0.00004 mm²; arrays 8, 2.4 mW, 0.0002 mm²; S+A 4, 0.2 mW, 0.00024 mm²;
 * IR 2 KB, 1.24 mW, 0.0021 mm²; OR 256 B, 0.23 mW, 0.00077 mm². Per tile (12 IMAs): eDRAM 64 KB
 * 20.7 mW, 0.083 mm²; bus 7 mW, 0.090 mm²; router 42 mW, 0.151 mm² shared by 4 tiles; sigmoid
 * 0.52 mW, 0.0006 mm²; S+A 0.05 mW, 0.00006 mm²; max-pool 0.4 mW, 0.00024 mm²; OR 3 KB 1.68 mW,
 * 0.0032 mm². Tile total 330 mW, 0.372 mm²; "ADCs account for 58 % of tile power and 31 % of
 * tile area". Array cycle 100 ns. (Figures as transcribed in targets/costs/isaac-ce.json's sources.)
 * The preset divides each row over its units; this test checks that the event counts and the
 * timing give the table's powers back: power = energy per inference / stage time.
 */
import { describe, expect, it } from 'vitest';
import { modelCost, type CostTarget } from '../../compiler/cost/model.js';
import type { CostLayer } from '../../compiler/cost/events.js';
import { adcAt, losslessAdcBits } from '../../compiler/cost/adc-resolution.js';
import { resolveCost } from '../../targets/loader.js';
import type { CimLayerBits, MatMulGeometry } from '../../plan/types.js';

const isaac = resolveCost('isaac-ce');
const isaacTarget: CostTarget = { array: { rows: 128, cols: 128, cellBits: 2 }, activationBits: 16, adc: { columnsPerAdc: 128 } };
const bits16: CimLayerBits = { weight: 16, activation: 16, dac: 1, cell: 2, adc: 8, adcLevels: 256, slices: 8, cycles: 16 };

/** A Gemm whose arrays are all full: K = 128 rows, `arrays` arrays of 128 used columns each. */
function fullGemm(arrays: number, vectors = 1): CostLayer {
  const geometry: MatMulGeometry = { kind: 'matmul', inFeatures: 128, outFeatures: 128 * arrays / 8, transposeInput: false, inputShape: [vectors, 128], outputShape: [vectors, 128 * arrays / 8], rowsPerGroup: 128, groups: 1 };
  return {
    name: 'fc', opType: 'Gemm', replicas: 1, macs: vectors * 128 * geometry.outFeatures,
    layout: { geometry, bits: bits16, arrays: Array.from({ length: arrays }, () => ({ rowsUsed: 128, colsUsed: 128 })) },
    inputElements: vectors * 128, outputElements: vectors * geometry.outFeatures,
  };
}

const within = (got: number, want: number, rel = 0.02): void => {
  expect(Math.abs(got / want - 1), `${got} vs ${want}`).toBeLessThanOrEqual(rel);
};

describe('cost model: ISAAC-CE Table I', () => {
  it('gives Table I power and area per IMA component for a layer that keeps one IMA busy', () => {
    const r = modelCost({ layers: [fullGemm(8, 4)], target: isaacTarget, cost: isaac, batch: 1 });
    const l = r.layers[0];
    expect(l.cycleTimeNs).toBe(100); // 128 columns × 0.78125 ns = the 100 ns array read
    expect(l.arrayCycles).toBe(4 * 16);
    const mW = (pJ: number): number => pJ / l.stageTimeNs; // pJ / ns = mW
    within(mW(l.energyPj.adc), 16);
    within(mW(l.energyPj.dac), 4);
    within(mW(l.energyPj.sampleHold), 0.01);
    within(mW(l.energyPj.array), 2.4);
    within(mW(l.energyPj.shiftAdd), 0.2);
    within(l.areaMm2.adc, 0.0096);
    within(l.areaMm2.dac, 0.00017);
    within(l.areaMm2.sampleHold, 0.00004);
    within(l.areaMm2.array, 0.0002);
  });

  it('makes ADCs 58 % of tile power and 31 % of tile area with the tile-level components', () => {
    const r = modelCost({ layers: [fullGemm(96)], target: isaacTarget, cost: isaac, batch: 1 });
    const l = r.layers[0];
    const tilePowerMw = l.totalEnergyPj / l.stageTimeNs;
    within(tilePowerMw, 330);
    within(r.totals.totalAreaMm2, 0.372);
    within(l.energyPj.adc / l.totalEnergyPj, 0.58, 0.01);
    within(r.totals.adcAreaShare, 0.31, 0.01);
  });

  it('reproduces the lossless ADC bound ISAAC states: 9 bits for 128 rows, 2-bit cells, 1-bit DAC', () => {
    expect(losslessAdcBits(128, 2, 1)).toBe(9);
    // the exact bound ⌈log2(R·(2^d − 1)·(2^c − 1) + 1)⌉: equal for R a power of two, never above ISAAC's
    const exact = (rows: number, c: number, d: number): number => Math.ceil(Math.log2(rows * (2 ** d - 1) * (2 ** c - 1) + 1));
    for (const [rows, c, d] of [[128, 2, 4], [64, 1, 1], [256, 4, 4], [32, 2, 1]]) expect(losslessAdcBits(rows, c, d), `${rows} ${c} ${d}`).toBe(exact(rows, c, d));
    for (const [rows, c, d] of [[126, 2, 4], [18, 2, 1], [100, 1, 2]]) expect(losslessAdcBits(rows, c, d)).toBeGreaterThanOrEqual(exact(rows, c, d));
  });
});

describe('cost model: pimsim-nn (PIMCOMP-NN default config.json)', () => {
  it('makes the ADC ≈ 95 % of array-side energy, as pimsim-nn computes it', () => {
    // pimsim-nn XbarArray.cpp per input bit-slice of one 128×128 crossbar: 22.24 mW × 7 ns
    // (crossbar) + 8 rounds × 16 ADCs × 1.135 mW × 20 ns (ADC) = 155.68 + 2905.6 pJ: 94.9 %.
    const cost = resolveCost('pimcomp-nn');
    const target: CostTarget = { array: { rows: 128, cols: 128, cellBits: 2 }, activationBits: 8, adc: {} };
    const layer = fullGemm(1);
    layer.layout = { ...layer.layout!, bits: { ...bits16, weight: 2, slices: 1, activation: 8, cycles: 8 } };
    const l = modelCost({ layers: [layer], target, cost, batch: 1 }).layers[0];
    const arraySide = l.energyPj.adc + l.energyPj.array + l.energyPj.dac + l.energyPj.sampleHold + l.energyPj.shiftAdd;
    within(l.energyPj.adc / arraySide, 2905.6 / (2905.6 + 155.68), 0.001);
    within(l.energyPj.array, 8 * 155.68, 1e-9);
  });
});

describe('cost model: ADC resolution scaling', () => {
  it('scales flash ∝ 2^b − 1, sar ∝ b + offset, fixed not at all', () => {
    const base = { referenceBits: 8, energyPerConversionPj: 2, areaMm2: 1, conversionTimeNs: 1, source: 's' } as const;
    expect(adcAt({ ...base, scaling: 'flash' }, 4).energyPj).toBeCloseTo(2 * 15 / 255, 12);
    expect(adcAt({ ...base, scaling: 'flash' }, 1.5).energyPj).toBeCloseTo(2 * 2 / 255, 12);
    expect(adcAt({ ...base, scaling: 'sar' }, 4).energyPj).toBeCloseTo(1, 12);
    expect(adcAt({ ...base, scaling: 'sar', sarOffsetBits: -0.4 }, 4).energyPj).toBeCloseTo(2 * 3.6 / 7.6, 12);
    expect(adcAt({ ...base, scaling: 'fixed' }, 3)).toEqual({ energyPj: 2, areaMm2: 1 });
  });
});
