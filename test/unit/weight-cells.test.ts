/**
 * compiler/cim/weight-cells.ts cuts four cells at a time from packed words when the integers
 * allow it; here every cell, Σq, Σu and Σu² is checked against the cell formula evaluated one
 * cell at a time (u = (stored >> c·(n−1−s)) & (2^c − 1)), for encodings, cell widths, row counts
 * that are not multiples of 4 (unaligned columns) and integers outside [qmin, qmax].
 */
import { describe, expect, it } from 'vitest';
import { columnMaxAbsTileIntegers, cutLayerCells, quantizedTileIntegers, type CellLayout, type TileIntegers } from '../../compiler/cim/weight-cells.js';
import { tileLayer } from '../../compiler/cim/tiling.js';
import { chooseWeightScales, weightKeys, weightRange } from '../../compiler/cim/weight-quant.js';
import { uniformSource } from '../../base/random.js';

interface Case { weightBits: number; cellBits: number; encoding: 'differential' | 'offset'; k: number; ng: number; rows: number; wild?: boolean }

function layout(c: Case): CellLayout {
  const slices = Math.ceil(c.weightBits / c.cellBits);
  const tiled = tileLayer({
    groups: 1, rowsPerGroup: c.k, channelsPerGroup: c.ng, kernelArea: 1, rows: c.rows, cols: 64,
    slices, polarities: c.encoding === 'differential' ? 2 : 1, tiling: 'dense', sliceLayout: 'separate', packGroups: false,
  });
  return {
    bits: { weight: c.weightBits, activation: 4, dac: 4, cell: c.cellBits, adc: 4, adcLevels: 16, slices, cycles: 1 },
    encoding: c.encoding, columns: tiled.columns, rowTiles: tiled.rowTiles, channelsPerGroup: c.ng,
    geometry: { kind: 'matmul', inFeatures: c.k, outFeatures: c.ng, transposeInput: false, inputShape: [1, c.k], outputShape: [1, c.ng], rowsPerGroup: c.k, groups: 1 },
  };
}

describe('cutLayerCells', () => {
  const cases: Case[] = [
    { weightBits: 4, cellBits: 2, encoding: 'differential', k: 300, ng: 9, rows: 126 },
    { weightBits: 4, cellBits: 2, encoding: 'offset', k: 257, ng: 5, rows: 128 },
    { weightBits: 8, cellBits: 4, encoding: 'differential', k: 130, ng: 3, rows: 27 },
    { weightBits: 8, cellBits: 1, encoding: 'offset', k: 99, ng: 4, rows: 49 },
    { weightBits: 7, cellBits: 3, encoding: 'differential', k: 70, ng: 6, rows: 33 },
    { weightBits: 8, cellBits: 8, encoding: 'differential', k: 64, ng: 2, rows: 64 },
    { weightBits: 12, cellBits: 4, encoding: 'offset', k: 50, ng: 3, rows: 50 },
    { weightBits: 4, cellBits: 2, encoding: 'differential', k: 200, ng: 7, rows: 126, wild: true },
  ];
  for (const c of cases) {
    it(`${c.weightBits}-bit weights, ${c.cellBits}-bit cells, ${c.encoding}, ${c.rows} rows${c.wild ? ', integers out of range' : ''}`, () => {
      const m = layout(c);
      const range = weightRange(c.weightBits, c.encoding);
      const rand = uniformSource(c.k * 31 + c.ng);
      const span = range.qmax - range.qmin + 1;
      // q[t][ol][i], drawn once; some integers past the range when `wild` (the formula still defines their cells).
      const q = m.rowTiles.map((t) => Int32Array.from({ length: c.ng * t.rowCount }, () => {
        const v = range.qmin + Math.floor(rand() * span);
        return c.wild && rand() < 0.02 ? v * 3 : v;
      }));
      const integers: TileIntegers = (t, out) => out.set(q[t]);
      const got = cutLayerCells(m, integers, range);
      const mask = 2 ** c.cellBits - 1;
      for (let col = 0; col < m.columns.array.length; col++) {
        const t = m.columns.rowTile[col];
        const ol = m.columns.outChannel[col];
        const rows = m.rowTiles[t].rowCount;
        const shift = c.cellBits * (m.bits.slices - 1 - m.columns.slice[col]);
        const p = m.columns.polarity[col];
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < rows; i++) {
          const v = q[t][ol * rows + i];
          const stored = c.encoding === 'offset' ? v + range.weightOffset : p > 0 ? Math.max(v, 0) : Math.max(-v, 0);
          const u = (stored >> shift) & mask;
          expect(got.cells[got.cellOffset[col] + i]).toBe(u);
          s1 += u;
          s2 += u * u;
        }
        expect(got.sumU[col]).toBe(s1);
        expect(got.sumU2[col]).toBe(s2);
      }
      for (let t = 0; t < m.rowTiles.length; t++) {
        for (let ol = 0; ol < c.ng; ol++) {
          const rows = m.rowTiles[t].rowCount;
          expect(got.weightSum[t * c.ng + ol]).toBe(q[t].subarray(ol * rows, (ol + 1) * rows).reduce((a, b) => a + b, 0));
        }
      }
    });
  }
});

describe('max-abs column scales chosen while quantizing (columnMaxAbsTileIntegers)', () => {
  it('gives the scales and integers of chooseWeightScales + quantizedTileIntegers, all-zero columns included', () => {
    const c: Case = { weightBits: 4, cellBits: 2, encoding: 'differential', k: 300, ng: 9, rows: 126 };
    const m = layout(c);
    const rnd = uniformSource(7);
    const weights = Float32Array.from({ length: c.k * c.ng }, () => (rnd() - 0.5) * 3);
    weights.fill(0, 2 * c.k, 3 * c.k); // channel 2: every tile's column is zero (scale 1)
    const mw = { ...m, weights, weightBlock: new Int32Array(m.rowTiles.length * c.ng) };
    const range = weightRange(c.weightBits, c.encoding);
    const keys = weightKeys(mw, 'column');
    const expected = chooseWeightScales(mw, keys, range, 'maxabs');
    const reference = quantizedTileIntegers(mw, expected, range);
    const got = new Float64Array(expected.length);
    const fused = columnMaxAbsTileIntegers(mw, got, range);
    const rows = Math.max(...m.rowTiles.map((t) => t.rowCount));
    for (let t = 0; t < m.rowTiles.length; t++) {
      const a = new Int32Array(rows * c.ng);
      const b = new Int32Array(rows * c.ng);
      reference(t, a);
      fused(t, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    expect(Array.from(got)).toEqual(Array.from(expected));
    expect(got[2]).toBe(1);
  });
});
