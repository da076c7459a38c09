/**
 * Where float32 is exact: integer sums below 2^24 (the MACs of onnxruntime's float32 Conv and
 * MatMul), and ADC codes computed in float32 that equal the reference's float64 ones.
 */
import { CimcError } from '../../base/diagnostics.js';
import { clamp, roundHalfEvenInt } from '../../base/rounding.js';
import type { CimLayer } from '../../plan/types.js';
import type { LayerCells } from './layer-cells.js';

/** Integer sums stay exact in float32 below this. */
export const exactFloat32 = 2 ** 24;

/**
 * Whether clamp(round(M / Δ)) computed in float32 (Δ rounded to float32, a correctly rounded
 * float32 quotient) equals the reference's float64 code for every integer 0 ≤ M ≤ macMax. Both
 * are non-decreasing steps of M whose jumps sit within ±2 of (k − ½)·Δ (the two quotients differ
 * by < 2^−23 relative and M < 2^24), so comparing M around every boundary decides it.
 */
export function float32AdcIsExact(step: number, macMax: number, codeMax: number): boolean {
  const s32 = Math.fround(step);
  if (!(s32 > 0) || !Number.isFinite(s32) || macMax >= exactFloat32) return false;
  for (let k = 1; k <= codeMax; k++) {
    const edge = Math.floor((k - 0.5) * step);
    if (edge - 2 > macMax) break;
    const hi = Math.min(macMax, edge + 2);
    for (let m = Math.max(0, edge - 2); m <= hi; m++) {
      const code64 = roundHalfEvenInt(m / step);
      // A float64 quotient of two float32 values rounded to float32 is the correctly rounded float32 quotient.
      const code32 = roundHalfEvenInt(Math.fround(m / s32));
      // Plain loop, no closures: this runs for every column of every layer (380 k on ResNet-18).
      if (code64 !== code32 && clamp(code64, 0, codeMax) !== clamp(code32, 0, codeMax)) return false;
    }
  }
  return true;
}

export interface MacBounds {
  /** The largest MAC an input cycle can produce. */
  macMax: number;
  /** The largest driven input plane an input cycle applies. */
  planeMax: number;
}

/**
 * The layer's MAC bounds; every MAC (and Σx') must be an integer below 2^24 for float32 to hold
 * it exactly, else CIM4005 (the reference engine computes such layers in float64).
 */
export function macBounds(layer: CimLayer, p: LayerCells): MacBounds {
  const fail = (message: string): never => {
    throw new CimcError('CIM4005', message, { node: layer.name, opType: layer.opType });
  };
  const d = p.data;
  const cellMax = 2 ** d.bits.cell - 1;
  const maxRows = d.rowTiles.reduce((m, t) => Math.max(m, t.rowCount), 0);
  const xDriven = d.activation.qmax + d.activation.inputOffset;
  const planeMax = Math.min(2 ** d.bits.dac - 1, xDriven);
  const mac = maxRows * planeMax * Math.min(cellMax, Math.ceil(p.cellPeak));
  if (mac >= exactFloat32) {
    fail(`the largest MAC (${maxRows} rows × ${planeMax} × ${cellMax} = ${mac}) reaches 2^24: float32 convolutions in onnxruntime would not be exact; use the reference engine`);
  }
  if (d.weightOffset !== 0 && maxRows * xDriven >= exactFloat32) {
    fail(`Σx' over ${maxRows} rows can reach ${maxRows * xDriven} ≥ 2^24: not exact in float32; use the reference engine`);
  }
  return { macMax: mac, planeMax };
}
