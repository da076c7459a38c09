/**
 * The input pattern import-qdq recognises on a CIM candidate: x → QuantizeLinear → [Clip] →
 * DequantizeLinear → layer, per tensor, with the same scale and zero point on Q and DQ. Such an
 * input is x̂ = (clamp(round(x / s) + zp, lo, hi) − zp) · s, which a crossbar layer drives
 * exactly: s_a = s, x' = clamp(round(x / s), lo − zp, hi − zp) + (zp − lo), input offset zp − lo.
 */
import type { Graph, Node } from '../ir/ir.js';
import type { ImportedActivation } from '../cim/annotations.js';
import { clipBounds, constantInput, dequantizeParams, isClip, isDequantize, isQuantize, paramsProblem, quantizeParams, rangeBits } from './qdq-nodes.js';

/** The imported activation, why the Q/DQ in front of the layer cannot be taken over (string), or undefined (none). */
export function matchInputQdq(graph: Graph, layer: Node): ImportedActivation | string | undefined {
  const dq = graph.producer(layer.inputs[0]);
  if (!isDequantize(dq)) return undefined;
  let clip: Node | undefined = graph.producer(dq.inputs[0]);
  const q = isClip(clip) ? graph.producer(clip.inputs[0]) : clip;
  if (!isClip(clip)) clip = undefined;
  if (!isQuantize(q)) return `the input DequantizeLinear '${dq.name}' does not read a QuantizeLinear`;
  if (constantInput(graph, q, 0)) return undefined; // a constant input: folded, not an activation
  const problem = paramsProblem(graph, q) ?? paramsProblem(graph, dq);
  if (problem) return problem;
  const shape = graph.staticShape(q.inputs[0]) ?? [];
  const qp = quantizeParams(graph, q, shape);
  const dp = dequantizeParams(graph, dq, qp.dtype, shape);
  if (qp.mode !== 'tensor' || dp.mode !== 'tensor') return `the input of '${layer.name}' is quantized per ${qp.mode === 'tensor' ? dp.mode : qp.mode}; a crossbar layer has one activation scale`;
  if (qp.scale[0] !== dp.scale[0] || qp.zeroPoint[0] !== dp.zeroPoint[0]) {
    return `QuantizeLinear '${q.name}' and DequantizeLinear '${dq.name}' use different scales or zero points`;
  }
  let lo = qp.qmin;
  let hi = qp.qmax;
  if (clip) {
    const b = clipBounds(graph, clip, qp.dtype);
    if (typeof b === 'string') return b;
    lo = Math.max(lo, b.lo);
    hi = Math.min(hi, b.hi);
  }
  return {
    dtype: qp.dtype, scale: qp.scale[0], zeroPoint: qp.zeroPoint[0], qmin: lo, qmax: hi, bits: rangeBits(lo, hi),
    source: q.inputs[0], dequantized: dq.outputs[0], nodes: [q.name, ...(clip ? [clip.name] : []), dq.name],
  };
}
