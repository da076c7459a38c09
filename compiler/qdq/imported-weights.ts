/**
 * From a matched weight pattern to what the layer carries (ImportedWeights): the crossbar's
 * integers q − zp, the scale of each element, and the float32 weight DequantizeLinear computes
 * (which replaces the pattern in the graph, so that every other pass sees a constant weight).
 */
import { CimcError } from '../../base/diagnostics.js';
import type { Graph, Node } from '../ir/ir.js';
import type { ImportedWeights } from '../cim/annotations.js';
import { dequantizeValues, paramIndices } from '../const-eval/index.js';
import { dequantizeParams, rangeBits } from './qdq-nodes.js';
import type { MatchedWeight } from './weight-rules.js';

export function importedWeights(graph: Graph, dq: Node, pattern: string, m: MatchedWeight): ImportedWeights {
  const p = dequantizeParams(graph, dq, m.dtype, m.shape);
  for (let i = 0; i < p.zeroPoint.length; i++) {
    const z = p.zeroPoint[i];
    if (z < m.qmin || z > m.qmax) {
      throw new CimcError('CIM1008', `zero point ${i} is ${z}, outside the weights' clipped range [${m.qmin}, ${m.qmax}]`, { node: dq.name, opType: dq.opType });
    }
  }
  const scaleIndex = paramIndices(p);
  const values = new Int32Array(m.q.length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = m.q[i] - p.zeroPoint[scaleIndex[i]];
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    pattern,
    nodes: [...m.nodes.map((n) => n.name), dq.name],
    dtype: m.dtype, shape: [...m.shape], qmin: m.qmin, qmax: m.qmax, bits: rangeBits(m.qmin, m.qmax),
    granularity: p.mode, axis: p.axis, blockSize: p.blockSize,
    values, min: values.length ? min : 0, max: values.length ? max : 0,
    scale: p.scale, scaleIndex,
    zeroPointNonZero: p.zeroPoint.some((z) => z !== 0),
    weight: dequantizeValues(m.q, p),
  };
}
