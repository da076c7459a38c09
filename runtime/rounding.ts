/** Round half to even, as ONNX Round/QuantizeLinear and numpy do; used by compiler and runtime alike. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties toward +∞ (so r − x = 0.5 exactly on a tie); move odd results down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
