/**
 * The ORT engine's lower bound, for `bench/child.mjs throughput ort-bound` — NOT the layers'
 * numbers and not an engine. The plan lowered as the engine lowers it (the same schedule walk,
 * digital steps, and for each CIM layer the same input gather and integer grouped Conv/MatMul:
 * same shapes, column count and column packing, from the engine's own convLayout/matmulLayout),
 * but with no input quantization, ADC or dequantization: the raw input's cycle planes go into
 * the Convs, whose cells are scaled by 2^-6/peak to keep magnitudes finite, and the columns are
 * summed in float32 into the output channels. Any exact lowering of this kind has to
 * materialize every column (or packed pair) per pixel, so it costs at least this.
 *
 * Built from dist/ (npm run build), like the rest of the bench.
 */
import { writeOnnxModel } from '../dist/base/onnx-writer.js';
import { lowerSchedule } from '../dist/runtime/ort-engine/lower-plan.js';
import { convAttrs, convLayout } from '../dist/runtime/ort-engine/lower-conv.js';
import { matmulLayout } from '../dist/runtime/ort-engine/lower-matmul.js';
import { planes } from '../dist/runtime/ort-engine/drive-input.js';
import { sumColumns } from '../dist/runtime/ort-engine/dequantize.js';
import { intAttr, intsAttr } from '../dist/runtime/ort-engine/graph-builder.js';

/** Cells as float32 weights ≤ 2^-6: with no ADC between layers, unscaled sums would grow layer after layer. */
function scaledCells(layer, hint, shape, data) {
  let peak = 1;
  for (let i = 0; i < data.length; i++) peak = Math.max(peak, data[i]);
  return layer.b.f32(hint, shape, Float32Array.from(data, (v) => v / (64 * peak)));
}

function convBound(layer, g) {
  const b = layer.b;
  const bits = layer.cells.data.bits;
  const L = convLayout(layer, g);
  const { n, cin, h, w, oh, ow, kh, kw } = L;
  const [pt, pl, pb, pr] = L.pads;
  const x4 = g.spatialDims === 2 ? layer.input : b.reshape(layer.input, [n, cin, 1, w]);
  const padded = pt || pl || pb || pr ? b.pad(x4, [0, 0, pt, pl, 0, 0, pb, pr], layer.cells.data.activation.inputOffset, 'float32') : x4;
  const cyclePlanes = planes(layer, padded, [n, cin, h + pt + pb, w + pl + pr]);
  let y;
  for (const part of L.parts) {
    const gathered = part.gather.identity ? cyclePlanes : b.op('Gather', [cyclePlanes, b.int64s('tile_channels', part.gather.channels)], { axis: intAttr(1) });
    const macs = b.op('Conv', [gathered, scaledCells(layer, 'cells', [part.slots, part.channels, kh, kw], part.weights)], convAttrs(g, part.tiles.length));
    const yp = sumColumns(layer, macs, bits.cycles, n, g.groups, part.columnsPerGroup, L.slots.ng * oh * ow, 'float32');
    y = y === undefined ? yp : b.op('Add', [y, yp]);
  }
  b.op('Reshape', [y, b.int64s('shape', g.outputShape)], {}, layer.output);
}

function matmulBound(layer, g) {
  const b = layer.b;
  const bits = layer.cells.data.bits;
  const L = matmulLayout(layer, g);
  const { k, nOut, pixels, tiles, mMax, gather } = L;
  const J = L.slots.j;
  const x2 = g.transposeInput ? b.op('Transpose', [layer.input], { perm: intsAttr([1, 0]) }) : b.reshape(layer.input, [pixels, k]);
  const xz = L.needsZero ? b.op('Concat', [x2, b.f32('zero_feature', [pixels, 1], new Float32Array(pixels))], { axis: intAttr(1) }) : x2;
  const kz = L.needsZero ? k + 1 : k;
  const cyclePlanes = b.reshape(planes(layer, xz, [1, pixels, kz]), [bits.cycles, pixels, kz]);
  const gathered = b.op('Gather', [cyclePlanes, b.constant('tile_features', 'int64', [tiles, mMax], gather.map((v) => BigInt(v)))], { axis: intAttr(2) });
  const byTile = b.reshape(b.op('Transpose', [gathered], { perm: intsAttr([2, 0, 1, 3]) }), [tiles, bits.cycles * pixels, mMax]);
  const macs = b.op('MatMul', [byTile, scaledCells(layer, 'cells', [tiles, mMax, J * nOut], L.weights)]);
  const sum = b.reduceSum(b.reshape(macs, [tiles * bits.cycles, pixels, J, nOut]), [0, 2], false);
  b.op('Reshape', [sum, b.int64s('shape', g.outputShape)], {}, layer.output);
}

/** The lower-bound ONNX bytes of a loaded plan (plan/reader.js loadPlan). */
export function lowerBoundOnnx(loaded) {
  const lowered = lowerSchedule(loaded, {}, (layer) => {
    const g = layer.planLayer.geometry;
    if (g.kind === 'conv') convBound(layer, g);
    else matmulBound(layer, g);
  });
  return writeOnnxModel(lowered.model);
}
