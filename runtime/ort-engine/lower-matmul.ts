/**
 * A CIM Gemm/MatMul layer as ONNX: each tile's features gathered from the driven input's cycle
 * planes, one batched MatMul with a column of weights per crossbar column (not packed), then
 * ADC, dequantization and the corrections.
 *
 * matmulLayout works out the shapes and weights as plain data; lowerMatMul emits the nodes.
 */
import type { MatMulGeometry } from '../../plan/types.js';
import { adc } from './adc.js';
import { cellArray, cellWeights, type CellArray } from './cell-weights.js';
import { columnFactor, finishOutput, sumAxis } from './dequantize.js';
import { drive, planes } from './drive-input.js';
import { intAttr, intsAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';
import { slotLayout, type SlotLayout } from './slot-layout.js';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export interface MatMulLayout {
  /** Input features K and output features N. */
  k: number;
  nOut: number;
  /** Rows of the input matrix. */
  pixels: number;
  slots: SlotLayout;
  /** Row tiles (one group). */
  tiles: number;
  /** Rows every tile is padded to. */
  mMax: number;
  /** Whether a tile is short of mMax rows: then an all-zero feature k pads it. */
  needsZero: boolean;
  /** Feature of each (tile, row) [tiles, mMax]: k for padding. */
  gather: number[];
  /** [tiles, mMax, J · N] */
  weights: CellArray;
  /** ADC steps [tiles, J, N]. */
  steps: Float64Array;
  /** Dequantization factors [tiles, cycles, J, N]. */
  factors: Float64Array;
}

export function matmulLayout(layer: LayerContext, g: MatMulGeometry): MatMulLayout {
  const d = layer.cells.data;
  const bits = d.bits;
  const k = g.inFeatures;
  const nOut = g.outFeatures;
  const pixels = g.transposeInput ? g.inputShape[1] : product(g.inputShape.slice(0, -1));
  const lay = slotLayout(layer.cells, 1);
  const { tilesPerGroup: tiles, j: J } = lay;
  const mMax = Math.max(1, ...lay.tileAt.map((t) => (t ? t.tile.rowCount : 0)));
  const needsZero = lay.tileAt.some((t) => !t || t.tile.rowCount < mMax);
  const gather = new Array<number>(tiles * mMax);
  lay.tileAt.forEach((t, tt) => {
    for (let mi = 0; mi < mMax; mi++) gather[tt * mMax + mi] = t && mi < t.tile.rowCount ? t.tile.rowStart + mi : k;
  });
  const weights = cellArray(layer, tiles * mMax * J * nOut);
  const steps = new Float64Array(tiles * J * nOut).fill(1);
  const factors = new Float64Array(tiles * bits.cycles * J * nOut);
  for (const t of layer.cells.tiles) {
    const tt = lay.tileAt.indexOf(t);
    const nc = t.cols.length;
    for (let jj = 0; jj < nc; jj++) {
      const c = t.cols[jj];
      const slot = lay.slotOf[t.tileIndex][jj];
      const within = slot - tt * J * nOut; // (j, o) inside the tile
      const { cells, stride } = t;
      for (let r = 0, i = t.start[jj]; r < t.tile.rowCount; r++, i += stride) weights[(tt * mMax + r) * J * nOut + within] = cells[i];
      steps[slot] = bits.adc === 'ideal' ? 1 : d.adcStep[c];
      for (let cy = 0; cy < bits.cycles; cy++) factors[(tt * bits.cycles + cy) * J * nOut + within] = columnFactor(layer, c, cy);
    }
  }
  return { k, nOut, pixels, slots: lay, tiles, mMax, needsZero, gather, weights, steps, factors };
}

export function lowerMatMul(layer: LayerContext, g: MatMulGeometry): void {
  const b = layer.b;
  const d = layer.cells.data;
  const bits = d.bits;
  const L = matmulLayout(layer, g);
  const { k, nOut, pixels, tiles, mMax, gather } = L;
  const J = L.slots.j;
  const x2 = g.transposeInput ? b.op('Transpose', [layer.input], { perm: intsAttr([1, 0]) }) : b.reshape(layer.input, [pixels, k]);
  // One dynamic s_a per sample: an index of the input's leading axis (input [B, …, K]: the rows
  // b·S … (b+1)·S − 1 of x2), or with transA a column of the [K, M] input (a row of x2).
  const samples = g.transposeInput ? pixels : g.inputShape.length >= 2 ? g.inputShape[0] : 1;
  const { xp, s } = drive(layer, x2, [pixels, k], { samples, rank: 2 });


  const xz = L.needsZero ? b.op('Concat', [xp, b.f32('zero_feature', [pixels, 1], new Float32Array(pixels))], { axis: intAttr(1) }) : xp;
  const kz = L.needsZero ? k + 1 : k;
  const cyclePlanes = b.reshape(planes(layer, xz, [1, pixels, kz]), [bits.cycles, pixels, kz]);
  const gathered = b.op('Gather', [cyclePlanes, b.constant('tile_features', 'int64', [tiles, mMax], gather.map((v) => BigInt(v)))], { axis: intAttr(2) });
  const byTile = b.reshape(b.op('Transpose', [gathered], { perm: intsAttr([2, 0, 1, 3]) }), [tiles, bits.cycles * pixels, mMax]);
  const macs = b.op('MatMul', [byTile, cellWeights(layer, 'cells', [tiles, mMax, J * nOut], L.weights)]);
  const codes = adc(layer, b.reshape(macs, [tiles, bits.cycles, pixels, J, nOut]), L.steps, [tiles, 1, 1, J, nOut], [tiles, bits.cycles, pixels, J, nOut]);
  const scaled = b.op('Mul', [codes, b.f64('dequant', [tiles, bits.cycles, 1, J, nOut], L.factors)]);
  // [tiles, cycles, pixels, J, N]: the leading tiles·cycles, then J.
  const perPixel = sumAxis(layer, scaled, 1, tiles * bits.cycles, pixels * J * nOut, 'float64');
  let y = b.reshape(J === 1 ? perPixel : sumAxis(layer, perPixel, pixels, J, nOut, 'float64'), [pixels, nOut]);

  if (d.weightOffset !== 0) {
    const corr = new Float64Array(tiles * nOut);
    for (const t of layer.cells.tiles) {
      const tt = L.slots.tileAt.indexOf(t);
      for (const ol of new Set(t.outLocal)) corr[tt * nOut + ol] = (s.static ?? 1) * d.weightScale[t.tileIndex * nOut + ol] * d.weightOffset;
    }
    const xg = b.op('Gather', [xz, b.constant('tile_features', 'int64', [tiles, mMax], gather.map((v) => BigInt(v)))], { axis: intAttr(1) });
    const sums = b.cast(b.reduceSum(xg, [2], false), 'float64'); // [pixels, tiles]
    y = b.op('Sub', [y, b.op('MatMul', [sums, b.f64('weight_offset_correction', [tiles, nOut], corr)])]);
  }
  finishOutput(layer, y, s, [1, nOut], g.outputShape);
}
