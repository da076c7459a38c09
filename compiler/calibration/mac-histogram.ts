/**
 * Distribution of the analog MAC M per column, as histograms with one bin width per layer
 * (so columns can be merged at array or layer granularity). The ADC steps are chosen from
 * them in compiler/cim/adc-steps.ts.
 */
import type { MacDistribution } from '../cim/adc-steps.js';

export class MacHistograms implements MacDistribution {
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
