/**
 * How a CIM layer's input is encoded for the DACs (a plan layer's `activation`), shared by the
 * compiler (quantize-weights, calibrate) and the reference runtime:
 *
 *   x' = clamp(round(x / s_a), qmin, qmax) + inputOffset          a-bit driven input, 0 … 2^a − 1
 *   signed:    qmin = −2^(a−1),  qmax = 2^(a−1) − 1,  inputOffset = 2^(a−1)
 *   unsigned:  qmin = 0,         qmax = 2^a − 1,      inputOffset = 0
 *
 * and the activation scale from the largest magnitude: s_a = max / qmax, with max over |x|
 * (signed) or over x clipped at 0 (unsigned). A dynamic scale (scale null) takes the max over one
 * sample: a conv's batch item, a Gemm/MatMul input's leading index, a transposed input's column
 * (plan/types.ts); a calibrated one over every calibration value.
 */
import type { CimLayer } from './types.js';

export type ActivationEncoding = CimLayer['activation'];

/** The encoding of a-bit inputs, with the scale still open (null: per input at run time). */
export function activationEncoding(bits: number, signed: boolean): ActivationEncoding {
  // Key order is the plan's JSON order.
  return signed
    ? { signed, scale: null, inputOffset: 2 ** (bits - 1), qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 }
    : { signed, scale: null, inputOffset: 0, qmin: 0, qmax: 2 ** bits - 1 };
}

/** max over x[from … to) of |x| (signed) or x (unsigned; negatives count as 0); 0 for none. NaNs are skipped. */
export function maxMagnitude(x: ArrayLike<number>, from: number, to: number, signed: boolean): number {
  let m = 0;
  for (let i = from; i < to; i++) { const v = signed ? Math.abs(x[i]) : x[i]; if (v > m) m = v; }
  return m;
}

/** s_a = max / qmax: the largest magnitude lands on the top code; 1 when every input is 0. */
export function activationScaleFromMax(max: number, qmax: number): number {
  return max > 0 ? max / qmax : 1;
}
