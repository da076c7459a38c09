/**
 * replicate: duplicate the arrays of the slowest crossbar layers to balance the layer pipeline
 * within an array budget, as PIMCOMP-NN and NeuroSim do.
 *
 * Every CIM layer is a pipeline stage on arrays of its own; throughput is set by the slowest
 * stage (compiler/cost/model.ts stageTiming). r copies of a layer's arrays take 1/r of its input
 * vectors each, so its stage time falls to ⌈V/r⌉ cycles while its numbers do not change (every
 * copy holds the same cells). Greedy, like those tools: give the current bottleneck one more
 * copy while the copy fits in the budget; once the bottleneck cannot be copied (no room, or one
 * vector per copy already), no other copy can raise the throughput, so stop.
 *
 * Budget: --array-budget, else the target's arraysPerChip; without either nothing is copied.
 */
import type { Node } from '../compiler/ir/ir.js';
import { definePass, requireTarget } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import { stageTiming, type CostTarget, type TimingFigures } from '../compiler/cost/model.js';
import { outputVectors } from '../plan/geometry.js';
import '../compiler/cim/annotations.js';

/** Timing without cost figures: one array cycle per time unit (the ranking is what matters). */
const unitTiming: TimingFigures = { adc: { conversionTimeNs: 0 }, array: { readTimeNs: 1 } };

interface Stage {
  index: number;
  arrays: number;
  vectors: number;
  replicas: number;
  time(replicas: number): number;
}

/** The options replicate reads: their one declaration (flags, explain, types and checks come from it). */
export const replicateOptions = defineOptions({
  arrayBudget: {
    type: 'integer', min: 1, flag: '--array-budget <n>', defaultText: "the target's arraysPerChip; without it, no copies",
    description: 'arrays the replicated model may use: copies of the slowest layers fill it',
  },
});

export const replicate = definePass({
  name: 'replicate',
  summary: 'Duplicate the arrays of the slowest CIM layers (pipeline bottlenecks) within an array budget; numbers do not change.',
  requires: [fact('cim-placed')],
  // Nothing new holds that a later pass needs: replicas are an annotation emit-plan records.
  provides: [],
  requiresTarget: true,
  options: Object.values(replicateOptions),
  run(graph, ctx) {
    const target = requireTarget(ctx);
    const budget = readOption(ctx.options, replicateOptions.arrayBudget) ?? target.arraysPerChip;
    const cost: TimingFigures = typeof target.cost === 'object' ? target.cost : unitTiming;
    const batch = Math.max(1, graph.staticShape(graph.inputs[0] ?? '')?.[0] ?? 1);
    const costTarget = target as unknown as CostTarget;

    const stages: Stage[] = [];
    graph.nodes.forEach((node, index) => {
      const m = node.annotations?.cim?.mapping;
      if (!m || !m.arrays.length) return;
      const vectors = Math.max(1, Math.ceil(outputVectors(m.geometry) / batch));
      const one = stageTiming(m, 1, batch, costTarget, cost); // ⌈V/r⌉ · (cycles per vector) · cycle time
      const perVectorNs = (one.arrayCycles / vectors) * one.cycleTimeNs;
      stages.push({ index, arrays: m.arrays.length, vectors, replicas: 1, time: (r) => Math.ceil(vectors / r) * perVectorNs });
    });
    const placed = stages.reduce((s, l) => s + l.arrays, 0);
    ctx.stats.set('replicate.arraysBefore', placed);
    if (budget === undefined || !stages.length) return { graph, changed: false };
    if (budget < placed) {
      ctx.diagnostics.note('CIM2005', `the array budget (${budget}) is below the ${placed} arrays placed: no layer replicated`, { pass: 'replicate' });
      return { graph, changed: false };
    }

    let used = placed;
    const slowest = (): Stage => stages.reduce((a, b) => (b.time(b.replicas) > a.time(a.replicas) ? b : a));
    for (;;) {
      const s = slowest();
      if (s.replicas >= s.vectors || used + s.arrays > budget) break;
      s.replicas++;
      used += s.arrays;
    }
    ctx.stats.set('replicate.arraysAfter', used);
    const copied = stages.filter((s) => s.replicas > 1);
    if (!copied.length) return { graph, changed: false };
    const byIndex = new Map(copied.map((s) => [s.index, s.replicas]));
    const nodes = graph.nodes.map((node, i): Node => {
      const r = byIndex.get(i);
      const cim = node.annotations?.cim;
      if (r === undefined || !cim) return node;
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, replicas: r } } };
    });
    return { graph: graph.with({ nodes }), changed: true };
  },
});
