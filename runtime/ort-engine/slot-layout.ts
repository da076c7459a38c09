/**
 * Where each crossbar column lands among the output channels of the lowered Conv/MatMul:
 * every tile padded to the same column layout (slotLayout), and, within a conv part, columns
 * packed two to an output channel where that stays exact (columnPairs).
 */
import { exactFloat32 } from './exactness.js';
import type { LayerContext } from './layer-context.js';
import type { LayerCells, TileColumns } from './layer-cells.js';

/** The column layout every tile is padded to: slot (tile, j, o) of S = tiles · J · Ng. */
export interface SlotLayout {
  /** Groups. */
  groups: number;
  /** Row tiles per group (the most any group has; missing ones are all-zero). */
  tilesPerGroup: number;
  /** Columns per (tile, output channel): the most any pair has. */
  j: number;
  ng: number;
  /** Prepared tile by padded tile index (g · tilesPerGroup + τ), or undefined. */
  tileAt: (TileColumns | undefined)[];
  /** Slot of each (prepared tile, column j of the tile). */
  slotOf: Int32Array[];
}

export function slotLayout(p: LayerCells, groups: number): SlotLayout {
  const ng = p.data.channelsPerGroup;
  const byGroup: TileColumns[][] = Array.from({ length: groups }, () => []);
  for (const t of p.tiles) byGroup[t.tile.group].push(t);
  const tilesPerGroup = Math.max(1, ...byGroup.map((ts) => ts.length));
  let j = 1;
  for (const t of p.tiles) {
    const count = new Int32Array(ng);
    for (const ol of t.outLocal) j = Math.max(j, ++count[ol]);
  }
  const tileAt: SlotLayout['tileAt'] = [];
  const slotOf: Int32Array[] = p.tiles.map(() => new Int32Array(0));
  for (let g = 0; g < groups; g++) {
    for (let tau = 0; tau < tilesPerGroup; tau++) {
      const t = byGroup[g][tau];
      const tt = g * tilesPerGroup + tau;
      tileAt.push(t);
      if (!t) continue;
      const count = new Int32Array(ng);
      const slots = new Int32Array(t.cols.length);
      t.outLocal.forEach((ol, k) => { slots[k] = (tt * j + count[ol]++) * ng + ol; });
      slotOf[t.tileIndex] = slots;
    }
  }
  return { groups, tilesPerGroup, j, ng, tileAt, slotOf };
}

/** A conv part's output channels: per tile, slot (j, o) of jSlots·ng holds column pair [lo, hi]. */
export interface ColumnPairs {
  jSlots: number;
  /** 2^shift weighs the hi column; 0: unpacked (one column a slot). */
  shift: number;
  /** Per tile, per slot: [lo, hi] indices into the tile's columns, −1 for none. */
  slots: [number, number][][];
  /** Largest weight of a slot (cells: lo + 2^shift·hi). */
  maxWeight: number;
}

/**
 * The conv output channels of a part's tiles: per tile, slot (j, o) of jSlots·ng holds column
 * pair [lo, hi] (indices into the tile's columns, −1 for none). Unpacked (shift 0): J slots,
 * one column each. Packed: two columns of one output channel share a slot with weights
 * lo + 2^shift·hi, so the conv computes M_lo + 2^shift·M_hi — half the MACs and outputs. Exact
 * when every M_lo < 2^shift and M_lo + 2^shift·M_hi < 2^24 (float32's integers; every partial
 * sum is smaller, as cells and driven inputs are ≥ 0), checked with each column's bound
 * (largest input plane) × Σ of its cells; a part that fails is not packed.
 */
export function columnPairs(layer: LayerContext, tiles: readonly (TileColumns | undefined)[], J: number, ng: number): ColumnPairs {
  const cellBits = layer.cells.data.bits.cell;
  const byChannel = tiles.map((t) => {
    const lists: number[][] = Array.from({ length: ng }, () => []);
    t?.outLocal.forEach((ol, jj) => lists[ol].push(jj));
    return lists;
  });
  const layout = (jSlots: number, pairsOf: (list: number[], t: TileColumns) => [number, number][]): [number, number][][] =>
    tiles.map((t, i) => {
      const slots: [number, number][] = Array.from({ length: jSlots * ng }, () => [-1, -1]);
      if (t) byChannel[i].forEach((list, ol) => pairsOf(list, t).forEach((pair, j) => { slots[j * ng + ol] = pair; }));
      return slots;
    });
  const unpacked = { jSlots: J, shift: 0, slots: layout(J, (list) => list.map((jj): [number, number] => [jj, -1])), maxWeight: 2 ** cellBits - 1 };
  if (!layer.packColumns || !layer.integerCells || J < 2) return unpacked;
  const bound = (t: TileColumns, jj: number): number => {
    let sum = 0;
    const { cells, stride } = t;
    for (let r = 0, i = t.start[jj]; r < t.tile.rowCount; r++, i += stride) sum += cells[i];
    return layer.bounds.planeMax * sum;
  };
  // Per (tile, channel): columns by bound, the smaller half as lo, each with a larger one as hi.
  let maxLo = 0;
  const pairs = new Map<TileColumns, Map<number[], [number, number][]>>();
  const bounds = new Map<TileColumns, Float64Array>();
  tiles.forEach((t, i) => {
    if (!t) return;
    const bt = Float64Array.from(t.cols, (_, jj) => bound(t, jj));
    bounds.set(t, bt);
    const m = new Map<number[], [number, number][]>();
    for (const list of byChannel[i]) {
      const sorted = [...list].sort((a, c) => bt[a] - bt[c]);
      const half = Math.ceil(sorted.length / 2);
      const ps: [number, number][] = [];
      for (let k = 0; k < half; k++) {
        const hiIndex = sorted.length - 1 - k;
        ps.push([sorted[k], hiIndex >= half ? sorted[hiIndex] : -1]);
        maxLo = Math.max(maxLo, bt[sorted[k]]);
      }
      m.set(list, ps);
    }
    pairs.set(t, m);
  });
  const shift = Math.max(1, Math.ceil(Math.log2(maxLo + 1)));
  for (const [t, m] of pairs) {
    const bt = bounds.get(t)!;
    for (const ps of m.values()) for (const [lo, hi] of ps) if (hi >= 0 && bt[lo] + 2 ** shift * bt[hi] >= exactFloat32) return unpacked;
  }
  const cellMax = 2 ** cellBits - 1;
  return { jSlots: Math.ceil(J / 2), shift, slots: layout(Math.ceil(J / 2), (list, t) => pairs.get(t)!.get(list)!), maxWeight: cellMax * (1 + 2 ** shift) };
}
