/**
 * The checks a CIM layer passes before either engine indexes anything (the reference kernel
 * and the ORT engine's lowering both call validateLayer, so they refuse the same layers with the
 * same messages): the geometry describes the tensors the kernels allocate and index, the bit
 * widths agree with the slice and cycle counts, every array has its length, every row tile lies
 * inside its group's rows and every column names an existing tile, channel and slice, and the
 * cells fit the cell width. A tampered plan must not allocate, loop without end or read out of
 * bounds: each failure is a CIM4002 naming the layer.
 *
 * Each engine's arithmetic bound (float64 MACs for the reference, float32 for the ORT engine) is
 * the engine's own check, not part of the layer's validity.
 */
import { CimcError } from '../base/diagnostics.js';
import type { CimLayerData } from './layer-data.js';

/** What validation found out on the way, so that the engines need not work it out again. */
export interface LayerColumnIndex {
  /** Column indices (into the layer's columns) of each row tile, in column order. */
  columnsByTile: Int32Array[];
  /** Where each column's cells start in `cells` (the cells are stored column after column). */
  cellStart: Float64Array;
  /** The largest cell value. */
  cellPeak: number;
}

/** Largest tensor (elements) a layer may read or write; what the compiler allows too. */
const maxLayerElements = 2 ** 31 - 1;

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const positiveInts = (v: readonly number[]): boolean => v.every((d) => Number.isSafeInteger(d) && d >= 1);
/** `v` is a list of `n` safe integers ≥ `min` (the schema leaves geometry fields untyped). */
const intList = (v: unknown, n: number, min: number): boolean => Array.isArray(v) && v.length === n && v.every((d) => Number.isSafeInteger(d) && d >= min);

function fail(data: CimLayerData, message: string): never {
  throw new CimcError('CIM4002', message, { node: data.name });
}

/** Checks the layer (see the file comment); returns the column index built on the way. */
export function validateLayer(data: CimLayerData): LayerColumnIndex {
  checkGeometry(data);
  checkBits(data);
  checkArrays(data);
  checkRowTiles(data);
  return indexColumns(data);
}

/**
 * The geometry must describe the tensors the kernels allocate and index: shapes of at most
 * maxLayerElements, agreeing with the channel counts, the kernel window and K.
 */
function checkGeometry(data: CimLayerData): void {
  const g = data.geometry;
  const bad = (message: string): never => fail(data, `geometry: ${message}`);
  for (const [what, shape] of [['inputShape', g.inputShape], ['outputShape', g.outputShape]] as const) {
    if (!Array.isArray(shape) || !positiveInts(shape) || product(shape) > maxLayerElements) {
      bad(`${what} [${String(shape)}] is not a shape of positive dims with at most ${maxLayerElements} elements`);
    }
  }
  if (g.kind === 'conv') {
    if (g.spatialDims !== 1 && g.spatialDims !== 2) bad(`spatialDims ${String(g.spatialDims)} must be 1 or 2`);
    const rank = g.spatialDims + 2;
    if (g.inputShape.length !== rank || g.outputShape.length !== rank) bad(`a ${g.spatialDims}-d conv needs rank-${rank} input and output shapes`);
    if (!positiveInts([g.inChannels, g.outChannels, g.groups]) || !intList(g.kernel, 2, 1) || !intList(g.strides, 2, 1) || !intList(g.dilations, 2, 1) || !intList(g.pads, 4, 0)) {
      bad('channels and groups must be positive integers, kernel/strides/dilations two positive integers, pads four non-negative integers');
    }
    if (g.outChannels % g.groups !== 0) bad(`${g.outChannels} output channels are not divisible by ${g.groups} groups`);
    if (g.inputShape[1] !== g.inChannels || g.outputShape[1] !== g.outChannels || g.inputShape[0] !== g.outputShape[0]) {
      bad(`shapes [${g.inputShape.join(',')}] → [${g.outputShape.join(',')}] disagree with ${g.inChannels} → ${g.outChannels} channels`);
    }
    if (g.inChannels % g.groups !== 0 || g.rowsPerGroup !== (g.inChannels / g.groups) * g.kernel[0] * g.kernel[1]) {
      bad(`rowsPerGroup ${g.rowsPerGroup} differs from (inChannels / groups) · kernel area`);
    }
    // Spatial axes: [h, w] for 2-d; 1-d convs are stored with kernel [1, kw] and only a w axis.
    const axes = g.spatialDims === 2 ? [0, 1] : [1];
    axes.forEach((a, i) => {
      const span = (g.kernel[a] - 1) * g.dilations[a] + 1;
      const expected = Math.floor((g.inputShape[2 + i] + g.pads[a] + g.pads[a + 2] - span) / g.strides[a]) + 1;
      if (g.outputShape[2 + i] !== expected) bad(`output size ${g.outputShape[2 + i]} on spatial axis ${i} should be ${expected}`);
    });
  } else {
    if (!positiveInts([g.inFeatures, g.outFeatures]) || typeof g.transposeInput !== 'boolean') bad('inFeatures/outFeatures must be positive integers, transposeInput a boolean');
    const inner = g.transposeInput ? g.inputShape[0] : g.inputShape[g.inputShape.length - 1];
    const pixels = g.transposeInput ? g.inputShape[1] : product(g.inputShape.slice(0, -1));
    if ((g.transposeInput && g.inputShape.length !== 2) || inner !== g.inFeatures || g.rowsPerGroup !== g.inFeatures || g.groups !== 1) {
      bad(`input shape [${g.inputShape.join(',')}] disagrees with ${g.inFeatures} input features`);
    }
    if (g.outputShape[g.outputShape.length - 1] !== g.outFeatures || product(g.outputShape) !== pixels * g.outFeatures) {
      bad(`output shape [${g.outputShape.join(',')}] disagrees with ${pixels} rows of ${g.outFeatures} output features`);
    }
  }
}

/** Bit widths agreeing with the slice and cycle counts (cycles = 10^9 must not loop for ever). */
function checkBits(data: CimLayerData): void {
  const b = data.bits;
  if (!positiveInts([b.weight, b.activation, b.dac, b.cell, b.slices, b.cycles]) || b.weight > 16 || b.activation > 16 || b.cycles !== Math.ceil(b.activation / b.dac) || b.slices !== Math.ceil(b.weight / b.cell)) {
    fail(data, `bits ${JSON.stringify(b)} are inconsistent (cycles = ⌈activation / dac⌉, slices = ⌈weight / cell⌉, at most 16 bits)`);
  }
}

function checkArrays(data: CimLayerData): void {
  const g = data.geometry;
  const nCols = data.columns.rowTile.length;
  const ng = data.channelsPerGroup;
  const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
  if (!Number.isSafeInteger(ng) || ng < 1 || ng * g.groups !== outChannels) fail(data, 'channelsPerGroup × groups differs from the output channels');
  for (const [k, v] of Object.entries(data.columns)) if (v.length !== nCols) fail(data, `columns.${k} has ${v.length} entries, expected ${nCols}`);
  if (data.adcStep.length !== nCols || data.dequantFactor.length !== nCols) fail(data, 'adcStep/dequantFactor length differs from the column count');
  if (data.weightScale.length !== data.rowTiles.length * ng || data.weightSum.length !== data.rowTiles.length * ng) fail(data, 'weightScale/weightSum shape differs from [rowTiles, Ng]');
  if (data.weightMatrix && data.weightMatrix.length !== g.groups * g.rowsPerGroup * ng) fail(data, 'weightMatrix size differs from [groups, K, Ng]');
  if (data.bias && data.bias.length !== outChannels) fail(data, `bias has ${data.bias.length} entries, expected ${outChannels}`);
}

/** Every tile: rows rowStart … rowStart + rowCount − 1 of an existing group (negated tests refuse NaN too). */
function checkRowTiles(data: CimLayerData): void {
  const g = data.geometry;
  for (const t of data.rowTiles) {
    if (!(t.group >= 0 && t.group < g.groups && t.rowStart >= 0 && t.rowCount >= 1 && t.rowStart + t.rowCount <= g.rowsPerGroup)) {
      fail(data, `row tile ${t.group}:${t.rowStart}+${t.rowCount} is outside the group's ${g.rowsPerGroup} rows`);
    }
  }
}

/** Checks each column's tile, channel, slice and ADC step, and the cells; groups the columns by tile. */
function indexColumns(data: CimLayerData): LayerColumnIndex {
  const g = data.geometry;
  const nCols = data.columns.rowTile.length;
  const ng = data.channelsPerGroup;
  const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
  const byTile: number[][] = data.rowTiles.map(() => []);
  const cellStart = new Float64Array(nCols);
  let total = 0;
  for (let c = 0; c < nCols; c++) {
    const t = data.columns.rowTile[c];
    if (!(t >= 0 && t < data.rowTiles.length)) fail(data, `column ${c} names row tile ${t} of ${data.rowTiles.length}`);
    const o = data.columns.outChannel[c];
    if (!(o >= 0 && o < outChannels) || Math.floor(o / ng) !== data.rowTiles[t].group) fail(data, `column ${c} names output channel ${o} outside its group`);
    if (!(data.columns.slice[c] >= 0 && data.columns.slice[c] < data.bits.slices)) fail(data, `column ${c} names slice ${data.columns.slice[c]}`);
    if (!(data.adcStep[c] > 0)) fail(data, `column ${c} has ADC step ${data.adcStep[c]}`);
    byTile[t].push(c);
    cellStart[c] = total;
    total += data.rowTiles[t].rowCount;
  }
  if (total !== data.cells.length) fail(data, `cells has ${data.cells.length} entries, the columns need ${total}`);
  // One pass over the cells (VGG-16's classifier alone has 4·10^8).
  const cellMax = 2 ** data.bits.cell - 1;
  let cellPeak = 0;
  const cells = data.cells;
  for (let i = 0; i < cells.length; i++) if (cells[i] > cellPeak) cellPeak = cells[i];
  if (cellPeak > cellMax) fail(data, `cell value ${cellPeak} exceeds ${data.bits.cell}-bit cells`);
  return { columnsByTile: byTile.map((cols) => Int32Array.from(cols)), cellStart, cellPeak };
}
