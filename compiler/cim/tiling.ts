/** Row tiles, column tiles, slices and polarities: where every weight cell goes (design §3). */
import { CimcError } from '../../base/diagnostics.js';
import type { PhysicalArray, RowTile } from '../../plan/types.js';
import type { CimMapping } from './annotations.js';

export interface TilingInput {
  groups: number;
  /** K per group. */
  rowsPerGroup: number;
  /** Output channels per group. */
  channelsPerGroup: number;
  kernelArea: number;
  rows: number;
  cols: number;
  slices: number;
  polarities: 1 | 2;
  tiling: 'whole-kernel' | 'dense';
  sliceLayout: 'separate' | 'adjacent';
  packGroups: boolean;
}

export interface TilingResult {
  tiling: 'whole-kernel' | 'dense';
  packGroups: boolean;
  rowTiles: RowTile[];
  colTiles: number;
  arrays: PhysicalArray[];
  columns: CimMapping['columns'];
  weightBlock: Int32Array;
  notes: string[];
}

/** Row tiles of one group: whole input channels per tile, or dense chunks of R rows. */
export function groupRowTiles(group: number, k: number, kernelArea: number, rows: number, tiling: 'whole-kernel' | 'dense'): RowTile[] {
  const tiles: RowTile[] = [];
  const step = tiling === 'whole-kernel' ? Math.floor(rows / kernelArea) * kernelArea : rows;
  for (let start = 0; start < k; start += step) tiles.push({ group, rowStart: start, rowCount: Math.min(step, k - start) });
  return tiles;
}

/** The per-column tables, grown in place (typed arrays: JS number arrays cost ~30 ms on ResNet-18). */
class ColumnBuilder {
  /** array, arrayColumn, rowTile, outChannel, slice, polarity */
  private data: Int32Array[] = Array.from({ length: 6 }, () => new Int32Array(1024));
  private length = 0;
  push(array: number, arrayColumn: number, rowTile: number, outChannel: number, slice: number, polarity: number): void {
    if (this.length === this.data[0].length) {
      this.data = this.data.map((a) => { const b = new Int32Array(a.length * 2); b.set(a); return b; });
    }
    const i = this.length++;
    const d = this.data;
    d[0][i] = array; d[1][i] = arrayColumn; d[2][i] = rowTile; d[3][i] = outChannel; d[4][i] = slice; d[5][i] = polarity;
  }
  build(): CimMapping['columns'] {
    const [array, arrayColumn, rowTile, outChannel, slice, polarity] = this.data.map((a) => a.slice(0, this.length));
    return { array, arrayColumn, rowTile, outChannel, slice, polarity };
  }
}

export function tileLayer(t: TilingInput): TilingResult {
  const notes: string[] = [];
  let tiling = t.tiling;
  if (tiling === 'whole-kernel' && t.kernelArea > t.rows) {
    notes.push(`kernel needs ${t.kernelArea} rows per input channel but the array has ${t.rows}: fell back to dense tiling (kernels cut across arrays)`);
    tiling = 'dense';
  }
  const sp = t.slices * t.polarities;
  const polaritySigns = t.polarities === 2 ? [1, -1] : [1];
  // Columns one output channel takes inside one array.
  const colsPerChannel = t.sliceLayout === 'adjacent' ? sp : 1;
  if (colsPerChannel > t.cols) {
    throw new CimcError('CIM2005', `adjacent slice layout needs ${colsPerChannel} columns per output channel, the array has ${t.cols}`);
  }
  const channelsPerArray = Math.floor(t.cols / colsPerChannel);
  const ng = t.channelsPerGroup;

  const rowTiles: RowTile[] = [];
  const tilesOfGroup: number[][] = [];
  for (let g = 0; g < t.groups; g++) {
    const start = rowTiles.length;
    rowTiles.push(...groupRowTiles(g, t.rowsPerGroup, t.kernelArea, t.rows, tiling));
    tilesOfGroup.push(Array.from({ length: rowTiles.length - start }, (_, i) => start + i));
  }
  const colTiles = Math.ceil(ng / channelsPerArray);
  const arrays: PhysicalArray[] = [];
  const cols = new ColumnBuilder();
  const weightBlock = new Int32Array(rowTiles.length * ng);
  let blockCount = 0;

  // Block-diagonal packing of small groups: one row tile and one column tile per group.
  const packable = t.packGroups && t.groups > 1 && t.rowsPerGroup <= t.rows && ng <= channelsPerArray;
  if (t.packGroups && t.groups > 1 && !packable) notes.push('groups too large for block-diagonal packing: mapped group by group');
  if (packable) {
    const perArray = Math.max(1, Math.min(Math.floor(t.rows / t.rowsPerGroup), Math.floor(channelsPerArray / ng)));
    for (let g0 = 0; g0 < t.groups; g0 += perArray) {
      const members = Array.from({ length: Math.min(perArray, t.groups - g0) }, (_, i) => g0 + i);
      const block = blockCount++;
      const layouts = t.sliceLayout === 'separate' ? t.slices * t.polarities : 1;
      for (let a = 0; a < layouts; a++) {
        const arrayIndex = arrays.length;
        let colInArray = 0;
        for (const g of members) {
          const tile = tilesOfGroup[g][0];
          for (let ol = 0; ol < ng; ol++) {
            weightBlock[tile * ng + ol] = block;
            if (t.sliceLayout === 'separate') {
              cols.push(arrayIndex, colInArray++, tile, g * ng + ol, Math.floor(a / t.polarities), polaritySigns[a % t.polarities]);
            } else {
              for (let s = 0; s < t.slices; s++) for (const p of polaritySigns) cols.push(arrayIndex, colInArray++, tile, g * ng + ol, s, p);
            }
          }
        }
        arrays.push({ id: -1, rowsUsed: members.length * t.rowsPerGroup, colsUsed: colInArray, rowTiles: members.map((g) => tilesOfGroup[g][0]) });
      }
    }
  } else {
    for (let g = 0; g < t.groups; g++) {
      for (const tile of tilesOfGroup[g]) {
        const rowsUsed = rowTiles[tile].rowCount;
        for (let ct = 0; ct < colTiles; ct++) {
          const o0 = ct * channelsPerArray;
          const o1 = Math.min(ng, o0 + channelsPerArray);
          const block = blockCount++;
          for (let ol = o0; ol < o1; ol++) weightBlock[tile * ng + ol] = block;
          if (t.sliceLayout === 'separate') {
            for (let s = 0; s < t.slices; s++) {
              for (const p of polaritySigns) {
                const arrayIndex = arrays.length;
                for (let ol = o0; ol < o1; ol++) cols.push(arrayIndex, ol - o0, tile, g * ng + ol, s, p);
                arrays.push({ id: -1, rowsUsed, colsUsed: o1 - o0, rowTiles: [tile] });
              }
            }
          } else {
            const arrayIndex = arrays.length;
            let c = 0;
            for (let ol = o0; ol < o1; ol++) for (let s = 0; s < t.slices; s++) for (const p of polaritySigns) cols.push(arrayIndex, c++, tile, g * ng + ol, s, p);
            arrays.push({ id: -1, rowsUsed, colsUsed: c, rowTiles: [tile] });
          }
        }
      }
    }
  }
  return { tiling, packGroups: packable, rowTiles, colTiles, arrays, columns: cols.build(), weightBlock, notes };
}
