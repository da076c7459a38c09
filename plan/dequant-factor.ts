/**
 * A column's dequantization factor from the layer's other tensors (plan version 3 lets a plan
 * leave the factors out, plan/types.ts):
 *
 *   w_col = (polarity[col] · weightScale[t, j]) · 2^(c·(n−1−s))      t = rowTile[col], s = slice[col],
 *   f_col = w_col · adcStep[col]                                       j = outChannel[col] − group(t)·Ng
 *
 * float64, in exactly this order: the compiler makes its factors with these functions
 * (compiler/cim/dequant-factor.ts), so a factor derived by a reader is the factor it stored.
 * (Only the last product rounds: ±1 and a power of two scale a double exactly, barring
 * overflow.) Calibrated plans make theirs from the analytic factors instead and so store them.
 */
import type { CimLayerBits, RowTile } from './types.js';

/** What a column's weight part depends on. */
export interface ColumnWeightLayout {
  bits: Pick<CimLayerBits, 'cell' | 'slices'>;
  columns: { rowTile: ArrayLike<number>; outChannel: ArrayLike<number>; slice: ArrayLike<number>; polarity: ArrayLike<number> };
  rowTiles: readonly Pick<RowTile, 'group'>[];
  channelsPerGroup: number;
}

/** w_col = ±s_w · 2^(c(n−1−s)) per column; weightScale is [rowTiles, Ng]. */
export function columnWeightFactors(m: ColumnWeightLayout, weightScale: Float64Array): Float64Array {
  const { bits, columns } = m;
  const ng = m.channelsPerGroup;
  const out = new Float64Array(columns.rowTile.length);
  for (let c = 0; c < out.length; c++) {
    const t = columns.rowTile[c];
    // A column naming no tile (a tampered plan, refused later by validateLayer) gets NaN.
    const ol = columns.outChannel[c] - (m.rowTiles[t]?.group ?? NaN) * ng;
    const sliceWeight = 2 ** (bits.cell * (bits.slices - 1 - columns.slice[c]));
    out[c] = columns.polarity[c] * weightScale[t * ng + ol] * sliceWeight;
  }
  return out;
}

/** f_col = w_col · Δ_col, per column; `out` may be columnWeight itself (overwritten in place). */
export function dequantFactors(columnWeight: Float64Array, adcStep: Float64Array, out: Float64Array = new Float64Array(columnWeight.length)): Float64Array {
  for (let c = 0; c < out.length; c++) out[c] = columnWeight[c] * adcStep[c];
  return out;
}

/** The factors a version-3 plan leaves out: dequantFactors(columnWeightFactors(…), adcStep). */
export function derivedDequantFactors(m: ColumnWeightLayout, weightScale: Float64Array, adcStep: Float64Array): Float64Array {
  return dequantFactors(columnWeightFactors(m, weightScale), adcStep);
}

/** Whether two factor arrays hold the same doubles bit for bit (NaN payloads and −0 included). */
export function sameFactors(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, 2 * a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
