/**
 * legalize-cim: im2col geometry, row tiles (whole input channels = grouped convolution, or
 * dense), column tiles, bit slices and signed-weight encoding for every selected layer.
 */
import { CimcError } from '../base/diagnostics.js';
import type { Node } from '../compiler/ir/ir.js';
import { definePass, requireTarget, type PassContext } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOptions } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimLayerBits, RowTile } from '../plan/types.js';
import type { CimMapping } from '../compiler/cim/annotations.js';
import { adcBitsFromFlag, checkAdcBits, layerBits, mappingOptions } from '../compiler/cim/bits.js';
import { layerMatrix, matrixIndexOf } from '../compiler/cim/geometry.js';
import { withLazyMatrix } from '../compiler/cim/mapping-matrix.js';
import { isNonNegative } from '../compiler/cim/sign-analysis.js';
import { tileLayer } from '../compiler/cim/tiling.js';
import { quantizeWeightsOptions } from './quantize-weights.js';

/**
 * Numbers the runtime accumulates must stay exact: Σq per (tile, channel) is stored as int32,
 * the analog MAC is summed in float64 (exact below 2^53) and, by the ORT engine, in float32
 * (exact below 2^24). Refused or noted here, at compile time, rather than found at run time.
 */
function checkAccumulators(rowTiles: readonly RowTile[], bits: CimLayerBits, encoding: 'differential' | 'offset', where: { node: string; opType: string }, ctx: PassContext): void {
  const rows = Math.max(...rowTiles.map((t) => t.rowCount));
  const qmax = encoding === 'differential' ? 2 ** bits.weight - 1 : 2 ** (bits.weight - 1);
  if (rows * qmax >= 2 ** 31) {
    throw new CimcError('CIM2005', `a row tile of ${rows} rows of ${bits.weight}-bit weights can sum to ${rows * qmax}, beyond the int32 weight sums of the plan; use fewer rows or weight bits`, where);
  }
  const macBound = rows * (2 ** bits.dac - 1) * (2 ** bits.cell - 1);
  if (macBound >= 2 ** 53) throw new CimcError('CIM2005', `analog MACs can reach ${macBound}, beyond exact float64 integers`, where);
  if (macBound >= 2 ** 24) ctx.diagnostics.note('CIM2009', `analog MACs can reach ${macBound} ≥ 2^24: the reference runtime stays exact (float64), the ORT engine refuses this layer`, where);
}

/** Index of the first NaN or ±∞, or −1 (a plain loop: findIndex's callback per weight is slow on big layers). */
function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}

/** The options legalize-cim reads: their one declaration (flags, explain, types and checks come from it). */
export const legalizeCimOptions = defineOptions({
  tiling: {
    type: 'string', choices: ['whole-kernel', 'dense'], default: 'whole-kernel', flag: '--tiling <policy>',
    description: "row tiles of whole input channels (the seed's grouped-convolution tiling) or dense rows that cut kernels",
  },
  encoding: {
    type: 'string', choices: ['differential', 'offset'], defaultText: "the target's", flag: '--encoding <enc>',
    description: 'signed-weight encoding: a ± array pair, or cells storing q + 2^(b−1)',
  },
  sliceLayout: {
    type: 'string', choices: ['separate', 'adjacent'], default: 'separate', flag: '--slice-layout <layout>',
    description: 'slices and polarities in separate arrays (the seed) or adjacent columns',
  },
  packGroups: {
    type: 'boolean', default: false, flag: '--pack-groups',
    description: 'pack small groups of grouped/depthwise convs block-diagonally into shared arrays',
  },
  weightBits: { type: 'integer', min: 1, max: 16, defaultText: "the target's", flag: '--weight-bits <n>', description: 'weight bits' },
  actBits: { type: 'integer', min: 1, max: 16, defaultText: "the target's", flag: '--act-bits <n>', description: 'activation bits' },
  dacBits: {
    type: 'integer', min: 1, max: 16, defaultText: "the target's, at most the activation bits", flag: '--dac-bits <n>',
    description: 'DAC bits per input cycle',
  },
  adcBits: {
    type: 'adc-bits', defaultText: "the target's", flag: '--adc-bits <n|1.5|ideal>', check: checkAdcBits, fromFlag: adcBitsFromFlag,
    description: "ADC bits: 1..16, 1.5 (three levels) or 'ideal' (no ADC quantization: the exact integer path)",
  },
});

export const legalizeCim = definePass({
  name: 'legalize-cim',
  summary: 'Unroll selected layers (im2col) into row tiles, column tiles, bit slices and polarities on the target arrays.',
  requires: [fact('cim-selected')],
  provides: [fact('cim-legal')],
  requiresTarget: true,
  options: Object.values(legalizeCimOptions),
  run(graph, ctx) {
    const target = requireTarget(ctx);
    const { tiling, encoding, sliceLayout, packGroups, weightBits, actBits, dacBits, adcBits } = legalizeCimOptions;
    // quantize-weights' options are checked here too, so that a bad one stops the compile before any layer is tiled.
    const opts = mappingOptions(readOptions(ctx.options, { tiling, encoding, sliceLayout, packGroups, ...quantizeWeightsOptions }), target);
    const bits = layerBits(readOptions(ctx.options, { weightBits, actBits, dacBits, adcBits }), target);
    if (opts.encoding === 'offset' && bits.weight < 2) {
      throw new CimcError('CIM2006', 'offset encoding needs at least 2 weight bits', { field: '--weight-bits' });
    }
    let layers = 0;
    const nodes = graph.nodes.map((node): Node => {
      const cim = node.annotations?.cim;
      if (!cim?.selection.selected) return node;
      const where = { node: node.name, opType: node.opType };
      const m = layerMatrix(graph, node);
      const bad = firstNonFinite(m.weights);
      if (bad >= 0) {
        // Named by its place in the layer's [groups][K][Ng] matrix, as the plan stores it: the first there.
        let first = bad;
        const at = (i: number) => matrixIndexOf(i, m.geometry.rowsPerGroup, m.channelsPerGroup);
        for (let i = bad + 1; i < m.weights.length; i++) if (m.weights[i] - m.weights[i] !== 0 && at(i) < at(first)) first = i;
        throw new CimcError('CIM2005', `weight ${at(first)} of the layer is ${m.weights[first]}; a crossbar cannot hold a non-finite weight`, where);
      }
      if (m.bias?.some((b) => !Number.isFinite(b))) throw new CimcError('CIM2005', 'the bias holds a non-finite value', where);
      let tiled;
      try {
        tiled = tileLayer({
          groups: m.geometry.groups, rowsPerGroup: m.geometry.rowsPerGroup, channelsPerGroup: m.channelsPerGroup,
          kernelArea: m.kernelArea, rows: target.array.rows, cols: target.array.cols,
          slices: bits.slices, polarities: opts.encoding === 'differential' ? 2 : 1,
          tiling: opts.tiling, sliceLayout: opts.sliceLayout, packGroups: opts.packGroups,
        });
      } catch (e) {
        if (e instanceof CimcError) throw new CimcError(e.code, e.message, where);
        throw e;
      }
      for (const note of tiled.notes) ctx.diagnostics.warn('CIM2005', note, where);
      checkAccumulators(tiled.rowTiles, bits, opts.encoding, where, ctx);
      const unsignedInput = isNonNegative(graph, node.inputs[0]);
      if (!unsignedInput && bits.activation < 2) {
        throw new CimcError('CIM2005', 'signed input needs at least 2 activation bits', where);
      }
      const mapping: CimMapping = withLazyMatrix({
        geometry: m.geometry, bits, encoding: opts.encoding, sliceLayout: opts.sliceLayout,
        tiling: tiled.tiling, packGroups: tiled.packGroups, weights: m.weights, channelsPerGroup: m.channelsPerGroup,
        bias: m.bias, rowTiles: tiled.rowTiles, colTiles: tiled.colTiles, arrays: tiled.arrays,
        columns: tiled.columns, weightBlock: tiled.weightBlock, unsignedInput, notes: tiled.notes,
      });
      layers++;
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, mapping } } };
    });
    ctx.stats.set('legalize-cim.layers', layers);
    return { graph: graph.with({ nodes }), changed: layers > 0 };
  },
});
