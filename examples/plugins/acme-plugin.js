// An example cimc plugin: a plain object that adds a pass and a target and inserts the pass
// into the default pipeline. Load it with:  cimc --plugin ./examples/plugins/acme-plugin.js compile ...
// It needs nothing from cimc at load time; passes get the graph and a context.

/** Keeps layers with fewer weights than `minCimWeights` (default 1024) digital: tiny layers waste arrays. */
const keepSmallLayersDigital = {
  name: 'keep-small-layers-digital',
  summary: 'Deselect crossbar layers with fewer than --min-cim-weights weights (default 1024); they run digitally.',
  requires: ['cim-selected'],
  provides: ['small-layers-digital'],
  options: [
    { name: 'minCimWeights', type: 'number', default: 1024, description: 'layers with fewer weights stay digital' },
  ],
  run(graph, ctx) {
    const limit = typeof ctx.options.minCimWeights === 'number' ? ctx.options.minCimWeights : 1024;
    let moved = 0;
    const nodes = graph.nodes.map((node) => {
      const cim = node.annotations?.cim;
      if (!cim?.selection.selected) return node;
      const weights = graph.constants.get(node.inputs[1]);
      if (!weights || weights.data.length >= limit) return node;
      moved++;
      ctx.diagnostics.note('CIM2005', `${weights.data.length} weights < ${limit}: kept digital`, { node: node.name, opType: node.opType, pass: 'keep-small-layers-digital' });
      const selection = { selected: false, reason: `fewer than ${limit} weights (keep-small-layers-digital)` };
      return { ...node, annotations: { ...node.annotations, cim: { selection } } };
    });
    ctx.stats.set('keep-small-layers-digital.moved', moved);
    return { graph: graph.with({ nodes }), changed: moved > 0 };
  },
};

/** A vendor macro described as data; checked against schemas/target.schema.json when loaded. */
const acmeMacro = {
  name: 'acme-rram-64',
  description: 'ACME RRAM macro: 64x64 arrays of 1-bit cells, 4-bit weights, bit-serial inputs, 5-bit ADC shared by 8 columns.',
  source: 'examples/plugins/acme-plugin.js (illustrative numbers)',
  array: { rows: 64, cols: 64, cellBits: 1 },
  weightBits: 4,
  activationBits: 4,
  dacBits: 1,
  adc: { bits: 5, columnsPerAdc: 8, energyPerConversionPj: 2.1, latencyPerConversionNs: 1.2 },
  encoding: 'differential',
  arraysPerChip: 4096,
  energyPerArrayActivationPj: 0.8,
};

export default {
  name: 'acme',
  passes: [keepSmallLayersDigital],
  facts: [{ name: 'small-layers-digital', summary: 'crossbar layers with fewer than --min-cim-weights weights are deselected' }],
  targets: [acmeMacro],
  insert: [{ pass: 'keep-small-layers-digital', after: 'select-cim' }],
};
