/**
 * ADC steps Δ (in MAC units) per column — the one place they are chosen:
 *
 *   code = clamp(round(M / Δ_col), 0, L − 1)        (ideal ADC, L = 0: code = M, Δ = 1)
 *
 * Before calibration (quantize-weights) the range comes from an analytic model of M; with
 * calibration data (calibrate) from each column's measured MAC histogram, by squared-error
 * search (`mse`) or a mean + K·σ clip (`sigma:K`). Either way the columns of one granularity
 * key — the whole layer, one array, or the column itself — share one step.
 */
import { clamp, roundHalfEven } from '../../base/rounding.js';
import type { CimLayerBits } from '../../plan/types.js';
import { keyCount } from './key-count.js';

export type PsumGranularity = 'layer' | 'array' | 'column';

/** Granularity key of each column: 0 for all (layer), its array, or its own index (column). */
export function adcKeys(m: { readonly columns: { readonly array: Int32Array } }, granularity: PsumGranularity): Int32Array {
  const n = m.columns.array.length;
  const keys = new Int32Array(n);
  for (let c = 0; c < n; c++) keys[c] = granularity === 'layer' ? 0 : granularity === 'array' ? m.columns.array[c] : c;
  return keys;
}

// ---- analytic (quantize-weights) ------------------------------------------------------

/**
 * A layer's analytic steps from its columns' cell sums Σu, Σu². The estimate used before
 * calibration: inputs per cycle uniform on 0 … 2^d − 1 and independent, so M has mean μ·Σu and
 * deviation σ·√Σu²; the ADC range covers mean + 3σ (never more than the full scale), shared by
 * the columns of a key (the widest wins):
 * Δ_col = max(1, max_{c' in key(col)} min(xmax·Σu, μ·Σu + 3σ·√Σu²) / (L − 1)).
 * Each column's top goes straight into its key's maximum (no per-column array of tops).
 */
export function analyticAdcSteps(sumU: Float64Array, sumU2: Float64Array, keys: Int32Array, bits: Pick<CimLayerBits, 'dac' | 'adcLevels'>): Float64Array {
  const n = sumU.length;
  const xmax = 2 ** bits.dac - 1;
  const mean = xmax / 2;
  const sd = Math.sqrt((2 ** (2 * bits.dac) - 1) / 12);
  const keyTop = new Float64Array(keyCount(keys));
  for (let c = 0; c < n; c++) {
    const top = Math.min(xmax * sumU[c], mean * sumU[c] + 3 * sd * Math.sqrt(sumU2[c]));
    const k = keys[c];
    keyTop[k] = Math.max(keyTop[k], top);
  }
  const levels = bits.adcLevels;
  const steps = new Float64Array(n);
  for (let c = 0; c < n; c++) steps[c] = levels === 0 ? 1 : Math.max(1, keyTop[keys[c]] / (levels - 1));
  return steps;
}

// ---- calibrated (calibrate) -----------------------------------------------------------

/** How a calibrated step is chosen from a MAC histogram. */
export type AdcRange = { kind: 'mse' } | { kind: 'sigma'; k: number };

export interface AdcChoice {
  step: number;
  /** Fraction of conversions above the top code. */
  clipRate: number;
}

/** The MAC value each histogram bin stands for (bins of one width per layer). */
export interface MacBins {
  value(bin: number): number;
}

/** Measured MAC histograms of a layer's columns (compiler/calibration's MacHistograms). */
export interface MacDistribution extends MacBins {
  /** Counts per bin, summed over the given columns. */
  merged(cols: readonly number[]): Float64Array;
}

/**
 * The step for one histogram `hist` of M (counts per bin of `h`), with top = the highest
 * occupied bin's value:
 *   sigma:K  Δ = max(1, min(top, mean + K·std) / (L − 1))
 *   mse      Δ = the least Σ count·(M − Δ·clamp(round(M/Δ), 0, L − 1))² among
 *            max(1, top·(1 − i/50) / (L − 1)), i = 0 … 47 (the first wins a tie)
 * An empty or all-zero histogram gives Δ = 1.
 */
export function chooseAdcStep(h: MacBins, hist: Float64Array, levels: number, range: AdcRange): AdcChoice {
  let total = 0;
  let top = 0;
  let mean = 0;
  for (let b = 0; b < hist.length; b++) {
    if (!hist[b]) continue;
    total += hist[b];
    mean += hist[b] * h.value(b);
    top = h.value(b);
  }
  if (total === 0 || top === 0) return { step: 1, clipRate: 0 };
  mean /= total;
  const errorOf = (step: number): number => {
    let e = 0;
    for (let b = 0; b < hist.length; b++) {
      if (!hist[b]) continue;
      const m = h.value(b);
      const d = m - step * clamp(roundHalfEven(m / step), 0, levels - 1);
      e += hist[b] * d * d;
    }
    return e;
  };
  let step: number;
  if (range.kind === 'sigma') {
    let v = 0;
    for (let b = 0; b < hist.length; b++) if (hist[b]) v += hist[b] * (h.value(b) - mean) ** 2;
    step = Math.max(1, Math.min(top, mean + range.k * Math.sqrt(v / total)) / (levels - 1));
  } else {
    step = Math.max(1, top / (levels - 1));
    let best = errorOf(step);
    for (let i = 1; i < 48; i++) {
      const s = Math.max(1, (top * (1 - i / 50)) / (levels - 1));
      const e = errorOf(s);
      if (e < best) { best = e; step = s; }
    }
  }
  let clipped = 0;
  for (let b = 0; b < hist.length; b++) if (hist[b] && roundHalfEven(h.value(b) / step) > levels - 1) clipped += hist[b];
  return { step, clipRate: clipped / total };
}

export interface CalibratedAdcSteps {
  /** Per column. */
  adcStep: Float64Array;
  /** Fraction of all the layer's measured conversions above the top code. */
  clipRate: number;
}

/**
 * A layer's calibrated steps: the columns of each key pool their histograms and share the
 * step chosen from the pool. An ideal ADC (L = 0) has nothing to choose: Δ = 1, as analytic.
 */
export function calibratedAdcSteps(macs: MacDistribution, keys: Int32Array, levels: number, range: AdcRange): CalibratedAdcSteps {
  const adcStep = new Float64Array(keys.length).fill(1);
  if (levels === 0) return { adcStep, clipRate: 0 };
  // Columns per key, in order of each key's first column.
  const members = new Map<number, number[]>();
  keys.forEach((k, c) => {
    const cols = members.get(k);
    if (cols) cols.push(c);
    else members.set(k, [c]);
  });
  let clipped = 0;
  let conversions = 0;
  for (const cols of members.values()) {
    const hist = macs.merged(cols);
    const choice = chooseAdcStep(macs, hist, levels, range);
    const n = hist.reduce((a, b) => a + b, 0);
    clipped += choice.clipRate * n;
    conversions += n;
    for (const c of cols) adcStep[c] = choice.step;
  }
  return { adcStep, clipRate: conversions ? clipped / conversions : 0 };
}
