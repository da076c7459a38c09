/**
 * One CIM layer as its lowering sees it: the builder to emit into, the layer's validated cells,
 * where its input comes from and its output goes, and the facts about its cells that decide
 * which exact ONNX forms apply.
 */
import type { LoadedPlan } from '../../plan/reader.js';
import type { CimLayer } from '../../plan/types.js';
import { prepareCimLayer } from '../reference/cim-layer.js';
import { cimLayerDataFromPlan } from '../reference/executor.js';
import { cellPerturbation } from '../reference/variation.js';
import { macBounds, type MacBounds } from './exactness.js';
import type { GraphBuilder } from './graph-builder.js';
import { layerCells, preparedCells, type LayerCells } from './layer-cells.js';
import type { LowerOptions, LoweringStats } from './lower-options.js';

export interface LayerContext {
  readonly b: GraphBuilder;
  /** The plan's layer. */
  readonly planLayer: CimLayer;
  readonly cells: LayerCells;
  /** The step's input and output value names. */
  readonly input: string;
  readonly output: string;
  readonly stats: LoweringStats;
  /** Without Gaussian variation every cell, hence every MAC, is ≥ 0. */
  readonly cellsNonNegative: boolean;
  /** Without variation the cells are integers 0 … 2^c − 1 (c ≤ 8). */
  readonly integerCells: boolean;
  /** The float32 bounds (zero on the float path, which has no MACs). */
  readonly bounds: MacBounds;
  /** LowerOptions.packColumns. */
  readonly packColumns: boolean;
  /** s_a when the plan fixes it (calibrated), else undefined: computed in-graph per input. */
  readonly staticScale: number | undefined;
}

/** The context of plan layer `index`, stepping from `input` to `output`. */
export function layerContext(
  b: GraphBuilder, loaded: LoadedPlan, layer: CimLayer, index: number, input: string, output: string, options: LowerOptions, stats: LoweringStats,
): LayerContext {
  const data = cimLayerDataFromPlan(loaded, layer, index);
  const perturb = options.variation && options.variation.sigma > 0 ? cellPerturbation(options.variation, index, layer.bits.cell) : undefined;
  // Variation: the reference kernel's own perturbed cells; otherwise the plan's cells in place.
  const cells = perturb ? preparedCells(prepareCimLayer(data, perturb)) : layerCells(data);
  return {
    b, planLayer: layer, cells, input, output, stats,
    cellsNonNegative: !perturb || options.variation?.kind === 'lognormal',
    integerCells: !perturb && layer.bits.cell <= 8,
    bounds: options.float ? { macMax: 0, planeMax: 0 } : macBounds(layer, cells),
    packColumns: options.packColumns !== false,
    staticScale: data.activation.scale ?? undefined,
  };
}
