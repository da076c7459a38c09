/**
 * The dequantization factor of a column folds its polarity, weight scale, slice weight and
 * ADC step into one number (design; README "How a layer is mapped"):
 *
 *   f_col = ±s_w · 2^(c(n−1−s)) · Δ_col            y[o] += s_a · f_col · 2^(d·k) · code
 *
 * evaluated as w_col · Δ_col with the column's weight part w_col = ±s_w · 2^(c(n−1−s)) — in
 * exactly that order, since plans carry the resulting doubles.
 */
import type { CimMapping } from './annotations.js';

/** The columns and geometry a column's weight part depends on. */
export type ColumnLayout = Pick<CimMapping, 'bits' | 'columns' | 'rowTiles' | 'channelsPerGroup'>;

/**
 * w_col = ±s_w · 2^(c(n−1−s)) per column: its polarity, the weight scale of its (row tile t,
 * local output channel o) — weightScale is [rowTiles, Ng] — and slice s of n, c-bit cells.
 */
export function columnWeightFactors(m: ColumnLayout, weightScale: Float64Array): Float64Array {
  const { bits, columns } = m;
  const ng = m.channelsPerGroup;
  const out = new Float64Array(columns.rowTile.length);
  for (let c = 0; c < out.length; c++) {
    const t = columns.rowTile[c];
    const ol = columns.outChannel[c] - m.rowTiles[t].group * ng;
    const sliceWeight = 2 ** (bits.cell * (bits.slices - 1 - columns.slice[c]));
    out[c] = columns.polarity[c] * weightScale[t * ng + ol] * sliceWeight;
  }
  return out;
}

/**
 * The weight parts recovered from factors already computed, w_col = f_col / Δ_col: how
 * calibrate re-derives them from the analytic factors before applying its own steps. The
 * division need not give back columnWeightFactors' value bit for bit (it may differ in the
 * last place); calibrated plans carry the factors made from these, so calibrate keeps it.
 */
export function columnWeightFactorsOf(dequantFactor: Float64Array, adcStep: Float64Array): Float64Array {
  const out = new Float64Array(dequantFactor.length);
  for (let c = 0; c < out.length; c++) out[c] = dequantFactor[c] / adcStep[c];
  return out;
}

/** f_col = w_col · Δ_col, per column; `out` may be columnWeight itself (overwritten in place). */
export function dequantFactors(columnWeight: Float64Array, adcStep: Float64Array, out: Float64Array = new Float64Array(columnWeight.length)): Float64Array {
  for (let c = 0; c < out.length; c++) out[c] = columnWeight[c] * adcStep[c];
  return out;
}
