/** 1.5·2^52: adding it moves any |x| < 2^51 into [2^52, 2^53), where doubles are exactly the integers. */
const toInteger = 6755399441055744;
const fastLimit = 2251799813685248; // 2^51

/**
 * Round half to even, as ONNX Round/QuantizeLinear and numpy do; used by compiler and runtime alike.
 * For |x| < 2^51 the addition (x + 1.5·2^52) rounds in the FPU's default round-half-to-even mode,
 * exactly, and subtracting gives the result back (3–5× faster than Math.round with a tie fix-up,
 * and it sits in every quantization and ADC loop); the sign of a zero result is kept, as Math.round does.
 */
export function roundHalfEven(x: number): number {
  if (x < fastLimit && x > -fastLimit) {
    const r = (x + toInteger) - toInteger;
    return r === 0 ? x * 0 : r;
  }
  const r = Math.round(x);
  // Math.round rounds ties toward +∞ (so r − x = 0.5 exactly on a tie); move odd results down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * roundHalfEven for results kept as integers (stored in an integer array, or clamped to a code),
 * where the sign of a zero does not matter: without the zero-sign branch, which mispredicts on
 * random data, a quantization loop runs about 5× faster.
 */
export function roundHalfEvenInt(x: number): number {
  return x < fastLimit && x > -fastLimit ? (x + toInteger) - toInteger : roundHalfEven(x);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
