/**
 * legalize-cim: im2col geometry, row tiles (whole input channels = grouped convolution, or
 * dense), column tiles, bit slices and signed-weight encoding for every selected layer.
 */
import { CimcError } from '../base/diagnostics.js';
import type { Node } from '../compiler/ir/ir.js';
import { definePass, requireTarget, type PassContext } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimLayerBits, RowTile } from '../plan/types.js';
import type { CimMapping } from '../compiler/cim/annotations.js';
import { layerBits, mappingOptions } from '../compiler/cim/bits.js';
import { layerMatrix } from '../compiler/cim/geometry.js';
import { isNonNegative } from '../compiler/cim/sign-analysis.js';
import { tileLayer } from '../compiler/cim/tiling.js';

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

export const legalizeCim = definePass({
  name: 'legalize-cim',
  summary: 'Unroll selected layers (im2col) into row tiles, column tiles, bit slices and polarities on the target arrays.',
  requires: [fact('cim-selected')],
  provides: [fact('cim-legal')],
  requiresTarget: true,
  options: [
    { name: 'tiling', type: 'string', choices: ['whole-kernel', 'dense'], default: 'whole-kernel', description: "row tiles of whole input channels (the seed's grouped-convolution tiling) or dense rows that cut kernels" },
    { name: 'encoding', type: 'string', choices: ['differential', 'offset'], description: 'signed-weight encoding (default: the target\'s)' },
    { name: 'sliceLayout', type: 'string', choices: ['separate', 'adjacent'], default: 'separate', description: 'slices and polarities in separate arrays (the seed) or adjacent columns' },
    { name: 'packGroups', type: 'boolean', default: false, description: 'pack small groups of grouped/depthwise convs block-diagonally into shared arrays' },
    { name: 'weightBits', type: 'number', description: 'weight bits (default: the target\'s)' },
    { name: 'actBits', type: 'number', description: 'activation bits (default: the target\'s)' },
    { name: 'dacBits', type: 'number', description: 'DAC bits per input cycle (default: the target\'s)' },
    { name: 'adcBits', type: 'string', description: "ADC bits: N, 1.5 or 'ideal' (default: the target's)" },
  ],
  run(graph, ctx) {
    const target = requireTarget(ctx);
    const opts = mappingOptions(ctx.options, target);
    const bits = layerBits(ctx.options, target);
    if (opts.encoding === 'offset' && bits.weight < 2) {
      throw new CimcError('CIM2006', 'offset encoding needs at least 2 weight bits', { field: '--weight-bits' });
    }
    let layers = 0;
    const nodes = graph.nodes.map((node): Node => {
      const cim = node.annotations?.cim;
      if (!cim?.selection.selected) return node;
      const where = { node: node.name, opType: node.opType };
      const m = layerMatrix(graph, node);
      const bad = firstNonFinite(m.matrix);
      if (bad >= 0) throw new CimcError('CIM2005', `weight ${bad} of the layer is ${m.matrix[bad]}; a crossbar cannot hold a non-finite weight`, where);
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
      const mapping: CimMapping = {
        geometry: m.geometry, bits, encoding: opts.encoding, sliceLayout: opts.sliceLayout,
        tiling: tiled.tiling, packGroups: tiled.packGroups, matrix: m.matrix, channelsPerGroup: m.channelsPerGroup,
        bias: m.bias, rowTiles: tiled.rowTiles, colTiles: tiled.colTiles, arrays: tiled.arrays,
        columns: tiled.columns, weightBlock: tiled.weightBlock, unsignedInput, notes: tiled.notes,
      };
      layers++;
      return { ...node, annotations: { ...node.annotations, cim: { ...cim, mapping } } };
    });
    ctx.stats.set('legalize-cim.layers', layers);
    return { graph: graph.with({ nodes }), changed: layers > 0 };
  },
});
