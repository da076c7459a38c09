/**
 * The one home of ADC steps (compiler/cim/adc-steps.ts) and of the dequantization factor
 * (compiler/cim/dequant-factor.ts), on hand-computed examples.
 */
import { describe, expect, it } from 'vitest';
import { adcKeys, analyticAdcSteps, calibratedAdcSteps, chooseAdcStep, type MacDistribution, type PsumGranularity } from '../../compiler/cim/adc-steps.js';
import { columnWeightFactors, columnWeightFactorsOf, dequantFactors, type ColumnLayout } from '../../compiler/cim/dequant-factor.js';
import type { CimLayerBits } from '../../plan/types.js';

const bits = (over: Partial<CimLayerBits>): CimLayerBits => ({ weight: 4, activation: 8, dac: 2, cell: 2, adc: 3, adcLevels: 8, slices: 2, cycles: 4, ...over });
const distinct = (a: Float64Array): number => new Set(a).size;

/** Histograms of width 1 (bin b stands for M = b), one per column. */
function histograms(perColumn: Record<number, number>[], bins: number): MacDistribution {
  const counts = perColumn.map((h) => {
    const out = new Float64Array(bins);
    for (const [b, n] of Object.entries(h)) out[Number(b)] = n;
    return out;
  });
  return {
    value: (bin) => bin,
    merged: (cols) => {
      const out = new Float64Array(bins);
      for (const c of cols) for (let b = 0; b < bins; b++) out[b] += counts[c][b];
      return out;
    },
  };
}

describe('analytic ADC steps', () => {
  // d = 2: x uniform on 0…3, μ = 1.5, σ = √((2^4 − 1)/12) = √1.25; a 3-bit ADC, L − 1 = 7.
  const b = bits({ dac: 2, adcLevels: 8 });

  it('covers mean + 3σ of a column: 16 cells of 3 → (1.5·48 + 3·√1.25·√144) / 7', () => {
    const [step] = analyticAdcSteps(Float64Array.of(48), Float64Array.of(144), Int32Array.of(0), b);
    expect(step).toBeCloseTo((72 + 36 * Math.sqrt(1.25)) / 7, 12); // 16.0356…, below the full scale 3·48
  });

  it('never more than the full scale: one cell of 3 → min(3·3, 4.5 + 3·√1.25·3) / 7 = 9/7', () => {
    const [step] = analyticAdcSteps(Float64Array.of(3), Float64Array.of(9), Int32Array.of(0), b);
    expect(step).toBe(9 / 7);
  });

  it('is at least 1, and exactly 1 for an ideal ADC', () => {
    expect(analyticAdcSteps(Float64Array.of(1), Float64Array.of(1), Int32Array.of(0), b)[0]).toBe(1); // top 3 → 3/7
    expect(analyticAdcSteps(Float64Array.of(48), Float64Array.of(144), Int32Array.of(0), bits({ adc: 'ideal', adcLevels: 0 }))[0]).toBe(1);
  });
});

describe('calibrated ADC step from a MAC histogram', () => {
  const h = { value: (bin: number) => bin };

  it('sigma:K clips at mean + K·std: M ∈ {2, 4, 4, 6}, mean 4, std √2', () => {
    const hist = new Float64Array(7);
    hist[2] = 1; hist[4] = 2; hist[6] = 1;
    // K = 0.5: Δ = (4 + √2/2) / 3 = 1.569; 6/Δ = 3.82 rounds to 4 > 3 (one of four clips).
    const half = chooseAdcStep(h, hist, 4, { kind: 'sigma', k: 0.5 });
    expect(half.step).toBeCloseTo((4 + Math.SQRT2 / 2) / 3, 12);
    expect(half.clipRate).toBe(0.25);
    // K = 3: mean + 3σ = 8.24 is beyond the top, 6: Δ = 6/3 = 2, nothing clips.
    expect(chooseAdcStep(h, hist, 4, { kind: 'sigma', k: 3 })).toEqual({ step: 2, clipRate: 0 });
  });

  it('mse picks the candidate top·(1 − i/50)/(L − 1) of least squared error', () => {
    // 10 each of M = 1, 2, 3 and one outlier at 12; L = 4, candidates 4·(1 − i/50).
    const hist = new Float64Array(13);
    hist[1] = 10; hist[2] = 10; hist[3] = 10; hist[12] = 1;
    // i = 13, Δ = 2.96: codes 0, 1, 1, 3 → 10·1² + 10·0.96² + 10·0.04² + (12 − 8.88)² = 28.9664,
    // against 29.1264 at Δ = 3.04 (i = 12), 29.1776 at 2.88 (i = 14), 60 at the full range Δ = 4.
    const choice = chooseAdcStep(h, hist, 4, { kind: 'mse' });
    expect(choice.step).toBe(Math.max(1, (12 * (1 - 13 / 50)) / 3));
    expect(choice.step).toBeCloseTo(2.96, 12);
    expect(choice.clipRate).toBe(1 / 31); // 12 / 2.96 = 4.05 → code 4 > 3
  });

  it('an empty or all-zero histogram gives step 1', () => {
    expect(chooseAdcStep(h, new Float64Array(4), 4, { kind: 'mse' })).toEqual({ step: 1, clipRate: 0 });
    expect(chooseAdcStep(h, Float64Array.of(5, 0, 0), 4, { kind: 'sigma', k: 3 })).toEqual({ step: 1, clipRate: 0 });
  });
});

describe('ADC step sharing at a granularity', () => {
  // 6 columns in 2 arrays of 3.
  const layer = { columns: { array: Int32Array.of(0, 0, 0, 1, 1, 1) } };
  const expected: Record<PsumGranularity, number> = { layer: 1, array: 2, column: 6 };

  it('keys: one for the layer, one per array, one per column', () => {
    expect([...adcKeys(layer, 'layer')]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...adcKeys(layer, 'array')]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...adcKeys(layer, 'column')]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('analytic: distinct steps per key, the widest column of a key sets its step', () => {
    const sumU = Float64Array.of(3, 6, 9, 12, 15, 18);
    const sumU2 = Float64Array.from(sumU, (s) => 3 * s); // cells of 3: Σu² = 3·Σu
    // d = 1: xmax 1, μ 0.5, σ 0.5; 0.5·Σu + 1.5·√(3Σu) ≥ Σu while Σu ≤ 27, so the full scale Σu is each
    // column's top, and Δ = top / 3 (2-bit ADC).
    const b = bits({ dac: 1, adcLevels: 4 });
    for (const g of ['layer', 'array', 'column'] as const) {
      const steps = analyticAdcSteps(sumU, sumU2, adcKeys(layer, g), b);
      expect(distinct(steps), g).toBe(expected[g]);
    }
    expect([...analyticAdcSteps(sumU, sumU2, adcKeys(layer, 'column'), b)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...analyticAdcSteps(sumU, sumU2, adcKeys(layer, 'array'), b)]).toEqual([3, 3, 3, 6, 6, 6]); // 9/3, 18/3
    expect([...analyticAdcSteps(sumU, sumU2, adcKeys(layer, 'layer'), b)]).toEqual([6, 6, 6, 6, 6, 6]);
  });

  it('calibrated: the columns of a key pool their histograms and share one step', () => {
    // Column c always sees M = 3(c + 1); sigma:0 on its own histogram gives Δ = 3(c + 1)/3 = c + 1.
    const macs = histograms([0, 1, 2, 3, 4, 5].map((c) => ({ [3 * (c + 1)]: 4 })), 19);
    for (const g of ['layer', 'array', 'column'] as const) {
      const { adcStep } = calibratedAdcSteps(macs, adcKeys(layer, g), 4, { kind: 'sigma', k: 0 });
      expect(distinct(adcStep), g).toBe(expected[g]);
    }
    expect([...calibratedAdcSteps(macs, adcKeys(layer, 'column'), 4, { kind: 'sigma', k: 0 }).adcStep]).toEqual([1, 2, 3, 4, 5, 6]);
    // Array 0 pools M ∈ {3, 6, 9}: mean 6 → Δ = 2, and 9/2 = 4.5 rounds to 4 > 3: 4 of 12 clip;
    // array 1 pools {12, 15, 18}: Δ = 5, 18/5 = 3.6 → 4: 4 of 12. Together 8 of 24.
    const pooled = calibratedAdcSteps(macs, adcKeys(layer, 'array'), 4, { kind: 'sigma', k: 0 });
    expect([...pooled.adcStep]).toEqual([2, 2, 2, 5, 5, 5]);
    expect(pooled.clipRate).toBeCloseTo(1 / 3, 15);
  });

  it('an ideal ADC keeps step 1 and nothing clips', () => {
    const macs = histograms([{ 5: 1 }, { 9: 1 }], 10);
    const ideal = calibratedAdcSteps(macs, Int32Array.of(0, 1), 0, { kind: 'mse' });
    expect([...ideal.adcStep]).toEqual([1, 1]);
    expect(ideal.clipRate).toBe(0);
  });
});

describe('dequantization factor f_col = ±s_w · 2^(c(n−1−s)) · Δ_col', () => {
  // 4-bit weights in 2-bit cells: n = 2 slices, slice 0 (most significant) weighs 2^(2·1) = 4.
  // Two row tiles of one group with 2 output channels: weightScale [t, o] = [[0.5, 0.25], [0.125, 1]].
  const layout: ColumnLayout = {
    bits: bits({ weight: 4, cell: 2, slices: 2 }),
    channelsPerGroup: 2,
    rowTiles: [{ group: 0, rowStart: 0, rowCount: 9 }, { group: 0, rowStart: 9, rowCount: 9 }],
    columns: {
      array: Int32Array.of(0, 0, 1, 1),
      arrayColumn: Int32Array.of(0, 1, 0, 1),
      rowTile: Int32Array.of(0, 0, 1, 1),
      outChannel: Int32Array.of(0, 0, 1, 0),
      slice: Int32Array.of(0, 1, 0, 1),
      polarity: Int32Array.of(-1, 1, 1, -1),
    },
  };
  const weightScale = Float64Array.of(0.5, 0.25, 0.125, 1);
  const adcStep = Float64Array.of(3, 3, 2, 10);

  it('carries the polarity sign and the slice shift', () => {
    const w = columnWeightFactors(layout, weightScale);
    expect([...w]).toEqual([-0.5 * 4, 0.5 * 1, 1 * 4, -0.125 * 1]);
    expect([...dequantFactors(w, adcStep)]).toEqual([-6, 1.5, 8, -1.25]);
  });

  it('recovers the weight part from factors and steps (f/Δ), as calibrate does', () => {
    const f = dequantFactors(columnWeightFactors(layout, weightScale), adcStep);
    expect([...columnWeightFactorsOf(f, adcStep)]).toEqual([-2, 0.5, 4, -0.125]);
    expect([...dequantFactors(columnWeightFactorsOf(f, adcStep), Float64Array.of(1, 2, 4, 8))]).toEqual([-2, 1, 16, -1]);
  });
});
