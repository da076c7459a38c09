import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../runtime/rounding.js';

describe('roundHalfEven (ONNX Round semantics)', () => {
  it('rounds ties to the even neighbour, both signs', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4], [1e9 + 0.5, 1e9], [2 ** 40 + 1.5, 2 ** 40 + 2]];
    for (const [x, want] of cases) expect(roundHalfEven(x) === want || (want === 0 && roundHalfEven(x) === 0)).toBe(true);
  });
  it('rounds non-ties to nearest', () => {
    for (const [x, want] of [[0.49, 0], [0.51, 1], [-0.51, -1], [2.4999, 2], [-7.6, -8], [7, 7]] as const) expect(roundHalfEven(x)).toBe(want);
  });
});
