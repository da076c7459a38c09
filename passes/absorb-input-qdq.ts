/**
 * absorb-input-qdq: a CIM layer whose input Q/DQ pair it reproduces exactly (quantize-weights
 * gave it the pair's scale, zero point and clamp range: activationImported) reads the float
 * value the Q quantized instead, and the Q/[Clip]/DQ nodes go where nothing else reads them.
 * The layer's own input quantization is then that pair: x' = clamp(round(x / s), lo − zp, hi − zp) + (zp − lo).
 */
import type { Node } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import '../compiler/cim/annotations.js';

export const absorbInputQdq = definePass({
  name: 'absorb-input-qdq',
  summary: 'Let CIM layers with an imported input quantization read the value before their Q/DQ pair, and drop the pair where nothing else reads it.',
  requires: [fact('cim-quantized')],
  provides: [],
  run(graph, ctx) {
    const candidates = new Set<string>();
    let rewired = 0;
    let nodes = graph.nodes.map((n): Node => {
      const a = n.annotations?.qdq?.activation;
      if (!a || !n.annotations?.cim?.quant?.activationImported || n.inputs[0] !== a.dequantized) return n;
      rewired++;
      for (const name of a.nodes) candidates.add(name);
      return { ...n, inputs: [a.source, ...n.inputs.slice(1)] };
    });
    if (rewired === 0) return { graph, changed: false };
    // Drop the pairs' nodes that nothing reads any more (DQ first, then Clip, then Q).
    for (let again = true; again;) {
      again = false;
      const read = new Set(nodes.flatMap((n) => n.inputs));
      const kept = nodes.filter((n) => !candidates.has(n.name) || n.outputs.some((o) => o && (read.has(o) || graph.outputs.includes(o))));
      if (kept.length !== nodes.length) { nodes = kept; again = true; }
    }
    const removed = graph.nodes.length - nodes.length;
    ctx.stats.set('absorb-input-qdq.layers', rewired);
    ctx.stats.set('absorb-input-qdq.removed', removed);
    return { graph: graph.with({ nodes }), changed: true };
  },
});
