/** The float reference path (`--float`): a CIM layer as its Conv or MatMul with the unquantized weights. */
import type { OnnxAttr } from '../../base/onnx-writer.js';
import { intAttr, intsAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';
import { floatWeightsOf } from '../../plan/layer-data.js';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function lowerFloat(layer: LayerContext): void {
  const b = layer.b;
  const d = layer.cells.data;
  const g = layer.planLayer.geometry;
  const ng = d.channelsPerGroup;
  const wm = floatWeightsOf(d);
  const bias = d.bias ? [b.f32('bias', [d.bias.length], Float32Array.from(d.bias))] : [];
  if (g.kind === 'conv') {
    const k = g.rowsPerGroup;
    const [kh, kw] = g.kernel;
    // The plan's [groups, K, Ng] weights as ONNX's [Cout, Cin/groups, kh, kw].
    const w = new Float32Array(g.outChannels * k);
    for (let o = 0; o < g.outChannels; o++) {
      const grp = Math.floor(o / ng);
      for (let r = 0; r < k; r++) w[o * k + r] = wm[grp * k * ng + r * ng + (o - grp * ng)];
    }
    const cinG = g.inChannels / g.groups;
    const attrs: Record<string, OnnxAttr> = {
      group: intAttr(g.groups), kernel_shape: intsAttr([kh, kw]), strides: intsAttr(g.strides), dilations: intsAttr(g.dilations), pads: intsAttr(g.pads),
    };
    if (g.spatialDims === 2) {
      b.op('Conv', [layer.input, b.f32('weight', [g.outChannels, cinG, kh, kw], w), ...bias], attrs, layer.output);
    } else {
      const x4 = b.reshape(layer.input, [g.inputShape[0], g.inChannels, 1, g.inputShape[2]]);
      const y = b.op('Conv', [x4, b.f32('weight', [g.outChannels, cinG, kh, kw], w), ...bias], attrs);
      b.op('Reshape', [y, b.int64s('shape', g.outputShape)], {}, layer.output);
    }
    return;
  }
  const pixels = g.transposeInput ? g.inputShape[1] : product(g.inputShape.slice(0, -1));
  const x2 = g.transposeInput ? b.op('Transpose', [layer.input], { perm: intsAttr([1, 0]) }) : b.reshape(layer.input, [pixels, g.inFeatures]);
  let y = b.op('MatMul', [x2, b.f32('weight', [g.inFeatures, g.outFeatures], Float32Array.from(wm))]);
  if (bias.length) y = b.op('Add', [y, bias[0]]);
  b.op('Reshape', [y, b.int64s('shape', g.outputShape)], {}, layer.output);
}
