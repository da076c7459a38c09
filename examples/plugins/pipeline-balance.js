// pipeline-balance: a cimc plugin that balances a layer pipeline by duplicating the arrays of
// the slowest crossbar layers, within an array budget. The worked example of docs/writing-passes.md.
//
//   npx cimc --plugin ./examples/plugins/pipeline-balance.js compile examples/models/mnist-cnn.onnx -o out/mnist.json
//
// It also ships the vendor target of docs/writing-targets.md (examples/targets/vendor-reram.json),
// so `-t vendor-reram` works once the plugin is loaded.
//
// Timing model (an estimate, documented in docs/writing-passes.md):
//   - Layers form a pipeline: every CIM layer has its own arrays and works on a different
//     inference at the same time, so throughput = 1 / (time of the slowest layer).
//   - Inside a layer, all arrays and all ADCs work in parallel. An ADC serves `columnsPerAdc`
//     adjacent columns and converts them one after another, so one input vector in one input
//     cycle costs an array min(colsUsed, columnsPerAdc) conversion slots.
//   - time(layer) = ⌈outputVectors / r⌉ · cycles · slots · latencyPerConversionNs, where r is
//     the replication factor: r copies of the layer's arrays each take 1/r of the output vectors.
//   - A copy costs as many arrays as the layer has. The pass duplicates the slowest layer
//     again and again while the budget allows; once the slowest layer no longer fits, no other
//     copy can raise the throughput, so it stops.
import * as fs from 'node:fs';
import { CimcError } from 'cimc';

const PASS = 'pipeline-balance';
const NOTE_PREFIX = `${PASS}: `;

/** Input vectors a layer processes per inference (as the mapping report counts them). */
function outputVectors(geometry) {
  const out = geometry.outputShape;
  const product = (dims) => dims.reduce((a, b) => a * b, 1);
  return geometry.kind === 'conv' ? product(out.slice(2)) * out[0] : product(out.slice(0, -1));
}

/** Conversion slots one input vector costs per input cycle: the busiest ADC of the layer. */
function slotsPerVector(mapping, columnsPerAdc) {
  const widest = Math.max(...mapping.arrays.map((a) => a.colsUsed));
  return Math.min(widest, columnsPerAdc);
}

/** Time of one CIM layer per inference, in ns, with r replicas. */
function layerTimeNs(layer, replicas, conversionNs) {
  return Math.ceil(layer.vectors / replicas) * layer.cycles * layer.slots * conversionNs;
}

/** The array budget: option > plugin setting > target.arraysPerChip > 2× the placed arrays. */
function arrayBudget(ctx, settings, placedArrays) {
  const option = ctx.options.arrayBudget ?? settings.arrayBudget;
  if (option !== undefined) {
    const n = typeof option === 'string' ? Number(option) : option;
    if (!Number.isInteger(n) || n < 1) {
      throw new CimcError('CIM2006', `--array-budget must be a positive integer, got '${String(option)}'`, { field: '--array-budget' });
    }
    return { budget: n, from: ctx.options.arrayBudget !== undefined ? 'option arrayBudget' : 'plugin setting arrayBudget' };
  }
  if (ctx.target?.arraysPerChip !== undefined) return { budget: ctx.target.arraysPerChip, from: `arraysPerChip of target '${ctx.target.name}'` };
  return { budget: 2 * placedArrays, from: `2x the ${placedArrays} placed arrays` };
}

/** Nanoseconds for messages: at most 3 decimals (latencies like 1.2 ns make float products). */
const ns = (x) => `${Math.round(x * 1000) / 1000} ns`;
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(1));

/** Builds the pass; `settings.arrayBudget` is the default budget of this plugin instance. */
export function makePipelineBalancePass(settings = {}) {
  return {
    name: PASS,
    summary: 'Duplicate the arrays of the slowest CIM layers (pipeline bottlenecks) while the array budget allows; estimate the throughput.',
    requires: ['cim-placed'],
    provides: ['pipeline-balanced'],
    // The pass manager stops with CIM2000 before running it without a target.
    requiresTarget: true,
    options: [
      { name: 'arrayBudget', type: 'number', description: "arrays the replicated model may use (default: the target's arraysPerChip, else 2x the placed arrays)" },
    ],
    run(graph, ctx) {
      const target = ctx.target;
      const conversionNs = target.adc.latencyPerConversionNs ?? 1;
      const columnsPerAdc = target.adc.columnsPerAdc ?? 1;

      // 1. Read what the CIM passes attached to the nodes: one entry per crossbar layer.
      const layers = [];
      for (const node of graph.nodes) {
        const mapping = node.annotations?.cim?.mapping;
        if (!mapping) continue;
        layers.push({
          node: node.name, opType: node.opType,
          arrays: mapping.arrays.length,
          columns: mapping.columns.array.length,
          vectors: outputVectors(mapping.geometry),
          cycles: mapping.bits.cycles,
          slots: slotsPerVector(mapping, columnsPerAdc),
          replicas: 1,
        });
      }
      if (!layers.length) return { graph, changed: false };

      // 2. Greedy balancing: copy the slowest layer while its copy fits in the budget.
      const placed = layers.reduce((s, l) => s + l.arrays, 0);
      const { budget, from } = arrayBudget(ctx, settings, placed);
      if (budget < placed) {
        ctx.diagnostics.warn('CIM2005', `the array budget (${budget}, ${from}) is below the ${placed} arrays already placed: no layer duplicated`, { pass: PASS });
      }
      const time = (l) => layerTimeNs(l, l.replicas, conversionNs);
      const slowest = () => layers.reduce((a, b) => (time(b) > time(a) ? b : a));
      const before = slowest();
      const bottleneckBefore = { layer: before.node, timeNs: time(before) };
      let used = placed;
      for (;;) {
        const s = slowest();
        if (s.replicas >= s.vectors || used + s.arrays > budget) break;
        s.replicas++;
        used += s.arrays;
      }
      const after = slowest();
      const bottleneckAfter = { layer: after.node, timeNs: time(after) };
      const throughputBefore = 1e9 / bottleneckBefore.timeNs;
      const throughputAfter = 1e9 / bottleneckAfter.timeNs;

      // Energy per inference does not change: r copies split the same conversions.
      const epc = target.adc.energyPerConversionPj;
      const epa = target.energyPerArrayActivationPj;
      const energyPj = epc === undefined && epa === undefined ? undefined
        : layers.reduce((s, l) => s + l.vectors * l.cycles * (l.columns * (epc ?? 0) + l.arrays * (epa ?? 0)), 0);

      // 3. Record the result on the nodes (new objects; the input graph is never mutated).
      const byNode = new Map(layers.map((l) => [l.node, l]));
      const nodes = graph.nodes.map((node) => {
        const l = byNode.get(node.name);
        if (!l) return node;
        const cim = node.annotations.cim;
        const notes = cim.mapping.notes.filter((n) => !n.startsWith(NOTE_PREFIX));
        const baseNs = layerTimeNs(l, 1, conversionNs);
        if (l.replicas > 1) {
          const message = `${l.replicas} replicas (+${(l.replicas - 1) * l.arrays} arrays): ${ns(baseNs)} -> ${ns(time(l))} per inference`;
          notes.push(NOTE_PREFIX + message);
          ctx.diagnostics.note('CIM2005', message, { file: ctx.modelPath, node: l.node, opType: l.opType, pass: PASS });
        }
        return {
          ...node,
          annotations: { ...node.annotations, replicas: l.replicas, cim: { ...cim, mapping: { ...cim.mapping, notes } } },
        };
      });

      // 4. A graph annotation for later passes and library users, stats, and a summary note.
      const pipelineBalance = {
        arrayBudget: budget, budgetFrom: from, arraysBefore: placed, arraysAfter: used, conversionNs,
        bottleneckBefore, bottleneckAfter, throughputBefore, throughputAfter,
        ...(energyPj === undefined ? {} : { energyPerInferencePj: energyPj }),
        layers: layers.map((l) => ({ name: l.node, arrays: l.arrays, replicas: l.replicas, timeNs: time(l) })),
      };
      const duplicated = layers.filter((l) => l.replicas > 1).length;
      ctx.stats.set(`${PASS}.duplicated-layers`, duplicated);
      ctx.stats.set(`${PASS}.arrays`, used);
      ctx.stats.set(`${PASS}.array-budget`, budget);
      ctx.stats.set(`${PASS}.bottleneck-ns`, Math.round(bottleneckAfter.timeNs * 1000) / 1000);
      ctx.stats.set(`${PASS}.throughput-per-s`, Math.round(throughputAfter));
      if (energyPj !== undefined) ctx.stats.set(`${PASS}.energy-pj`, Math.round(energyPj));
      const assumed = target.adc.latencyPerConversionNs === undefined ? ' (1 ns per conversion assumed: the target gives no adc.latencyPerConversionNs)' : '';
      const energy = energyPj === undefined ? '' : `; ${(energyPj / 1000).toFixed(1)} nJ per inference`;
      ctx.diagnostics.note('CIM2005',
        `${duplicated} layer${duplicated === 1 ? '' : 's'} duplicated, arrays ${placed} -> ${used} (budget ${budget}: ${from}); ` +
        `bottleneck ${bottleneckAfter.layer} ${ns(bottleneckAfter.timeNs)}; throughput ${fmt(throughputBefore)} -> ${fmt(throughputAfter)} inferences/s ` +
        `(x${(throughputAfter / throughputBefore).toFixed(2)})${assumed}${energy}`,
        { pass: PASS });
      return { graph: graph.with({ nodes, annotations: { ...graph.annotations, pipelineBalance } }), changed: true };
    },
  };
}

/** The vendor target of docs/writing-targets.md, shipped with the plugin (JSON data, schema-checked on load). */
const vendorReram = JSON.parse(fs.readFileSync(new URL('../targets/vendor-reram.json', import.meta.url), 'utf8'));

/** A plugin instance; `settings.arrayBudget` sets its default budget (the CLI has no flag for it yet). */
export function pipelineBalancePlugin(settings = {}) {
  return {
    name: 'pipeline-balance',
    passes: [makePipelineBalancePass(settings)],
    facts: [{ name: 'pipeline-balanced', summary: 'graph.annotations.pipelineBalance and node.annotations.replicas hold the replication of the slowest layers' }],
    targets: [vendorReram],
    insert: [{ pass: PASS, after: 'place' }],
  };
}

export default pipelineBalancePlugin();
