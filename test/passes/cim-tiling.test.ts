import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph } from '../../compiler/ir/ir.js';
import type { CompileOptions, PassContext } from '../../compiler/pass-manager/pass.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { selectCim } from '../../passes/select-cim.js';
import { legalizeCim } from '../../passes/legalize-cim.js';
import { tileLayer } from '../../compiler/cim/tiling.js';
import type { TargetSpec } from '../../targets/target.js';
import { convGraph, gemmGraph } from '../helpers/ir-builders.js';
import type { CimMapping } from '../../compiler/cim/annotations.js';

const seed: TargetSpec = {
  name: 'seed', array: { rows: 128, cols: 128, cellBits: 2 }, weightBits: 4, activationBits: 4, dacBits: 4,
  adc: { bits: 4 }, encoding: 'differential',
};

function legalize(graph: Graph, options: CompileOptions = {}, target: TargetSpec = seed): CimMapping {
  const ctx: PassContext = { target, options, diagnostics: new DiagnosticSink(), stats: new Map() };
  const out = runPasses([selectCim, legalizeCim], graph, ctx, { initialFacts: ['shapes'] }).graph;
  const node = out.nodes.find((n) => n.annotations?.cim?.mapping);
  if (!node) throw new Error('no layer mapped');
  return node.annotations!.cim!.mapping!;
}

/** A compact, reviewable summary of a mapping (the golden form). */
function summary(m: CimMapping) {
  return {
    tiling: m.tiling,
    rowTiles: m.rowTiles.map((t) => `${t.group}:${t.rowStart}+${t.rowCount}`),
    colTiles: m.colTiles,
    arrays: m.arrays.length,
    arrayShapes: [...new Set(m.arrays.map((a) => `${a.rowsUsed}x${a.colsUsed}`))],
    columns: m.columns.array.length,
  };
}

describe('legalize-cim tiling (design §3)', () => {
  it("reproduces the design's worked example: 3x3 16→16 on 128x128 is 2 row tiles of 14 and 2 channels, 8 arrays", () => {
    const m = legalize(convGraph({ cin: 16, cout: 16, k: 3, pad: 1 }));
    expect(summary(m)).toEqual({
      tiling: 'whole-kernel', rowTiles: ['0:0+126', '0:126+18'], colTiles: 1, arrays: 8,
      arrayShapes: ['126x16', '18x16'], columns: 8 * 16,
    });
    // separate layout: every array holds one (slice, polarity) of one row tile
    const sets = new Set<string>();
    for (let c = 0; c < m.columns.array.length; c++) sets.add(`${m.columns.array[c]}:${m.columns.slice[c]}:${m.columns.polarity[c]}:${m.columns.rowTile[c]}`);
    expect(sets.size).toBe(8);
  });

  it('1x1 conv 256→64 fills rows with 128 channels per tile', () => {
    expect(summary(legalize(convGraph({ cin: 256, cout: 64, k: 1 })))).toEqual({
      tiling: 'whole-kernel', rowTiles: ['0:0+128', '0:128+128'], colTiles: 1, arrays: 8, arrayShapes: ['128x64'], columns: 8 * 64,
    });
  });

  it('5x5 conv 8→200 keeps 5 channels (125 rows) per tile and splits columns', () => {
    expect(summary(legalize(convGraph({ cin: 8, cout: 200, k: 5, pad: 2 })))).toEqual({
      tiling: 'whole-kernel', rowTiles: ['0:0+125', '0:125+75'], colTiles: 2, arrays: 2 * 2 * 4, arrayShapes: ['125x128', '125x72', '75x128', '75x72'], columns: 2 * 200 * 4,
    });
  });

  it('7x7 stride-2 conv 3→64 (ResNet stem) needs 147 rows: tiles of 2 channels (98 rows) and 1 (49 rows)', () => {
    const m = legalize(convGraph({ cin: 3, cout: 64, k: 7, stride: 2, pad: 3, hw: 16 }));
    expect(summary(m)).toEqual({
      tiling: 'whole-kernel', rowTiles: ['0:0+98', '0:98+49'], colTiles: 1, arrays: 8, arrayShapes: ['98x64', '49x64'], columns: 8 * 64,
    });
    expect(m.geometry).toMatchObject({ kind: 'conv', strides: [2, 2], pads: [3, 3, 3, 3], kernel: [7, 7] });
  });

  it('dense tiling packs 147 rows into 128 + 19, cutting kernels', () => {
    const m = legalize(convGraph({ cin: 3, cout: 64, k: 7, stride: 2, pad: 3, hw: 16 }), { tiling: 'dense' });
    expect(summary(m).rowTiles).toEqual(['0:0+128', '0:128+19']);
  });

  it('depthwise 3x3 over 32 channels maps group by group (32 x 4 arrays), or block-diagonally packed', () => {
    const plain = legalize(convGraph({ cin: 32, cout: 32, k: 3, pad: 1, group: 32 }));
    expect(summary(plain)).toMatchObject({ rowTiles: plain.rowTiles.map((_, g) => `${g}:0+9`), arrays: 32 * 4, arrayShapes: ['9x1'] });
    const packed = legalize(convGraph({ cin: 32, cout: 32, k: 3, pad: 1, group: 32 }), { packGroups: true });
    // 128 rows / 9 = 14 groups per array → 3 array blocks × 4 (slices × polarities)
    expect(summary(packed)).toMatchObject({ arrays: 3 * 4, arrayShapes: ['126x14', '36x4'] });
    expect(packed.packGroups).toBe(true);
  });

  it('grouped conv 3x3 64→64, 4 groups: 16 channels (144 rows) per group → 2 row tiles each', () => {
    const m = legalize(convGraph({ cin: 64, cout: 64, k: 3, pad: 1, group: 4 }));
    expect(summary(m)).toMatchObject({ rowTiles: ['0:0+126', '0:126+18', '1:0+126', '1:126+18', '2:0+126', '2:126+18', '3:0+126', '3:126+18'], arrays: 4 * 2 * 4, arrayShapes: ['126x16', '18x16'] });
  });

  it('Gemm 512→10 (transB) is 4 row tiles of 128 rows, 1 column tile', () => {
    const m = legalize(gemmGraph(1, 512, 10, { transB: true, bias: true }));
    expect(summary(m)).toEqual({ tiling: 'whole-kernel', rowTiles: ['0:0+128', '0:128+128', '0:256+128', '0:384+128'], colTiles: 1, arrays: 16, arrayShapes: ['128x10'], columns: 16 * 10 });
    expect(m.geometry).toMatchObject({ kind: 'matmul', inFeatures: 512, outFeatures: 10 });
  });

  it('adjacent slice layout puts slices and polarities of a channel side by side', () => {
    const m = legalize(convGraph({ cin: 16, cout: 16, k: 3, pad: 1 }), { sliceLayout: 'adjacent' });
    expect(summary(m)).toEqual({ tiling: 'whole-kernel', rowTiles: ['0:0+126', '0:126+18'], colTiles: 1, arrays: 2, arrayShapes: ['126x64', '18x64'], columns: 128 });
    expect(Array.from(m.columns.outChannel.slice(0, 5))).toEqual([0, 0, 0, 0, 1]);
  });

  it('offset encoding has one polarity', () => {
    const m = legalize(convGraph({ cin: 16, cout: 16, k: 3, pad: 1 }), { encoding: 'offset' });
    expect(summary(m).arrays).toBe(4);
  });

  it('a kernel larger than the array rows falls back to dense tiling with a warning', () => {
    const r = tileLayer({ groups: 1, rowsPerGroup: 49 * 3, channelsPerGroup: 8, kernelArea: 49, rows: 32, cols: 32, slices: 2, polarities: 2, tiling: 'whole-kernel', sliceLayout: 'separate', packGroups: false });
    expect(r.tiling).toBe('dense');
    expect(r.notes[0]).toMatch(/49 rows per input channel but the array has 32/);
  });
});
