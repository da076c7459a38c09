/** Activation scale s_a from calibration values: max, then the clip with least squared error. */
import { clamp, roundHalfEven } from '../../base/rounding.js';
import { uniformSource } from '../../base/random.js';
import { activationScaleFromMax, maxMagnitude } from '../../plan/activation.js';

/** Keeps a uniform sample of at most `capacity` values of a stream (seeded, so deterministic). */
export class Reservoir {
  readonly values: Float32Array;
  private seen = 0;
  private readonly random = uniformSource(12345);
  /** Largest magnitude seen, as the encoding measures it (plan/activation.ts maxMagnitude). */
  max = 0;
  /** Smallest value seen (signed streams). */
  min = Infinity;
  constructor(capacity: number) {
    this.values = new Float32Array(capacity);
  }
  /** Adds a stream's values; unsigned streams keep them clipped at 0, as they are driven. */
  add(data: Float32Array, signed: boolean): void {
    const cap = this.values.length;
    this.max = Math.max(this.max, maxMagnitude(data, 0, data.length, signed));
    for (let i = 0; i < data.length; i++) {
      if (data[i] < this.min) this.min = data[i];
      const v = signed ? data[i] : Math.max(0, data[i]);
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

/** s_a = max·ratio / qmax for the ratio (1.00 … 0.30) of least Σ (x − s_a·clamp(round(x/s_a), qmin, qmax))². */
export function chooseActivationScale(r: Reservoir, qmin: number, qmax: number): number {
  const unclipped = activationScaleFromMax(r.max, qmax); // max / qmax; 1 when nothing but zeros was seen
  if (r.max === 0) return unclipped;
  const values = r.sample;
  let best = unclipped;
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
