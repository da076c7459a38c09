/**
 * The heavy part of quantizing one layer, in one function that the main thread and the
 * quantization workers (compiler/cim/workers/) both run: the weight scales at a granularity,
 * then the integers and their cells (weight-cells.ts). Everything after it (ADC steps,
 * dequantization factors, counts) is per column and cheap.
 */
import type { Granularity } from '../../plan/types.js';
import type { CimMapping } from './annotations.js';
import { cutLayerCells, quantizedTileIntegers, type CellLayout, type LayerCells, type TileIntegers } from './weight-cells.js';
import { chooseWeightScales, weightKeys, weightRange } from './weight-quant.js';

/** What scalesAndCells reads of a mapping (all of it plain data a worker can be sent). */
export type CellInput = Pick<CimMapping, 'bits' | 'encoding' | 'columns' | 'rowTiles' | 'channelsPerGroup' | 'geometry' | 'weights' | 'weightBlock'>;

export interface ScalesAndCells extends LayerCells {
  /** [rowTiles, Ng] */
  weightScale: Float64Array;
  /** The integers and scales are a quantized model's own (importedScalesAndCells). */
  imported?: true;
}

export function scalesAndCells(m: CellInput, granularity: Granularity, method: 'maxabs' | 'mse'): ScalesAndCells {
  const ng = m.channelsPerGroup;
  const range = weightRange(m.bits.weight, m.encoding);
  const keys = weightKeys(m, granularity);
  const keyScales = chooseWeightScales(m, keys, range, method);
  const weightScale = new Float64Array(m.rowTiles.length * ng);
  for (let i = 0; i < weightScale.length; i++) weightScale[i] = keyScales[keys[i]];
  return { weightScale, ...cutLayerCells(m, quantizedTileIntegers(m, weightScale, range), range) };
}

/**
 * The cells of a model's own integers (a QDQ export: compiler/qdq/), q in the matrix order
 * [groups][K][Ng], with its scales [rowTiles, Ng]: nothing is quantized.
 */
export function importedScalesAndCells(m: CellLayout, q: Int32Array, weightScale: Float64Array): ScalesAndCells {
  const ng = m.channelsPerGroup;
  const k = m.geometry.rowsPerGroup;
  const integers: TileIntegers = (t, out) => {
    const tile = m.rowTiles[t];
    const rows = tile.rowCount;
    const first = tile.group * k * ng + tile.rowStart * ng;
    for (let ol = 0; ol < ng; ol++) for (let i = 0, o = ol * rows; i < rows; i++, o++) out[o] = q[first + i * ng + ol];
  };
  return { weightScale, imported: true, ...cutLayerCells(m, integers, weightRange(m.bits.weight, m.encoding)) };
}

/** Weights a layer quantizes (its work, for scheduling). */
export const cellInputWeights = (m: CellInput): number => m.weights.length;
