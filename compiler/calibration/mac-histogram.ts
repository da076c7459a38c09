/**
 * Distribution of the analog MAC M per column, as histograms with one bin width per layer
 * (so columns can be merged at array or layer granularity), and the ADC step chosen from it.
 */
import { clamp, roundHalfEven } from '../../base/rounding.js';

export class MacHistograms {
  readonly bins: number;
  readonly width: number;
  readonly counts: Uint32Array;
  constructor(readonly columns: number, maxMac: number, bins = 256) {
    this.width = Math.max(1, Math.ceil((maxMac + 1) / bins));
    this.bins = Math.ceil((maxMac + 1) / this.width);
    this.counts = new Uint32Array(columns * this.bins);
  }
  /** macs [pixels × cols.length] row-major, for layer columns `cols`. */
  add(macs: Float64Array, pixels: number, cols: Int32Array): void {
    const nc = cols.length;
    const last = this.bins - 1;
    for (let j = 0; j < nc; j++) {
      const base = cols[j] * this.bins;
      for (let p = 0; p < pixels; p++) {
        const b = Math.floor(macs[p * nc + j] / this.width);
        this.counts[base + (b > last ? last : b < 0 ? 0 : b)]++;
      }
    }
  }
  /** Sum of the histograms of the given columns. */
  merged(cols: readonly number[]): Float64Array {
    const out = new Float64Array(this.bins);
    for (const c of cols) for (let b = 0; b < this.bins; b++) out[b] += this.counts[c * this.bins + b];
    return out;
  }
  /** Value a bin stands for (its centre; exact integers when the width is 1). */
  value(bin: number): number {
    return this.width === 1 ? bin : (bin + 0.5) * this.width;
  }
}

export type AdcRange = { kind: 'mse' } | { kind: 'sigma'; k: number };

export interface AdcChoice {
  step: number;
  /** Fraction of conversions above the top code. */
  clipRate: number;
}

export function chooseAdcStep(h: MacHistograms, hist: Float64Array, levels: number, range: AdcRange): AdcChoice {
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
