/**
 * ONNX fragments for the output side of a CIM layer: each column's code weighed by its
 * dequantization factor and summed over cycles, tiles and columns (float64), then the offset
 * corrections, s_a, the bias and the float32 output.
 */
import type { ActivationScale } from './drive-input.js';
import { intAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';

/** Per column: the factor dequantFactor·2^(d·k) (times s_a when static), by cycle. */
export function columnFactor(layer: LayerContext, c: number, k: number): number {
  const d = layer.cells.data;
  const sStatic = layer.staticScale;
  const div = 2 ** (d.bits.dac * k);
  return sStatic !== undefined ? sStatic * d.dequantFactor[c] * div : d.dequantFactor[c] * div;
}

/**
 * Σ over the middle axis of x viewed as [outer, k, rest] (outer = 1: the leading axis) as a
 * MatMul by a row of ones: onnxruntime's ReduceSum over a short leading axis runs at ≈ 0.6 ns
 * per element ([4, 16384] float64: 43 µs), its MatMul by ones at 18 µs (float32: 39 vs 6 µs).
 * Float64 sums in another order, as the reduction's; returns [outer, 1, rest] (or [1, rest]).
 */
export function sumAxis(layer: LayerContext, x: string, outer: number, k: number, rest: number, dtype: 'float32' | 'float64'): string {
  const b = layer.b;
  const shape = outer === 1 ? [k, rest] : [outer, k, rest];
  return b.op('MatMul', [b.constant('ones', dtype, [1, k], new Array<number>(k).fill(1)), b.reshape(x, shape)]);
}

/**
 * Σ over cycles and over the tile-column axis of values laid out [cycles, n, G, cols, rest]
 * → [n, G, rest] (a batch of one: [G, 1, rest], or [1, rest] for one group). For one sample,
 * MatMuls by ones (see sumAxis; a 7-d ReduceSum over axes [0, 3] took a third of VGG-16's time).
 */
export function sumColumns(layer: LayerContext, x: string, cycles: number, n: number, groups: number, cols: number, rest: number, dtype: 'float32' | 'float64' = 'float64'): string {
  const b = layer.b;
  if (n > 1) return b.reduceSum(b.reshape(x, [cycles, n, groups, cols, rest]), [0, 3], false);
  if (groups === 1) return sumAxis(layer, x, 1, cycles * cols, rest, dtype);
  const once = cycles > 1 ? sumAxis(layer, x, 1, cycles, groups * cols * rest, dtype) : x;
  return sumAxis(layer, once, groups, cols, rest, dtype);
}

/** The output tail: − corrections, · s_a (dynamic), + bias, to float32, named as the step's output. */
export function finishOutput(layer: LayerContext, y: string, s: ActivationScale, channelShape: readonly number[], finalShape: readonly number[] | undefined): void {
  const b = layer.b;
  const d = layer.cells.data;
  const ng = d.channelsPerGroup;
  const g = layer.planLayer.geometry;
  const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
  if (d.activation.inputOffset !== 0) {
    // inputOffset · s_w[t,o] · Σ_r q[r,o], per (tile, channel) the tile has columns for.
    const c1 = new Float64Array(outChannels);
    for (const t of layer.cells.tiles) {
      for (const ol of new Set(t.outLocal)) {
        const i = t.tileIndex * ng + ol;
        const sa = s.static ?? 1;
        c1[t.tile.group * ng + ol] += sa * d.weightScale[i] * (d.activation.inputOffset * d.weightSum[i]);
      }
    }
    y = b.op('Sub', [y, b.f64('input_offset_correction', channelShape, c1)]);
  }
  if (s.static === undefined) y = b.op('Mul', [y, s.value]);
  if (d.bias) y = b.op('Add', [y, b.f64('bias', channelShape, Float64Array.from(d.bias))]);
  if (finalShape) b.op('Reshape', [b.cast(y, 'float32'), b.int64s('shape', finalShape)], {}, layer.output);
  else b.op('Cast', [y], { to: intAttr(1) }, layer.output);
}
