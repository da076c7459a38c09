/**
 * Exactness of the quantized mapping: the cells times their slice weights and polarity, times
 * the column's weight scale, give back exactly the quantized weight of every matrix entry —
 * computed here independently from the float weights.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph } from '../../compiler/ir/ir.js';
import type { CompileOptions, PassContext } from '../../compiler/pass-manager/pass.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { selectCim } from '../../passes/select-cim.js';
import { legalizeCim } from '../../passes/legalize-cim.js';
import { quantizeWeights } from '../../passes/quantize-weights.js';
import type { TargetSpec } from '../../targets/target.js';
import type { CimNodeAnnotation } from '../../compiler/cim/annotations.js';
import { convGraph, gemmGraph } from '../helpers/ir-builders.js';
import { checkReconstruction, refQuant } from '../helpers/reconstruct.js';

const seed: TargetSpec = {
  name: 'seed', array: { rows: 128, cols: 128, cellBits: 2 }, weightBits: 4, activationBits: 4, dacBits: 4,
  adc: { bits: 4 }, encoding: 'differential',
};

export function quantizedLayers(graph: Graph, options: CompileOptions, target: TargetSpec = seed): CimNodeAnnotation[] {
  const ctx: PassContext = { target, options, diagnostics: new DiagnosticSink(), stats: new Map() };
  const out = runPasses([selectCim, legalizeCim, quantizeWeights], graph, ctx, { initialFacts: ['shapes'] }).graph;
  return out.nodes.filter((n) => n.annotations?.cim?.quant).map((n) => n.annotations!.cim!);
}

describe('quantize-weights', () => {
  const cases: [string, Graph][] = [
    ['3x3 16→16', convGraph({ cin: 16, cout: 16, k: 3, pad: 1 })],
    ['depthwise 3x3', convGraph({ cin: 24, cout: 24, k: 3, pad: 1, group: 24 })],
    ['grouped 3x3, 4 groups', convGraph({ cin: 64, cout: 32, k: 3, pad: 1, group: 4 })],
    ['7x7 stride 2', convGraph({ cin: 3, cout: 20, k: 7, stride: 2, pad: 3, hw: 16 })],
    ['Gemm 300→40', gemmGraph(2, 300, 40, { transB: true, bias: true })],
  ];
  const settings: CompileOptions[] = [
    {},
    { encoding: 'offset' },
    { sliceLayout: 'adjacent', weightGranularity: 'layer' },
    { weightGranularity: 'array', weightScale: 'mse', packGroups: true },
    { weightGranularity: 'channel', tiling: 'dense', weightBits: 8 },
  ];
  for (const [name, graph] of cases) {
    for (const options of settings) {
      it(`cells reproduce the quantized weights exactly: ${name} ${JSON.stringify(options)}`, () => {
        const layers = quantizedLayers(graph, options);
        // Each graph is one Conv or Gemm, which must be mapped and quantized (else nothing is checked).
        expect(layers).toHaveLength(1);
        for (const cim of layers) {
          const { weights } = checkReconstruction(cim);
          expect(weights).toBe(cim.mapping!.matrix.length);
          expect(weights).toBeGreaterThan(0);
        }
      });
    }
  }

  it('column-wise scales fold into one dequantization factor per column: f = ±s_w·2^(c(n−1−s))·Δ', () => {
    const [cim] = quantizedLayers(convGraph({ cin: 16, cout: 16, k: 3, pad: 1 }), { adcBits: 'ideal' });
    const m = cim.mapping!;
    const q = cim.quant!;
    for (let c = 0; c < m.columns.array.length; c++) {
      const t = m.columns.rowTile[c];
      const s = q.weightScale[t * 16 + m.columns.outChannel[c]];
      expect(q.adcStep[c]).toBe(1);
      expect(q.dequantFactor[c]).toBe(m.columns.polarity[c] * s * 4 ** (1 - m.columns.slice[c]));
    }
    // 2 row tiles × 16 channels × 2 slices × 2 polarities distinct (scale, step) pairs
    expect(q.scaleFactors).toBe(2 * 16 * 2 * 2);
  });

  it('granularity sets how many distinct scales there are', () => {
    const g = convGraph({ cin: 16, cout: 16, k: 3, pad: 1 });
    const count = (o: CompileOptions) => { const q = quantizedLayers(g, o)[0].quant!; return [q.weightScaleCount, q.adcStepCount, q.scaleFactors]; };
    expect(count({ weightGranularity: 'layer', psumGranularity: 'layer' })).toEqual([1, 1, 1]);
    expect(count({ weightGranularity: 'channel', psumGranularity: 'layer' })).toEqual([16, 1, 16]);
    expect(count({ weightGranularity: 'array', psumGranularity: 'array' })).toEqual([2, 8, 8]);
    expect(count({ weightGranularity: 'column', psumGranularity: 'column' })).toEqual([32, 128, 128]);
    expect(count({ weightGranularity: 'column', psumGranularity: 'layer' })).toEqual([32, 1, 32]);
    expect(count({ weightGranularity: 'layer', psumGranularity: 'column' })).toEqual([1, 128, 128]);
    expect(count({ weightGranularity: 'channel', psumGranularity: 'array' })).toEqual([16, 8, 128]);
  });

  it('mse scales never give a larger squared error than max-abs', () => {
    const g = convGraph({ cin: 32, cout: 8, k: 3, pad: 1, seed: 9 });
    const err = (method: 'maxabs' | 'mse') => {
      const cim = quantizedLayers(g, { weightScale: method, weightBits: 3 })[0];
      const m = cim.mapping!; const q = cim.quant!;
      let e = 0;
      for (let t = 0; t < m.rowTiles.length; t++) {
        const tile = m.rowTiles[t];
        for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) for (let o = 0; o < 8; o++) {
          const w = m.matrix[r * 8 + o]; const s = q.weightScale[t * 8 + o];
          e += (w - s * refQuant(w, s, -7, 7)) ** 2;
        }
      }
      return e;
    };
    expect(err('mse')).toBeLessThan(err('maxabs'));
  });
});
