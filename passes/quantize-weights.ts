/**
 * quantize-weights: weight scales at the chosen granularity, integer cells per column
 * (slices and polarities), analytic ADC steps, and one dequantization factor per column
 * (steps: compiler/cim/adc-steps.ts; factors: compiler/cim/dequant-factor.ts).
 */
import { availableParallelism } from 'node:os';
import type { Node } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOptions } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimMapping, CimQuantization } from '../compiler/cim/annotations.js';
import { adcKeys, analyticAdcSteps } from '../compiler/cim/adc-steps.js';
import { columnWeightFactors, dequantFactors } from '../compiler/cim/dequant-factor.js';
import { weightKeys } from '../compiler/cim/weight-quant.js';
import { weightColumnOf } from '../compiler/cim/weight-cells.js';
import { importedScalesAndCells, scalesAndCells, type ScalesAndCells } from '../compiler/cim/layer-cells.js';
import { scalesAndCellsOfLayers } from '../compiler/cim/workers/cell-pool.js';
import { CimcError } from '../base/diagnostics.js';
import { activationEncoding } from '../plan/activation.js';
import { layerImport, type ImportMode } from '../compiler/qdq/layer-import.js';

/** Distinct values among non-negative integer keys (a mark per value: a Set costs ~50 ns a key). */
function distinctCount(keys: Int32Array): number {
  const marks = new Uint8Array(keys.reduce((m, v) => Math.max(m, v + 1), 1));
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (marks[keys[i]] === 0) { marks[keys[i]] = 1; n++; }
  return n;
}

/** Distinct (a[i], b[i]) pairs of non-negative integer keys. */
function distinctPairs(a: Int32Array, b: Int32Array): number {
  if (distinctCount(b) === b.length || distinctCount(a) === a.length) return a.length; // e.g. every column its own ADC step
  const width = b.reduce((m, v) => Math.max(m, v + 1), 1);
  const height = a.reduce((m, v) => Math.max(m, v + 1), 1);
  if (width * height <= 2 ** 26) {
    const pair = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) pair[i] = a[i] * width + b[i];
    return distinctCount(pair);
  }
  const seen = new Set<number>();
  for (let i = 0; i < a.length; i++) seen.add(a[i] * width + b[i]);
  return seen.size;
}

/**
 * `cut`: the layer's scales and cells when already made (by scalesAndCellsOfLayers, on both
 * cores, or from a QDQ model's own integers and scales: importedScalesAndCells).
 */
export function quantizeLayer(m: CimMapping, weightGranularity: CimQuantization['weightGranularity'], weightMethod: 'maxabs' | 'mse', psumGranularity: CimQuantization['psumGranularity'], cut?: ScalesAndCells): CimQuantization {
  const { bits } = m;
  const wKeys = weightKeys(m, weightGranularity);
  // Cells, column after column: each column holds its row tile's rows of one output channel.
  const cols = m.columns.array.length;
  const { weightScale, cells, cellOffset, sumU, sumU2, weightSum } = cut ?? scalesAndCells(m, weightGranularity, weightMethod);

  const aKeys = adcKeys(m, psumGranularity);
  const ideal = bits.adc === 'ideal';
  const adcStep = analyticAdcSteps(sumU, sumU2, aKeys, bits);
  const dequantFactor = dequantFactors(columnWeightFactors(m, weightScale), adcStep);
  const colWeightKey = new Int32Array(cols);
  for (let c = 0; c < cols; c++) colWeightKey[c] = wKeys[weightColumnOf(m, c)];

  const imported = cut?.imported === true;
  return {
    weightGranularity, weightMethod: imported ? 'imported' : weightMethod, psumGranularity,
    adcCalibration: ideal ? 'ideal' : 'analytic',
    weightScale, weightSum, cells, cellOffset, adcStep, dequantFactor,
    // Imported scales: distinct values, whatever keys they sit under.
    weightScaleCount: imported ? new Set(weightScale).size : distinctCount(wKeys),
    adcStepCount: distinctCount(aKeys),
    scaleFactors: distinctPairs(colWeightKey, aKeys),
    activation: activationEncoding(bits.activation, !m.unsignedInput),
  };
}

/** The options quantize-weights reads: their one declaration (flags, explain, types and checks come from it). */
export const quantizeWeightsOptions = defineOptions({
  weightGranularity: {
    type: 'string', choices: ['layer', 'channel', 'array', 'column'], default: 'column', flag: '--weight-granularity <g>',
    description: 'weight scale shared per layer, output channel, array or column',
  },
  weightScale: {
    type: 'string', choices: ['maxabs', 'mse'], default: 'maxabs', flag: '--weight-scale <method>',
    description: 'weight scale from max |w| or by squared-error search over clip ratios',
  },
  psumGranularity: {
    type: 'string', choices: ['layer', 'array', 'column'], default: 'column', flag: '--psum-granularity <g>',
    description: 'ADC step shared per layer, array or column',
  },
  importedQuant: {
    type: 'string', choices: ['exact', 'requantize'], default: 'exact', flag: '--imported-quant <mode>',
    description: "a QDQ model's integers that the target's bits cannot hold: refuse (exact) or re-quantize the layer",
  },
});

/**
 * How the work is spread: not recorded in the plan (emit-plan records quantizeWeightsOptions
 * only), since the plan is the same for any value.
 */
export const quantizeJobsOptions = defineOptions({
  jobs: {
    type: 'integer', min: 1, max: 64, defaultText: 'the cores available', flag: '--jobs <n>',
    description: 'threads that quantize weights (1: no worker thread); the plan is the same for any n',
  },
});

export const quantizeWeights = definePass({
  name: 'quantize-weights',
  summary: 'Per-column (or coarser) weight scales, integer cells per slice and polarity, ADC steps, per-column dequantization factors.',
  requires: [fact('cim-legal')],
  provides: [fact('cim-quantized')],
  requiresTarget: true,
  options: [...Object.values(quantizeWeightsOptions), ...Object.values(quantizeJobsOptions)],
  run(graph, ctx) {
    const opts = readOptions(ctx.options, quantizeWeightsOptions);
    const threads = readOptions(ctx.options, quantizeJobsOptions).jobs ?? availableParallelism();
    // Layers with a QDQ model's own integers (annotations.qdq) are not quantized here.
    const mapped = graph.nodes.flatMap((n) => (n.annotations?.cim?.mapping && !n.annotations.qdq ? [n.annotations.cim.mapping] : []));
    const cuts = scalesAndCellsOfLayers(mapped, opts.weightGranularity, opts.weightScale, threads);
    let layers = 0;
    let quantized = 0;
    const nodes = graph.nodes.map((node): Node => {
      const cim = node.annotations?.cim;
      if (!cim?.mapping) return node;
      layers++;
      ctx.progress?.(layers / Math.max(1, graph.nodes.length), node.name);
      const qdq = node.annotations?.qdq;
      if (qdq) {
        const imp = layerImport(graph, node, cim.mapping, qdq, opts.importedQuant as ImportMode);
        const where = { node: node.name, opType: node.opType };
        if (imp.digital) {
          ctx.diagnostics.note('CIM2009', `${imp.digital}: the layer stays digital`, where);
          return { ...node, annotations: { ...node.annotations, cim: { selection: { selected: false, reason: imp.digital } } } };
        }
        for (const n of imp.notes) ctx.diagnostics.note('CIM2009', n, where);
        const granularity = imp.weights?.granularity ?? opts.weightGranularity;
        const cut = imp.weights ? importedScalesAndCells(cim.mapping, imp.weights.q, imp.weights.weightScale) : undefined;
        const base = quantizeLayer(cim.mapping, granularity, opts.weightScale, opts.psumGranularity, cut);
        const quant = imp.activation ? { ...base, activation: imp.activation, activationImported: true } : base;
        return { ...node, annotations: { ...node.annotations, cim: { ...cim, quant } } };
      }
      const quant = quantizeLayer(cim.mapping, opts.weightGranularity, opts.weightScale, opts.psumGranularity, cuts[quantized++]);
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, quant } } };
    });
    return { graph: graph.with({ nodes }), changed: layers > 0 };
  },
});
