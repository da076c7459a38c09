/**
 * The cells of a layer: each column holds the slice (c bits) of its polarity of the integer
 * weights of one (row tile, output channel), u = (stored >> c·(n−1−s)) & (2^c − 1) where stored
 * is q + offset (offset encoding), max(q, 0) (+) or max(−q, 0) (−); with Σq per (row tile,
 * channel) and Σu, Σu² per column (the analytic ADC steps' inputs). The hot loop of a compile:
 * typed arrays only, one small tile buffer reused, nothing allocated per column.
 */
import type { CimMapping } from './annotations.js';
import { quantizeWeight, tileChannelStart, type WeightRange } from './weight-quant.js';

/** The layout a layer's cells follow. */
export type CellLayout = Pick<CimMapping, 'bits' | 'encoding' | 'columns' | 'rowTiles' | 'channelsPerGroup' | 'geometry'>;

export interface LayerCells {
  /** Column after column, each its row tile's rowCount cells. */
  cells: Uint8Array;
  cellOffset: Int32Array;
  /** Per column: Σu and Σu² of its cells. */
  sumU: Float64Array;
  sumU2: Float64Array;
  /** [rowTiles, Ng]: Σq of the tile's rows of the channel. */
  weightSum: Int32Array;
}

/**
 * Writes the integer weights of row tile t, [Ng][rows] (out[ol·rows + i] is row rowStart + i of
 * local channel ol), into `out` (at least Ng·rows long).
 */
export type TileIntegers = (t: number, out: Int32Array) => void;

/**
 * Each row tile's row count and the index of its first weight as plain numbers: the mappings'
 * objects differ in shape from layer to layer, and a property load in a hot loop would make it
 * polymorphic (deoptimized once per new shape).
 */
function tileNumbers(m: CellLayout): { tileRows: Int32Array; tileStart: Float64Array } {
  return {
    tileRows: Int32Array.from(m.rowTiles, (tile) => tile.rowCount),
    tileStart: Float64Array.from(m.rowTiles, (_, t) => tileChannelStart(m, t, 0)),
  };
}

/** Integers by quantizing the float weights: q = clamp(round(w / s), qmin, qmax) with the scale of each (tile, channel). */
export function quantizedTileIntegers(m: CellLayout & Pick<CimMapping, 'weights'>, weightScale: Float64Array, range: WeightRange): TileIntegers {
  const ng = m.channelsPerGroup;
  const w = m.weights;
  const rowsPerGroup = m.geometry.rowsPerGroup;
  const { tileRows, tileStart } = tileNumbers(m);
  return (t, out) => {
    const rows = tileRows[t];
    for (let ol = 0; ol < ng; ol++) {
      const scale = weightScale[t * ng + ol];
      const src = tileStart[t] + ol * rowsPerGroup;
      for (let i = 0, o = ol * rows; i < rows; i++, o++) out[o] = quantizeWeight(w[src + i], scale, range);
    }
  };
}

/**
 * quantizedTileIntegers for max-abs scales per column (the default: key = (row tile, channel)),
 * each scale chosen as its rows are quantized, while they are in cache, instead of in a pass of
 * its own over all weights: s = max|w|/qmax (1 for an all-zero column) as chooseWeightScales
 * gives, written into `weightScale` ([rowTiles, Ng]) tile by tile.
 */
export function columnMaxAbsTileIntegers(m: CellLayout & Pick<CimMapping, 'weights'>, weightScale: Float64Array, range: WeightRange): TileIntegers {
  const ng = m.channelsPerGroup;
  const w = m.weights;
  const rowsPerGroup = m.geometry.rowsPerGroup;
  const { tileRows, tileStart } = tileNumbers(m);
  return (t, out) => {
    const rows = tileRows[t];
    for (let ol = 0; ol < ng; ol++) {
      const src = tileStart[t] + ol * rowsPerGroup;
      let max = 0;
      for (let i = src, end = src + rows; i < end; i++) { const a = Math.abs(w[i]); if (a > max) max = a; }
      const scale = max > 0 ? max / range.qmax : 1;
      weightScale[t * ng + ol] = scale;
      for (let i = 0, o = ol * rows; i < rows; i++, o++) out[o] = quantizeWeight(w[src + i], scale, range);
    }
  };
}

/** The weight column (row tile · Ng + local output channel) that column c cuts its cells from. */
export function weightColumnOf(m: Pick<CimMapping, 'columns' | 'rowTiles' | 'channelsPerGroup'>, c: number): number {
  const t = m.columns.rowTile[c];
  return t * m.channelsPerGroup + m.columns.outChannel[c] - m.rowTiles[t].group * m.channelsPerGroup;
}

/** weightColumnOf of every column, in one pass over typed arrays (no per-column object loads). */
export function weightColumns(m: Pick<CimMapping, 'columns' | 'rowTiles' | 'channelsPerGroup'>): Int32Array {
  const ng = m.channelsPerGroup;
  const tileBase = Int32Array.from(m.rowTiles, (tile, t) => t * ng - tile.group * ng);
  const { rowTile, outChannel } = m.columns;
  const out = new Int32Array(rowTile.length);
  for (let c = 0; c < out.length; c++) out[c] = tileBase[rowTile[c]] + outChannel[c];
  return out;
}

/** Σu and Σu² of one column, returned without allocating per column. */
const columnSums = { s1: 0, s2: 0 };

/**
 * Cuts one column's cells from `count` integer weights. One loop per polarity keeps the
 * per-weight branch out of the hot loop.
 */
function cutColumn(q: Int32Array, src: number, count: number, cells: Uint8Array, dst: number, polarity: number, offset: number, shift: number, mask: number): typeof columnSums {
  let s1 = 0;
  let s2 = 0;
  const end = src + count;
  // Branch-free: v & ~(v >> 31) is max(v, 0) for int32 v (weights have random signs, so a
  // branch here mispredicts on every other weight and costs 5× the loop).
  if (polarity === 0) {
    for (let i = src, o = dst; i < end; i++, o++) { const u = ((q[i] + offset) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  } else if (polarity > 0) {
    for (let i = src, o = dst; i < end; i++, o++) { const v = q[i]; const u = ((v & ~(v >> 31)) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  } else {
    for (let i = src, o = dst; i < end; i++, o++) { const v = -q[i]; const u = ((v & ~(v >> 31)) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  }
  columnSums.s1 = s1;
  columnSums.s2 = s2;
  return columnSums;
}

/** Offset of each column's cells: columns in order, each its row tile's rowCount cells. */
export function cellOffsets(m: Pick<CimMapping, 'columns' | 'rowTiles'>): { cellOffset: Int32Array; total: number } {
  const cols = m.columns.array.length;
  const cellOffset = new Int32Array(cols);
  const tileRows = Int32Array.from(m.rowTiles, (tile) => tile.rowCount);
  const rowTile = m.columns.rowTile;
  let total = 0;
  for (let c = 0; c < cols; c++) {
    cellOffset[c] = total;
    total += tileRows[rowTile[c]];
  }
  return { cellOffset, total };
}

/**
 * Whether four cells can be cut at once from 32-bit words of four 8-bit stored values: every
 * stored value (max(±q, 0) or q + offset of q in [qmin, qmax]) fits a byte, no cell reaches past
 * its byte (shift + cell bits ≤ 8), and four cells sum below 256 (one multiply adds a word's bytes).
 */
function bytewiseCells(range: WeightRange, bits: CellLayout['bits'], encoding: CellLayout['encoding']): boolean {
  const top = encoding === 'offset' ? range.qmax + range.weightOffset : Math.max(range.qmax, -range.qmin);
  const bottom = encoding === 'offset' ? range.qmin + range.weightOffset : 0;
  return bottom >= 0 && top < 256 && bits.cell * bits.slices <= 8 && 4 * (2 ** bits.cell - 1) < 256;
}

const squarePairTables = new Map<number, Uint16Array>();

/** u0² + u1² of the two bytes of a 16-bit value whose bytes are cells below 2^cellBits (made once per cell width). */
function squarePairTable(cellBits: number): Uint16Array {
  const known = squarePairTables.get(cellBits);
  if (known) return known;
  const n = 2 ** cellBits;
  const table = new Uint16Array(65536);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) table[a | (b << 8)] = a * a + b * b;
  squarePairTables.set(cellBits, table);
  return table;
}

const max0 = (v: number) => v & ~(v >> 31); // max(v, 0) for int32 v, without a branch

/**
 * Cuts every column of a layer from its integer weights, tile by tile; `cells` (of
 * cellOffsets' total) may be handed in, e.g. shared memory a worker fills. Integers outside
 * [qmin, qmax] are cut too (by the per-cell loop), as the cell formula says.
 */
export function cutLayerCells(m: CellLayout, integers: TileIntegers, range: WeightRange, cells?: Uint8Array): LayerCells {
  const { bits } = m;
  const ng = m.channelsPerGroup;
  const tiles = m.rowTiles.length;
  const cols = m.columns.array.length;
  const { cellOffset, total } = cellOffsets(m);
  // The columns of each weight column (row tile t, local channel ol): its slices and polarities.
  const weightColumnCount = tiles * ng;
  const firstCol = new Int32Array(weightColumnCount + 1);
  const colOfWeight = new Int32Array(cols);
  const weightColumn = weightColumns(m);
  for (let c = 0; c < cols; c++) firstCol[weightColumn[c] + 1]++;
  for (let i = 0; i < weightColumnCount; i++) firstCol[i + 1] += firstCol[i];
  const fill = firstCol.slice(0, weightColumnCount);
  for (let c = 0; c < cols; c++) colOfWeight[fill[weightColumn[c]]++] = c;
  const offsetEncoding = m.encoding === 'offset';
  const shiftOf = new Int32Array(cols);
  const polarityOf = new Int32Array(cols);
  const { slice, polarity: columnPolarity } = m.columns;
  for (let c = 0; c < cols; c++) {
    shiftOf[c] = bits.cell * (bits.slices - 1 - slice[c]);
    polarityOf[c] = offsetEncoding ? 0 : columnPolarity[c];
  }
  const cellMask = 2 ** bits.cell - 1;
  const offset = range.weightOffset;
  const { qmin, qmax } = range;
  const bytewise = bytewiseCells(range, bits, m.encoding);
  const maskBytes = Math.imul(cellMask, 0x01010101);
  const squares = bytewise ? squarePairTable(bits.cell) : new Uint16Array(0);

  const out = cells ?? new Uint8Array(total);
  // Word stores where a column starts on a 4-byte boundary of the cell buffer, half-word stores
  // where it starts on a 2-byte one (rows of 126, 18, … put every other column there).
  const outWords = out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, out.byteLength >> 2) : undefined;
  const outHalves = out.byteOffset % 2 === 0 ? new Uint16Array(out.buffer, out.byteOffset, out.byteLength >> 1) : undefined;
  const sumU = new Float64Array(cols);
  const sumU2 = new Float64Array(cols);
  const weightSum = new Int32Array(weightColumnCount);
  const maxRows = m.rowTiles.reduce((n, tile) => Math.max(n, tile.rowCount), 0);
  // One tile's integers, [channel][row]: small enough to stay in cache while its columns are cut.
  const qTile = new Int32Array(maxRows * ng);
  // One weight column's stored values, four to a word (byte i of word k: row 4k + i), by polarity:
  // + holds max(q, 0) (q + offset under offset encoding), − holds max(−q, 0).
  const wordCount = (maxRows + 3) >> 2;
  const plus = new Uint32Array(wordCount);
  const minus = new Uint32Array(wordCount);
  const tileRows = Int32Array.from(m.rowTiles, (tile) => tile.rowCount);
  for (let t = 0; t < tiles; t++) {
    const rows = tileRows[t];
    const words = (rows + 3) >> 2;
    integers(t, qTile);
    for (let ol = 0; ol < ng; ol++) {
      const wi = t * ng + ol;
      const base = ol * rows;
      let sum = 0;
      let lo = qmax;
      let hi = qmin;
      for (let i = base, end = base + rows; i < end; i++) { const q = qTile[i]; sum += q; lo = q < lo ? q : lo; hi = q > hi ? q : hi; }
      weightSum[wi] = sum;
      const fast = bytewise && lo >= qmin && hi <= qmax;
      if (fast) {
        const full = rows >> 2;
        if (offsetEncoding) {
          for (let k = 0, i = base; k < full; k++, i += 4) {
            plus[k] = (qTile[i] + offset) | ((qTile[i + 1] + offset) << 8) | ((qTile[i + 2] + offset) << 16) | ((qTile[i + 3] + offset) << 24);
          }
        } else {
          for (let k = 0, i = base; k < full; k++, i += 4) {
            const q0 = qTile[i];
            const q1 = qTile[i + 1];
            const q2 = qTile[i + 2];
            const q3 = qTile[i + 3];
            plus[k] = max0(q0) | (max0(q1) << 8) | (max0(q2) << 16) | (max0(q3) << 24);
            minus[k] = max0(-q0) | (max0(-q1) << 8) | (max0(-q2) << 16) | (max0(-q3) << 24);
          }
        }
        if (full < words) {
          let p = 0;
          let n = 0;
          for (let i = 4 * full, b = 0; i < rows; i++, b += 8) {
            const q = qTile[base + i];
            if (offsetEncoding) p |= (q + offset) << b;
            else { p |= max0(q) << b; n |= max0(-q) << b; }
          }
          plus[full] = p;
          minus[full] = n;
        }
      }
      for (let j = firstCol[wi]; j < firstCol[wi + 1]; j++) {
        const c = colOfWeight[j];
        const dst = cellOffset[c];
        const polarity = polarityOf[c];
        const shift = shiftOf[c];
        if (!fast) {
          const sums = cutColumn(qTile, base, rows, out, dst, polarity, offset, shift, cellMask);
          sumU[c] = sums.s1;
          sumU2[c] = sums.s2;
          continue;
        }
        const src = polarity < 0 ? minus : plus;
        // Σu and Σu² four cells at a time (bytes past the last row are 0 and add nothing).
        let s1 = 0;
        let s2 = 0;
        const full = rows >> 2;
        if (outWords && (dst & 3) === 0) {
          const d = dst >> 2;
          for (let k = 0; k < full; k++) {
            const x = (src[k] >>> shift) & maskBytes;
            outWords[d + k] = x;
            s1 += Math.imul(x, 0x01010101) >>> 24;
            s2 += squares[x & 0xffff] + squares[x >>> 16];
          }
        } else if (outHalves && (dst & 1) === 0) {
          const d = dst >> 1;
          for (let k = 0; k < full; k++) {
            const x = (src[k] >>> shift) & maskBytes;
            outHalves[d + 2 * k] = x;
            outHalves[d + 2 * k + 1] = x >>> 16;
            s1 += Math.imul(x, 0x01010101) >>> 24;
            s2 += squares[x & 0xffff] + squares[x >>> 16];
          }
        } else {
          for (let k = 0; k < full; k++) {
            const x = (src[k] >>> shift) & maskBytes;
            const o = dst + 4 * k;
            out[o] = x; out[o + 1] = x >>> 8; out[o + 2] = x >>> 16; out[o + 3] = x >>> 24;
            s1 += Math.imul(x, 0x01010101) >>> 24;
            s2 += squares[x & 0xffff] + squares[x >>> 16];
          }
        }
        if (full < words) {
          const x = (src[full] >>> shift) & maskBytes;
          s1 += Math.imul(x, 0x01010101) >>> 24;
          s2 += squares[x & 0xffff] + squares[x >>> 16];
          for (let i = full * 4, b = 0; i < rows; i++, b += 8) out[dst + i] = x >>> b;
        }
        sumU[c] = s1;
        sumU2[c] = s2;
      }
    }
  }
  return { cells: out, cellOffset, sumU, sumU2, weightSum };
}
