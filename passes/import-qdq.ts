/**
 * import-qdq: read a quantized (QDQ / QAT) export's own integers and scales.
 *
 * - com.microsoft QuantizeLinear/DequantizeLinear become the default-domain ops (same inputs,
 *   attributes and arithmetic), so that every later pass knows them.
 * - The weight input of each Conv / Gemm / MatMul that is one of compiler/qdq/weight-rules.ts's
 *   patterns becomes the float32 constant DequantizeLinear computes, and the layer is annotated
 *   with the imported integers, scales, zero points and bits (annotations.qdq.weights);
 *   quantize-weights then puts exactly those on the crossbars (`weights.method: imported`).
 * - A per-tensor x → Q → [Clip] → DQ on a layer's input is recorded (annotations.qdq.activation):
 *   quantize-weights drives the layer with that scale, zero point and range, and absorb-input-qdq
 *   drops the pair where the layer reproduces it.
 * - Quantized operators with no crossbar mapping (QLinearConv, ConvInteger, …) and patterns not
 *   listed get a CIM2009 note naming the node and the reason; they stay digital.
 *
 * Runs before canonicalize: constant folding would otherwise turn DQ(integer constant) into a
 * float constant and the integers would be lost.
 */
import type { Graph, Node } from '../compiler/ir/ir.js';
import type { Tensor } from '../base/tensor.js';
import { definePass, type PassContext } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { ImportedWeights, QdqAnnotation } from '../compiler/cim/annotations.js';
import { weightRules } from '../compiler/qdq/weight-rules.js';
import { importedWeights } from '../compiler/qdq/imported-weights.js';
import { matchInputQdq } from '../compiler/qdq/activation-rule.js';
import { refusedQuantizedOps } from '../compiler/qdq/refused-ops.js';
import { isDequantize, onlyFeeds, paramsProblem } from '../compiler/qdq/qdq-nodes.js';

const matrixOps = new Set(['Conv', 'Gemm', 'MatMul']);
const qdqOps = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** com.microsoft Q/DQ → the default domain (the contrib ops compute the same). */
function toDefaultDomain(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.domain === 'com.microsoft' && qdqOps.has(n.opType))) return graph;
  return graph.with({ nodes: graph.nodes.map((n) => (n.domain === 'com.microsoft' && qdqOps.has(n.opType) ? { ...n, domain: '' } : n)) });
}

/** The imported weights of the DQ computing a layer's weight, or why none (string), or undefined (not a DQ). */
function weightsOf(graph: Graph, layer: Node): { dq: Node; weights: ImportedWeights; consumed: Node[] } | string | undefined {
  const dq = graph.producer(layer.inputs[1] ?? '');
  if (!isDequantize(dq)) return undefined;
  const problem = paramsProblem(graph, dq);
  if (problem) return problem;
  for (const rule of weightRules) {
    const m = rule.match(graph, dq);
    if (m === undefined) continue;
    if (typeof m === 'string') return m;
    return { dq, weights: importedWeights(graph, dq, rule.name, m), consumed: m.nodes };
  }
  const src = graph.producer(dq.inputs[0]);
  return `DequantizeLinear '${dq.name}' reads ${src ? `${src.opType} '${src.name}'` : `'${dq.inputs[0]}'`}, not one of the weight patterns cimc imports (README "Quantized models")`;
}

function note(ctx: PassContext, node: Node, message: string): void {
  ctx.diagnostics.note('CIM2009', message, { node: node.name, opType: node.opType });
}

export const importQdq = definePass({
  name: 'import-qdq',
  summary: "Take a QDQ/QAT export's weight integers, scales and zero points (and input Q/DQ pairs) onto its Conv/Gemm/MatMul layers.",
  requires: [fact('imported')],
  provides: [fact('qdq-imported')],
  run(input, ctx) {
    const graph = toDefaultDomain(input);
    const annotations = new Map<string, QdqAnnotation>();
    const newConstants = new Map<string, Tensor>();
    const removed = new Set<Node>();
    for (const node of graph.nodes) {
      const refusal = node.domain === '' || node.domain === 'com.microsoft' ? refusedQuantizedOps[node.opType] : undefined;
      if (refusal) { note(ctx, node, refusal); continue; }
      if (node.opType === 'ConvTranspose' && isDequantize(graph.producer(node.inputs[1] ?? ''))) {
        note(ctx, node, 'ConvTranspose does not map to crossbars: its dequantized weights are folded and it runs digitally');
        continue;
      }
      if (node.domain !== '' || !matrixOps.has(node.opType)) continue;
      const a: QdqAnnotation = {};
      const w = weightsOf(graph, node);
      if (typeof w === 'string') {
        note(ctx, node, `weights not imported: ${w}; the layer stays digital`);
        a.digital = `its quantized weights are not imported (${w})`;
      } else if (w) {
        a.weights = w.weights;
        newConstants.set(w.dq.outputs[0], { dtype: 'float32', shape: [...w.weights.shape], data: w.weights.weight });
        removed.add(w.dq);
        // The Q/Clip chain before the DQ goes too where nothing else reads it.
        let next: Node = w.dq;
        for (const n of [...w.consumed].reverse()) {
          if (!onlyFeeds(graph, n.outputs[0], next)) break;
          removed.add(n);
          next = n;
        }
      }
      const act = matchInputQdq(graph, node);
      if (typeof act === 'string') note(ctx, node, `input Q/DQ kept digital: ${act}`);
      else if (act) a.activation = act;
      if (a.weights || a.activation || a.digital) annotations.set(node.name, a);
    }
    if (annotations.size === 0 && graph === input) return { graph: input, changed: false };
    const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n): Node => {
      const a = annotations.get(n.name);
      return a ? { ...n, annotations: { ...n.annotations, qdq: a } } : n;
    });
    const constants = new Map(graph.constants);
    for (const [k, v] of newConstants) constants.set(k, v);
    const values = new Map(graph.values);
    for (const k of newConstants.keys()) values.delete(k);
    ctx.stats.set('import-qdq.weights', [...annotations.values()].filter((a) => a.weights).length);
    ctx.stats.set('import-qdq.activations', [...annotations.values()].filter((a) => a.activation).length);
    return { graph: graph.with({ nodes, constants, values }), changed: true };
  },
});
