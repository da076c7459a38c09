/**
 * What a mapped layer takes from its imported quantization (quantize-weights asks): the
 * crossbar integers and per-(row tile, channel) scales, the activation encoding of an input
 * Q/DQ pair, or why it cannot take them. With `exact` (the default) a layer whose integers do
 * not fit the target's weight or activation bits is a CIM2005 error saying so; with
 * `requantize` it is quantized as a float model would be, with a note.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { Graph, Node } from '../ir/ir.js';
import type { CimLayer, Granularity } from '../../plan/types.js';
import type { CimMapping, QdqAnnotation } from '../cim/annotations.js';
import { weightRange } from '../cim/weight-quant.js';
import { crossbarWeights, weightUnchanged, type CrossbarWeights } from './crossbar-weights.js';

export type ImportMode = 'exact' | 'requantize';

export interface LayerImport {
  weights?: CrossbarWeights & { granularity: Granularity };
  activation?: CimLayer['activation'];
  /** The layer must go back to digital (and why). */
  digital?: string;
  notes: string[];
}

/** Fewest weight bits whose range holds [min, max] under an encoding. */
function bitsFor(min: number, max: number, encoding: 'differential' | 'offset'): number {
  for (let b = 1; b <= 31; b++) {
    const r = weightRange(b, encoding);
    if (min >= r.qmin && max <= r.qmax) return b;
  }
  return 32;
}

export function layerImport(graph: Graph, node: Node, m: CimMapping, qdq: QdqAnnotation, mode: ImportMode): LayerImport {
  const where = { node: node.name, opType: node.opType };
  const out: LayerImport = { notes: [] };
  const w = qdq.weights;
  if (w) {
    const current = graph.constants.get(node.inputs[1]);
    const range = weightRange(m.bits.weight, m.encoding);
    const zp = w.zeroPointNonZero ? ' (after taking off the zero point)' : '';
    if (!current || !weightUnchanged(current.data as ArrayLike<number>, w)) {
      const why = 'the weights were changed after import (a BatchNormalization folded into them?), so the imported integers no longer hold';
      if (mode === 'exact') throw new CimcError('CIM2005', `${why}; use --imported-quant requantize to quantize the folded weights`, where);
      out.notes.push(`${why}: re-quantized (--imported-quant requantize)`);
    } else if (w.min < range.qmin || w.max > range.qmax) {
      const need = bitsFor(w.min, w.max, m.encoding);
      const why = `the imported ${w.dtype} weights${zp} are integers in [${w.min}, ${w.max}], beyond the layer's ${m.bits.weight}-bit ${m.encoding} range [${range.qmin}, ${range.qmax}] (they need ${need} bits)`;
      if (mode === 'exact') throw new CimcError('CIM2005', `${why}; use --weight-bits ${need} (or a target whose cells and slices hold ${need} bits), or --imported-quant requantize`, where);
      out.notes.push(`${why}: re-quantized to ${m.bits.weight} bits (--imported-quant requantize)`);
    } else {
      const cw = crossbarWeights(node, m, w, w.shape);
      if (typeof cw === 'string') return { digital: cw, notes: [] };
      const granularity: Granularity = w.granularity === 'tensor' ? 'layer' : w.granularity === 'axis' ? 'channel' : 'column';
      out.weights = { ...cw, granularity };
      out.notes.push(`imported ${w.dtype} weights (${w.pattern}, per ${w.granularity}, ${w.bits}-bit range [${w.qmin}, ${w.qmax}], integers in [${w.min}, ${w.max}]${w.zeroPointNonZero ? ', zero point taken off' : ''})`);
    }
  }
  const a = qdq.activation;
  if (a) {
    const levels = a.qmax - a.qmin;
    if (levels > 2 ** m.bits.activation - 1) {
      const why = `the input's ${a.dtype} quantization spans ${a.bits} bits, beyond the layer's ${m.bits.activation}-bit activations`;
      if (mode === 'exact') throw new CimcError('CIM2005', `${why}; use --act-bits ${a.bits}, or --imported-quant requantize to keep the Q/DQ digital`, where);
      out.notes.push(`${why}: the Q/DQ stays digital and the layer quantizes its input itself (--imported-quant requantize)`);
    } else {
      out.activation = { signed: a.qmin - a.zeroPoint < 0, scale: a.scale, inputOffset: a.zeroPoint - a.qmin, qmin: a.qmin - a.zeroPoint, qmax: a.qmax - a.zeroPoint };
      out.notes.push(`imported input quantization (${a.dtype}, scale ${a.scale}, zero point ${a.zeroPoint})`);
    }
  }
  return out;
}
