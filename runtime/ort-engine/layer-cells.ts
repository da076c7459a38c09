/**
 * A CIM layer's cells by row tile, as the lowering reads them: the plan's uint8 cells in place,
 * or (under variation) the reference kernel's perturbed ones. Both are validated first by
 * plan/validate-layer.ts, the checks the reference kernel makes too.
 */
import type { CimLayerData } from '../../plan/layer-data.js';
import type { RowTile } from '../../plan/types.js';
import { validateLayer } from '../../plan/validate-layer.js';
import type { PreparedCimLayer } from '../reference/cim-layer.js';

/** One row tile's columns: which plan columns, their local output channels, and their cells. */
export interface TileColumns {
  tile: RowTile;
  tileIndex: number;
  /** Column indices (into the layer's columns), in column order. */
  cols: Int32Array;
  /** Output channel within the group, per tile column. */
  outLocal: Int32Array;
  /**
   * Cell of tile row r in tile column j: cells[start[j] + r · stride] (the plan's cells in place,
   * or the reference kernel's prepared ones; index arithmetic rather than a view or a closure per
   * cell, which cost ResNet-18's lowering ≈ 0.6 s in calls and garbage).
   */
  cells: ArrayLike<number>;
  start: Float64Array;
  stride: number;
}

export interface LayerCells {
  data: CimLayerData;
  tiles: TileColumns[];
  /** Largest cell value (magnitude, under variation). */
  cellPeak: number;
}

/**
 * The layer's tiles reading the plan's uint8 cells in place (no float copies: VGG-16's
 * classifier alone has 4·10^8 cells), after the checks both engines make. Shapes the checks
 * leave out are checked by onnxruntime's own kernels.
 */
export function layerCells(data: CimLayerData): LayerCells {
  const { columnsByTile, cellStart, cellPeak } = validateLayer(data);
  const ng = data.channelsPerGroup;
  const cells = data.cells;
  const tiles = data.rowTiles.map((tile, tileIndex): TileColumns => {
    const cols = columnsByTile[tileIndex];
    const outLocal = cols.map((c) => data.columns.outChannel[c] - tile.group * ng);
    const start = Float64Array.from(cols, (c) => cellStart[c]);
    return { tile, tileIndex, cols, outLocal, cells, start, stride: 1 };
  });
  return { data, tiles, cellPeak };
}

/** The same from the reference kernel's prepared layer (perturbed cells under variation). */
export function preparedCells(p: PreparedCimLayer): LayerCells {
  let cellPeak = 0;
  const tiles = p.tiles.map((t): TileColumns => {
    const nc = t.cols.length;
    // u32: the cells the reference's float32 path multiplies (u may be dropped to save memory).
    const cells = t.u.length ? t.u : t.u32;
    for (let i = 0; i < cells.length; i++) cellPeak = Math.max(cellPeak, Math.abs(cells[i]));
    return { tile: t.tile, tileIndex: t.tileIndex, cols: t.cols, outLocal: t.outLocal, cells, start: Float64Array.from(t.cols, (_, j) => j), stride: nc };
  });
  return { data: p.data, tiles, cellPeak };
}
