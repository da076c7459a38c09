import { describe, expect, it } from 'vitest';
import { keyCount } from '../../compiler/cim/key-count.js';

describe('keyCount', () => {
  it('is max + 1 of the keys, at least the minimum (an empty list gives the minimum)', () => {
    expect(keyCount(Int32Array.from([3, 0, 7, 2]))).toBe(8);
    expect(keyCount(new Int32Array(0))).toBe(0);
    expect(keyCount(new Int32Array(0), 1)).toBe(1);
    expect(keyCount(Int32Array.from([0, 0]), 1)).toBe(1);
    expect(keyCount(Int32Array.from([0, 4]), 2)).toBe(5);
  });
});
