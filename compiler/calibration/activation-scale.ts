/** Activation scale s_a from calibration values: max, then the clip with least squared error. */
import { clamp, roundHalfEven } from '../../base/rounding.js';
import { uniformSource } from '../../base/random.js';

/** Keeps a uniform sample of at most `capacity` values of a stream (seeded, so deterministic). */
export class Reservoir {
  readonly values: Float32Array;
  private seen = 0;
  private readonly random = uniformSource(12345);
  max = 0;
  /** Smallest value seen (signed streams). */
  min = Infinity;
  constructor(capacity: number) {
    this.values = new Float32Array(capacity);
  }
  add(data: Float32Array, signed: boolean): void {
    const cap = this.values.length;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < this.min) this.min = data[i];
      const v = signed ? data[i] : Math.max(0, data[i]);
      const a = Math.abs(v);
      if (a > this.max) this.max = a;
      if (this.seen < cap) this.values[this.seen] = v;
      else {
        const j = Math.floor(this.random() * (this.seen + 1));
        if (j < cap) this.values[j] = v;
      }
      this.seen++;
    }
  }
  get sample(): Float32Array {
    return this.values.subarray(0, Math.min(this.seen, this.values.length));
  }
}

const clipRatios = Array.from({ length: 15 }, (_, i) => 1 - i * 0.05); // 1.00 … 0.30

export function chooseActivationScale(r: Reservoir, qmin: number, qmax: number): number {
  if (r.max === 0) return 1;
  const values = r.sample;
  let best = r.max / qmax;
  let bestErr = Infinity;
  for (const ratio of clipRatios) {
    const s = (r.max * ratio) / qmax;
    let err = 0;
    for (let i = 0; i < values.length; i++) {
      const d = values[i] - s * clamp(roundHalfEven(values[i] / s), qmin, qmax);
      err += d * d;
    }
    if (err < bestErr) { bestErr = err; best = s; }
  }
  return best;
}
