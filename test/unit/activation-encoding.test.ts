/** The activation encoding shared by compiler and runtime (plan/activation.ts). */
import { describe, expect, it } from 'vitest';
import { activationEncoding, activationScaleFromMax, maxMagnitude } from '../../plan/activation.js';

describe('activation encoding', () => {
  it('signed a-bit inputs: q in −2^(a−1) … 2^(a−1) − 1, driven shifted by 2^(a−1)', () => {
    expect(activationEncoding(8, true)).toEqual({ signed: true, scale: null, inputOffset: 128, qmin: -128, qmax: 127 });
    expect(activationEncoding(1, true)).toEqual({ signed: true, scale: null, inputOffset: 1, qmin: -1, qmax: 0 });
  });

  it('unsigned a-bit inputs: q in 0 … 2^a − 1, no offset', () => {
    expect(activationEncoding(8, false)).toEqual({ signed: false, scale: null, inputOffset: 0, qmin: 0, qmax: 255 });
    expect(activationEncoding(4, false)).toEqual({ signed: false, scale: null, inputOffset: 0, qmin: 0, qmax: 15 });
  });

  it('keeps the plan JSON key order', () => {
    expect(Object.keys(activationEncoding(8, true))).toEqual(['signed', 'scale', 'inputOffset', 'qmin', 'qmax']);
    expect(Object.keys(activationEncoding(8, false))).toEqual(['signed', 'scale', 'inputOffset', 'qmin', 'qmax']);
  });

  it('scale from the largest magnitude: |x| when signed, x clipped at 0 when unsigned', () => {
    const x = Float32Array.of(9, -3, 0.5, -6, 2);
    expect(maxMagnitude(x, 1, 5, true)).toBe(6);
    expect(maxMagnitude(x, 1, 5, false)).toBe(2);
    expect(maxMagnitude(Float32Array.of(-1, -2), 0, 2, false)).toBe(0);
    expect(maxMagnitude(Float32Array.of(NaN, 1), 0, 2, true)).toBe(1);
    expect(activationScaleFromMax(6, 127)).toBe(6 / 127);
    expect(activationScaleFromMax(0, 255)).toBe(1);
  });
});
