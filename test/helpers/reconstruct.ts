/** Rebuilds every weight of a layer from its cells and compares it with an independent quantization. */
import { expect } from 'vitest';
import type { CimNodeAnnotation } from '../../compiler/cim/annotations.js';

/** Independent reference: round half to even, clamp. */
export function refQuant(w: number, s: number, lo: number, hi: number): number {
  const x = w / s;
  let r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) r = 2 * Math.round(x / 2);
  return Math.min(hi, Math.max(lo, r));
}

/** Rebuilds every weight from cells and checks it against an independent quantization. */
export function checkReconstruction(cim: CimNodeAnnotation): { columns: number; weights: number } {
  const m = cim.mapping!;
  const q = cim.quant!;
  const { cell, slices, weight } = m.bits;
  const ng = m.channelsPerGroup;
  const k = m.geometry.rowsPerGroup;
  const lo = m.encoding === 'differential' ? -(2 ** weight - 1) : -(2 ** (weight - 1));
  const hi = m.encoding === 'differential' ? 2 ** weight - 1 : 2 ** (weight - 1) - 1;
  const rebuilt = new Float64Array(m.matrix.length);
  let offset = 0;
  for (let c = 0; c < m.columns.array.length; c++) {
    const tile = m.rowTiles[m.columns.rowTile[c]];
    const ol = m.columns.outChannel[c] - tile.group * ng;
    const sliceWeight = 2 ** (cell * (slices - 1 - m.columns.slice[c]));
    for (let r = 0; r < tile.rowCount; r++) {
      rebuilt[tile.group * k * ng + (tile.rowStart + r) * ng + ol] += m.columns.polarity[c] * sliceWeight * q.cells[offset + r];
    }
    offset += tile.rowCount;
  }
  expect(offset).toBe(q.cells.length);
  let weights = 0;
  for (let t = 0; t < m.rowTiles.length; t++) {
    const tile = m.rowTiles[t];
    for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
      for (let ol = 0; ol < ng; ol++) {
        const idx = tile.group * k * ng + r * ng + ol;
        const s = q.weightScale[t * ng + ol];
        let integer = rebuilt[idx];
        if (m.encoding === 'offset') integer -= 2 ** (weight - 1);
        const expected = refQuant(m.matrix[idx], s, lo, hi);
        if (integer !== expected) throw new Error(`weight ${idx} (tile ${t}, channel ${ol}): cells give ${integer}, expected ${expected}`);
        weights++;
      }
    }
  }
  return { columns: m.columns.array.length, weights };
}

