/**
 * select-cim: decide which Conv/Gemm/MatMul (with constant weights) run on crossbars.
 * Default: all of them. `keepDigital` takes node names and the words `first` and `last`.
 */
import { CimcError } from '../base/diagnostics.js';
import type { Graph, Node } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimNodeAnnotation } from '../compiler/cim/annotations.js';
import '../compiler/cim/annotations.js';

/** Why a node cannot go to a crossbar, or undefined when it can. */
export function cimCandidateProblem(graph: Graph, node: Node): string | undefined {
  if (node.domain !== '') return 'custom domain';
  const qdqDigital = node.annotations?.qdq?.digital;
  if (qdqDigital) return qdqDigital;
  const weight = node.inputs[1];
  switch (node.opType) {
    case 'Conv': {
      if (!weight || !graph.isConstant(weight)) return 'weights are not constant';
      const rank = graph.constants.get(weight)!.shape.length;
      if (rank !== 3 && rank !== 4) return `only 1-D and 2-D convolutions map to crossbars (weight rank ${rank})`;
      if (node.inputs[2] && !graph.isConstant(node.inputs[2])) return 'bias is not constant';
      return graph.staticShape(node.inputs[0]) && graph.staticShape(node.outputs[0]) ? undefined : 'shapes unknown (run infer-shapes)';
    }
    case 'Gemm': {
      if (!weight || !graph.isConstant(weight)) return 'weights (B) are not constant';
      const c = node.inputs[2];
      if (c) {
        if (!graph.isConstant(c)) return 'C is not constant';
        const shape = graph.constants.get(c)!.shape;
        const n = graph.staticShape(node.outputs[0])?.[1];
        const ok = shape.length === 0 || (shape.length === 1 && (shape[0] === n || shape[0] === 1)) || (shape.length === 2 && shape[0] === 1 && (shape[1] === n || shape[1] === 1));
        if (!ok) return `C of shape [${shape.join(',')}] is not a per-output bias`;
      }
      return graph.staticShape(node.inputs[0]) && graph.staticShape(node.outputs[0]) ? undefined : 'shapes unknown (run infer-shapes)';
    }
    case 'MatMul': {
      if (!weight || !graph.isConstant(weight)) return 'right operand is not constant';
      if (graph.constants.get(weight)!.shape.length !== 2) return 'right operand is not a 2-D matrix';
      const a = graph.staticShape(node.inputs[0]);
      if (!a || a.length < 2) return 'left operand must have rank ≥ 2';
      return graph.staticShape(node.outputs[0]) ? undefined : 'shapes unknown (run infer-shapes)';
    }
    case 'ConvTranspose':
      return 'ConvTranspose is not mapped to crossbars (runs digitally)';
    default:
      return 'not a matrix operator';
  }
}

/** The options select-cim reads: their one declaration (flags, explain, types and checks come from it). */
export const selectCimOptions = defineOptions({
  keepDigital: {
    type: 'list', default: [], flag: '--keep-digital <names>',
    description: "comma-separated node names to keep digital; 'first' and 'last' name the first and last crossbar candidates",
  },
});

export const selectCim = definePass({
  name: 'select-cim',
  summary: 'Choose which Conv/Gemm/MatMul with constant weights run on crossbars; the rest stay digital.',
  requires: [fact('shapes')],
  provides: [fact('cim-selected')],
  options: Object.values(selectCimOptions),
  run(graph, ctx) {
    const keep = new Set(readOption(ctx.options, selectCimOptions.keepDigital));
    const matrixOps = new Set(['Conv', 'Gemm', 'MatMul', 'ConvTranspose']);
    const candidates = graph.nodes.filter((n) => matrixOps.has(n.opType) && !cimCandidateProblem(graph, n));
    const named = new Set(graph.nodes.map((n) => n.name));
    for (const k of keep) {
      if (k !== 'first' && k !== 'last' && !named.has(k)) {
        throw new CimcError('CIM2006', `--keep-digital names '${k}', which is not a node of the model`, { field: '--keep-digital' });
      }
    }
    const firstName = candidates[0]?.name;
    const lastName = candidates[candidates.length - 1]?.name;
    let selectedCount = 0;
    let edited = 0;
    const nodes = graph.nodes.map((n): Node => {
      if (!matrixOps.has(n.opType)) return n;
      let cim: CimNodeAnnotation;
      const problem = cimCandidateProblem(graph, n);
      if (problem) cim = { selection: { selected: false, reason: problem } };
      else if (keep.has(n.name) || (keep.has('first') && n.name === firstName) || (keep.has('last') && n.name === lastName)) {
        cim = { selection: { selected: false, reason: 'kept digital by --keep-digital' } };
      } else {
        cim = { selection: { selected: true } };
        selectedCount++;
      }
      if (!sameSelectionOnly(n.annotations?.cim, cim)) edited++;
      return { ...n, annotations: { ...n.annotations, cim } };
    });
    ctx.stats.set('select-cim.selected', selectedCount);
    return { graph: graph.with({ nodes }), changed: edited > 0 };
  },
});

/** Whether a node's cim annotation already is exactly `next` (a selection and nothing else). */
function sameSelectionOnly(old: CimNodeAnnotation | undefined, next: CimNodeAnnotation): boolean {
  if (!old || Object.keys(old).length !== 1 || !old.selection) return false;
  return JSON.stringify(old.selection) === JSON.stringify(next.selection);
}
