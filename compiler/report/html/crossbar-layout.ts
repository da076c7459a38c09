/**
 * What the HTML report draws for one CIM layer's crossbars, computed from the plan's per-column
 * tensors (`columns.array`, `arrayColumn`, `rowTile`, `outChannel`, `slice`, `polarity`).
 *
 * Every physical array becomes a list of filled rectangles ("segments") on its R×C cells: runs of
 * adjacent columns holding the same row tile, slice and polarity. A column of row tile t occupies
 * that tile's rowCount rows; under block-diagonal packing an array's row tiles are stacked in the
 * order of `array.rowTiles`. Arrays with identical segments share one "shape".
 *
 * Arrays are grouped into blocks: consecutive arrays holding the same row tiles and output
 * channels (the slice × polarity copies of one weight block under the separate layout). Up to
 * `maxArrays` arrays are listed one by one; a larger layer is summarised by block kinds (blocks
 * with the same shapes), each drawn once with its count, so the page stays small and fast.
 */
import type { LoadedPlan, PlanTypedArray } from '../../../plan/reader.js';
import type { CimLayer } from '../../../plan/types.js';

/** [first column, columns, first row, rows, slice, polarity (+1 / −1)]. */
export type Segment = [number, number, number, number, number, number];

export interface ArrayShape {
  rowsUsed: number;
  colsUsed: number;
  segments: Segment[];
}

export interface DrawnArray {
  /** Chip-wide array id. */
  id: number;
  /** Index into `LayerCrossbars.shapes`. */
  shape: number;
}

export interface CrossbarBlock {
  /** What the block holds, e.g. "row tile 2 · in ch 28–41 → out ch 0–63". */
  label: string;
  arrays: DrawnArray[];
}

export interface BlockKind {
  /** Shape index of each array of one such block. */
  shapes: number[];
  /** Blocks of this kind. */
  blocks: number;
  /** Arrays of this kind (blocks × arrays per block). */
  arrays: number;
  /** The first block's label. */
  example: string;
  /** Array ids of this kind as ranges, e.g. "100–243, 300–311" (truncated). */
  ids: string;
}

export interface LayerCrossbars {
  /** Index into plan.layers. */
  layer: number;
  rows: number;
  cols: number;
  arrays: number;
  usedCells: number;
  totalCells: number;
  shapes: ArrayShape[];
  /** 'arrays': every array drawn (`blocks`); 'kinds': one block per kind (`kinds`). */
  mode: 'arrays' | 'kinds';
  blocks: CrossbarBlock[];
  kinds: BlockKind[];
  /** Kinds (and their arrays) not drawn because of `maxKinds`. */
  omittedKinds: number;
  omittedArrays: number;
}

export interface CrossbarLayoutOptions {
  /** Layers with more arrays are summarised by block kinds. Default 256. */
  maxArrays?: number;
  /** At most this many block kinds are drawn. Default 64. */
  maxKinds?: number;
}

/** "3", "3–7", with an en dash. */
const range = (a: number, b: number): string => (a === b ? String(a) : `${a}–${b}`);

/** Sorted integers as ranges: [1,2,3,7] → "1–3, 7"; at most `max` ranges, then "…". */
export function idRanges(ids: readonly number[], max = 4): string {
  const sorted = [...ids].sort((x, y) => x - y);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (parts.length === max) { parts.push('…'); break; }
    parts.push(range(sorted[i], sorted[j]));
    i = j + 1;
  }
  return parts.join(', ');
}

function kernelArea(layer: CimLayer): number {
  return layer.geometry.kind === 'conv' ? layer.geometry.kernel[0] * layer.geometry.kernel[1] : 1;
}

function inChannelsPerGroup(layer: CimLayer): number {
  const g = layer.geometry;
  return g.kind === 'conv' ? g.inChannels / g.groups : g.inFeatures;
}

/** The input channels (or features) a row tile covers, e.g. "in ch 14–27". */
function rowTileInputs(layer: CimLayer, tile: number): string {
  const t = layer.rowTiles[tile];
  const area = kernelArea(layer);
  const base = t.group * inChannelsPerGroup(layer);
  const first = base + Math.floor(t.rowStart / area);
  const last = base + Math.floor((t.rowStart + t.rowCount - 1) / area);
  const what = layer.geometry.kind === 'conv' ? 'in ch' : 'in features';
  const cut = area > 1 && (t.rowStart % area !== 0 || t.rowCount % area !== 0) ? ` (rows ${range(t.rowStart, t.rowStart + t.rowCount - 1)}, kernels cut)` : '';
  return `${what} ${range(first, last)}${cut}`;
}

function blockLabel(layer: CimLayer, tiles: readonly number[], outLo: number, outHi: number): string {
  const out = `${layer.geometry.kind === 'conv' ? 'out ch' : 'out features'} ${range(outLo, outHi)}`;
  if (tiles.length === 1) {
    const t = tiles[0];
    const group = layer.geometry.groups > 1 ? `group ${layer.rowTiles[t].group} · ` : '';
    return `${group}row tile ${t} · ${rowTileInputs(layer, t)} → ${out}`;
  }
  const groups = tiles.map((t) => layer.rowTiles[t]?.group ?? 0);
  const area = kernelArea(layer);
  const perGroup = inChannelsPerGroup(layer);
  const chans = tiles.flatMap((t) => {
    const rt = layer.rowTiles[t];
    return rt ? [rt.group * perGroup + Math.floor(rt.rowStart / area), rt.group * perGroup + Math.floor((rt.rowStart + rt.rowCount - 1) / area)] : [];
  });
  return `groups ${range(Math.min(...groups), Math.max(...groups))} block-diagonal · in ch ${range(Math.min(...chans), Math.max(...chans))} → ${out}`;
}

const toNumbers = (a: PlanTypedArray): ArrayLike<number> => (a instanceof BigInt64Array ? Array.from(a, (v) => Number(v)) : a);

/** The drawing data of plan.layers[index]. */
export function layerCrossbars(loaded: LoadedPlan, index: number, options: CrossbarLayoutOptions = {}): LayerCrossbars {
  const maxArrays = options.maxArrays ?? 256;
  const maxKinds = options.maxKinds ?? 64;
  const layer = loaded.plan.layers[index];
  const { rows, cols } = loaded.plan.target.array;
  const at = `/layers/${index}/columns`;
  const col = {
    array: toNumbers(loaded.tensor(layer.columns.array, `${at}/array`)),
    arrayColumn: toNumbers(loaded.tensor(layer.columns.arrayColumn, `${at}/arrayColumn`)),
    rowTile: toNumbers(loaded.tensor(layer.columns.rowTile, `${at}/rowTile`)),
    outChannel: toNumbers(loaded.tensor(layer.columns.outChannel, `${at}/outChannel`)),
    slice: toNumbers(loaded.tensor(layer.columns.slice, `${at}/slice`)),
    polarity: toNumbers(loaded.tensor(layer.columns.polarity, `${at}/polarity`)),
  };
  const nArrays = layer.arrays.length;
  // Columns of each array, in column order.
  const byArray: number[][] = Array.from({ length: nArrays }, () => []);
  for (let c = 0; c < col.array.length; c++) {
    const a = col.array[c];
    if (a >= 0 && a < nArrays) byArray[a].push(c);
  }

  const shapes: ArrayShape[] = [];
  const shapeIndex = new Map<string, number>();
  const arrayShape: number[] = [];
  const outRange: [number, number][] = [];
  let usedCells = 0;
  for (let a = 0; a < nArrays; a++) {
    const arr = layer.arrays[a];
    // Row offset of each held row tile inside the array (stacked in array.rowTiles order).
    const rowOffset = new Map<number, number>();
    let off = 0;
    for (const t of arr.rowTiles) { rowOffset.set(t, off); off += layer.rowTiles[t]?.rowCount ?? 0; }
    const columns = byArray[a].sort((x, y) => col.arrayColumn[x] - col.arrayColumn[y]);
    const segments: Segment[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of columns) {
      const t = col.rowTile[c];
      const r0 = rowOffset.get(t) ?? 0;
      const nr = layer.rowTiles[t]?.rowCount ?? 0;
      const x = col.arrayColumn[c];
      const s = col.slice[c];
      const p = col.polarity[c] < 0 ? -1 : 1;
      usedCells += nr;
      lo = Math.min(lo, col.outChannel[c]);
      hi = Math.max(hi, col.outChannel[c]);
      const last = segments[segments.length - 1];
      if (last && last[0] + last[1] === x && last[2] === r0 && last[3] === nr && last[4] === s && last[5] === p) last[1]++;
      else segments.push([x, 1, r0, nr, s, p]);
    }
    const key = `${arr.rowsUsed}/${arr.colsUsed}/${segments.map((s) => s.join(',')).join(';')}`;
    let k = shapeIndex.get(key);
    if (k === undefined) {
      k = shapes.length;
      shapeIndex.set(key, k);
      shapes.push({ rowsUsed: arr.rowsUsed, colsUsed: arr.colsUsed, segments });
    }
    arrayShape.push(k);
    outRange.push(columns.length ? [lo, hi] : [0, -1]);
  }

  // Blocks: consecutive arrays with the same row tiles and output channels.
  interface RawBlock { first: number; count: number }
  const raw: RawBlock[] = [];
  const blockKey = (a: number): string => `${layer.arrays[a].rowTiles.join(',')}|${outRange[a][0]}-${outRange[a][1]}`;
  for (let a = 0; a < nArrays; a++) {
    const last = raw[raw.length - 1];
    if (last && blockKey(last.first) === blockKey(a)) last.count++;
    else raw.push({ first: a, count: 1 });
  }
  const label = (b: RawBlock): string => {
    const [lo, hi] = outRange[b.first];
    return blockLabel(layer, layer.arrays[b.first].rowTiles, lo, hi);
  };

  const result: LayerCrossbars = {
    layer: index, rows, cols, arrays: nArrays, usedCells, totalCells: nArrays * rows * cols,
    shapes, mode: nArrays <= maxArrays ? 'arrays' : 'kinds', blocks: [], kinds: [], omittedKinds: 0, omittedArrays: 0,
  };
  if (result.mode === 'arrays') {
    result.blocks = raw.map((b) => ({
      label: label(b),
      arrays: Array.from({ length: b.count }, (_, i) => ({ id: layer.arrays[b.first + i].id, shape: arrayShape[b.first + i] })),
    }));
  } else {
    const kinds = new Map<string, { shapes: number[]; blocks: RawBlock[] }>();
    for (const b of raw) {
      const s = arrayShape.slice(b.first, b.first + b.count);
      const key = s.join(',');
      const kind = kinds.get(key);
      if (kind) kind.blocks.push(b);
      else kinds.set(key, { shapes: s, blocks: [b] });
    }
    let drawnKinds = 0;
    for (const kind of kinds.values()) {
      const arrays = kind.blocks.reduce((n, b) => n + b.count, 0);
      if (drawnKinds >= maxKinds) { result.omittedKinds++; result.omittedArrays += arrays; continue; }
      drawnKinds++;
      const ids = kind.blocks.flatMap((b) => layer.arrays.slice(b.first, b.first + b.count).map((x) => x.id));
      result.kinds.push({ shapes: kind.shapes, blocks: kind.blocks.length, arrays, example: label(kind.blocks[0]), ids: idRanges(ids) });
    }
    // Only keep the shapes the drawn kinds use.
    const used = [...new Set(result.kinds.flatMap((k) => k.shapes))].sort((x, y) => x - y);
    const remap = new Map(used.map((s, i) => [s, i]));
    result.shapes = used.map((s) => shapes[s]);
    for (const k of result.kinds) k.shapes = k.shapes.map((s) => remap.get(s)!);
  }
  return result;
}
