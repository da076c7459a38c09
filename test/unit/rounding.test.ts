import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../../base/rounding.js';

describe('roundHalfEven (ONNX Round semantics)', () => {
  it('rounds ties to the even neighbour, both signs', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4], [1e9 + 0.5, 1e9], [2 ** 40 + 1.5, 2 ** 40 + 2]];
    for (const [x, want] of cases) expect(roundHalfEven(x) === want || (want === 0 && roundHalfEven(x) === 0)).toBe(true);
  });
  it('rounds non-ties to nearest', () => {
    for (const [x, want] of [[0.49, 0], [0.51, 1], [-0.51, -1], [2.4999, 2], [-7.6, -8], [7, 7]] as const) expect(roundHalfEven(x)).toBe(want);
  });
});

describe('roundHalfEven fast path (|x| < 2^51) against the Math.round definition', () => {
  const reference = (x: number): number => {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  it('agrees bit for bit (Object.is, so the sign of zero too) on ties, near-ties, both signs and the fast-path edges', () => {
    const edges = [0, -0, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001, 2 ** 51 - 0.5, -(2 ** 51) + 0.5, 2 ** 51 - 1.5, 2 ** 51 + 0.5, -(2 ** 51) - 0.5, 2 ** 52 + 1, 1e-300, -1e-300, NaN, Infinity, -Infinity];
    const xs = [...edges];
    for (let k = -40; k <= 40; k++) xs.push(k + 0.5, k - 0.5, k + 0.25, k + 0.75, k / 3);
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      xs.push((seed / 2147483648 - 0.5) * 2 ** (i % 60));
    }
    for (const x of xs) expect(Object.is(roundHalfEven(x), reference(x)), `x = ${x}`).toBe(true);
  });
});
