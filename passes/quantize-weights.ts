/**
 * quantize-weights: weight scales at the chosen granularity, integer cells per column
 * (slices and polarities), analytic ADC steps, and one dequantization factor per column
 * (steps: compiler/cim/adc-steps.ts; factors: compiler/cim/dequant-factor.ts).
 */
import type { Node } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOptions } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimMapping, CimQuantization } from '../compiler/cim/annotations.js';
import { adcKeys, analyticAdcSteps } from '../compiler/cim/adc-steps.js';
import { columnWeightFactors, dequantFactors } from '../compiler/cim/dequant-factor.js';
import { chooseWeightScales, quantizeWeight, weightKeys, weightRange } from '../compiler/cim/weight-quant.js';
import { CimcError } from '../base/diagnostics.js';
import { activationEncoding } from '../plan/activation.js';
import type { CrossbarWeights } from '../compiler/qdq/crossbar-weights.js';
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

/** The weight column (row tile · Ng + local output channel) that column c cuts its cells from. */
function weightColumnOf(m: CimMapping, c: number): number {
  const t = m.columns.rowTile[c];
  return t * m.channelsPerGroup + m.columns.outChannel[c] - m.rowTiles[t].group * m.channelsPerGroup;
}

/** Σu and Σu² of one column, returned without allocating per column. */
const columnSums = { s1: 0, s2: 0 };

/**
 * Cuts one column's cells u = (stored >> shift) & mask from `count` quantized weights, where
 * stored is q + offset (polarity 0, offset encoding), max(q, 0) (+) or max(−q, 0) (−). One loop
 * per polarity keeps the per-weight branch out of the hot loop.
 */
function cutColumn(q: Int32Array, src: number, count: number, cells: Uint8Array, dst: number, polarity: number, offset: number, shift: number, mask: number): typeof columnSums {
  let s1 = 0;
  let s2 = 0;
  const end = src + count;
  // Branch-free: v & ~(v >> 31) is max(v, 0) for int32 v (weights have random signs, so a
  // branch here mispredicts on every other weight and costs 5× the loop).
  if (polarity === 0) {
    for (let i = src, o = dst; i < end; i++, o++) { const u = ((q[i] + offset) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  } else if (polarity > 0) {
    for (let i = src, o = dst; i < end; i++, o++) { const v = q[i]; const u = ((v & ~(v >> 31)) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  } else {
    for (let i = src, o = dst; i < end; i++, o++) { const v = -q[i]; const u = ((v & ~(v >> 31)) >> shift) & mask; cells[o] = u; s1 += u; s2 += u * u; }
  }
  columnSums.s1 = s1;
  columnSums.s2 = s2;
  return columnSums;
}

/**
 * `imported`: the model's own integers and scales (a QDQ export, compiler/qdq/layer-import.ts),
 * put on the cells as they are instead of quantizing the float matrix.
 */
export function quantizeLayer(m: CimMapping, weightGranularity: CimQuantization['weightGranularity'], weightMethod: 'maxabs' | 'mse', psumGranularity: CimQuantization['psumGranularity'], imported?: CrossbarWeights): CimQuantization {
  const { bits } = m;
  const ng = m.channelsPerGroup;
  const range = weightRange(bits.weight, m.encoding);
  const wKeys = weightKeys(m, weightGranularity);
  const tiles = m.rowTiles.length;
  let weightScale: Float64Array = new Float64Array(tiles * ng);
  if (imported) weightScale = imported.weightScale;
  else {
    const keyScales = chooseWeightScales(m, wKeys, range, weightMethod);
    for (let i = 0; i < weightScale.length; i++) weightScale[i] = keyScales[wKeys[i]];
  }

  // Cells, column after column: each column holds its row tile's rows of one output channel.
  const k = m.geometry.rowsPerGroup;
  const cols = m.columns.array.length;
  const cellOffset = new Int32Array(cols);
  let total = 0;
  for (let c = 0; c < cols; c++) {
    cellOffset[c] = total;
    total += m.rowTiles[m.columns.rowTile[c]].rowCount;
  }
  // The columns of each weight column (row tile t, local channel ol): its slices and polarities.
  const weightColumns = tiles * ng;
  const firstCol = new Int32Array(weightColumns + 1);
  const colOfWeight = new Int32Array(cols);
  for (let c = 0; c < cols; c++) firstCol[weightColumnOf(m, c) + 1]++;
  for (let i = 0; i < weightColumns; i++) firstCol[i + 1] += firstCol[i];
  const fill = firstCol.slice(0, weightColumns);
  for (let c = 0; c < cols; c++) colOfWeight[fill[weightColumnOf(m, c)]++] = c;

  const cells = new Uint8Array(total);
  const sumU = new Float64Array(cols);
  const sumU2 = new Float64Array(cols);
  const cellMask = 2 ** bits.cell - 1;
  const weightSum = new Int32Array(weightColumns);
  const matrix = m.matrix;
  const maxRows = m.rowTiles.reduce((n, t) => Math.max(n, t.rowCount), 0);
  const qTile = new Int32Array(maxRows * ng);
  const block = 32;
  for (let t = 0; t < tiles; t++) {
    const tile = m.rowTiles[t];
    const rows = tile.rowCount;
    const first = tile.group * k * ng + tile.rowStart * ng;
    // The tile's quantized weights, transposed to [channel][row] (32×32 blocks: neither side
    // strides through memory), small enough to stay in cache while its columns are cut.
    for (let i0 = 0; i0 < rows; i0 += block) {
      const i1 = Math.min(rows, i0 + block);
      for (let o0 = 0; o0 < ng; o0 += block) {
        const o1 = Math.min(ng, o0 + block);
        for (let ol = o0; ol < o1; ol++) {
          const scale = weightScale[t * ng + ol];
          if (imported) for (let i = i0; i < i1; i++) qTile[ol * rows + i] = imported.q[first + i * ng + ol];
          else for (let i = i0; i < i1; i++) qTile[ol * rows + i] = quantizeWeight(matrix[first + i * ng + ol], scale, range);
        }
      }
    }
    for (let ol = 0; ol < ng; ol++) {
      const wi = t * ng + ol;
      let sum = 0;
      for (let i = ol * rows, end = i + rows; i < end; i++) sum += qTile[i];
      weightSum[wi] = sum;
      for (let j = firstCol[wi]; j < firstCol[wi + 1]; j++) {
        const c = colOfWeight[j];
        const shift = bits.cell * (bits.slices - 1 - m.columns.slice[c]);
        const polarity = m.encoding === 'offset' ? 0 : m.columns.polarity[c];
        const sums = cutColumn(qTile, ol * rows, rows, cells, cellOffset[c], polarity, range.weightOffset, shift, cellMask);
        sumU[c] = sums.s1;
        sumU2[c] = sums.s2;
      }
    }
  }

  const aKeys = adcKeys(m, psumGranularity);
  const ideal = bits.adc === 'ideal';
  const adcStep = analyticAdcSteps(sumU, sumU2, aKeys, bits);
  const dequantFactor = dequantFactors(columnWeightFactors(m, weightScale), adcStep);
  const colWeightKey = new Int32Array(cols);
  for (let c = 0; c < cols; c++) colWeightKey[c] = wKeys[weightColumnOf(m, c)];

  return {
    weightGranularity, weightMethod: imported ? 'imported' : weightMethod, psumGranularity,
    adcCalibration: ideal ? 'ideal' : 'analytic',
    weightScale, weightSum, cells, cellOffset, adcStep, dequantFactor,
    weightScaleCount: distinctCount(wKeys),
    adcStepCount: distinctCount(aKeys),
    // Imported scales: distinct values, whatever keys they sit under.
    ...(imported ? { weightScaleCount: new Set(weightScale).size } : {}),
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

export const quantizeWeights = definePass({
  name: 'quantize-weights',
  summary: 'Per-column (or coarser) weight scales, integer cells per slice and polarity, ADC steps, per-column dequantization factors.',
  requires: [fact('cim-legal')],
  provides: [fact('cim-quantized')],
  requiresTarget: true,
  options: Object.values(quantizeWeightsOptions),
  run(graph, ctx) {
    const opts = readOptions(ctx.options, quantizeWeightsOptions);
    let layers = 0;
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
        const base = quantizeLayer(cim.mapping, imp.weights?.granularity ?? opts.weightGranularity, opts.weightScale, opts.psumGranularity, imp.weights);
        const quant = imp.activation ? { ...base, activation: imp.activation, activationImported: true } : base;
        return { ...node, annotations: { ...node.annotations, cim: { ...cim, quant } } };
      }
      const quant = quantizeLayer(cim.mapping, opts.weightGranularity, opts.weightScale, opts.psumGranularity);
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, quant } } };
    });
    return { graph: graph.with({ nodes }), changed: layers > 0 };
  },
});
