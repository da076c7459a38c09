/**
 * legalize-cim refuses a non-finite weight and names it by its index in the layer's
 * [groups][K][Ng] matrix (the plan's layout), the first there, although it scans the weights in
 * kernel order [groups][Ng][K]; the index is computed here from the ONNX weight's own layout.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSink, isCimcError } from '../../base/diagnostics.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { selectCim } from '../../passes/select-cim.js';
import { legalizeCim } from '../../passes/legalize-cim.js';
import type { TargetSpec } from '../../targets/target.js';
import { convGraph } from '../helpers/ir-builders.js';

const seed: TargetSpec = {
  name: 'seed', array: { rows: 128, cols: 128, cellBits: 2 }, weightBits: 4, activationBits: 4, dacBits: 4,
  adc: { bits: 4 }, encoding: 'differential',
};

function legalizeError(bad: { o: number; ci: number; i: number; j: number; value: number }[]): string {
  const g = convGraph({ cin: 8, cout: 6, k: 3, pad: 1, group: 2 });
  const w = g.constants.get('W')!;
  const data = Float32Array.from(w.data as Float32Array);
  for (const b of bad) data[((b.o * 4 + b.ci) * 3 + b.i) * 3 + b.j] = b.value; // W[o][ci][i][j], 4 input channels per group
  const graph = g.with({ constants: new Map([...g.constants, ['W', { ...w, data }]]) });
  try {
    runPasses([selectCim, legalizeCim], graph, { target: seed, options: {}, diagnostics: new DiagnosticSink(), stats: new Map() }, { initialFacts: ['shapes'] });
  } catch (e) {
    if (isCimcError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'no error';
}

/** matrix[g][r][o_local] with K = 4·9 rows and 3 channels per group. */
const matrixIndex = (o: number, ci: number, i: number, j: number) => Math.floor(o / 3) * 36 * 3 + (ci * 9 + i * 3 + j) * 3 + (o % 3);

describe('legalize-cim: non-finite weights', () => {
  it('names the weight by its matrix index', () => {
    expect(legalizeError([{ o: 4, ci: 2, i: 1, j: 0, value: NaN }])).toMatch(new RegExp(`^CIM2005 weight ${matrixIndex(4, 2, 1, 0)} of the layer is NaN`));
  });
  it('names the first in matrix order when several are bad', () => {
    // In kernel order channel 0 comes first; in matrix order row 2 of channel 1 (index 7) precedes row 20 of channel 0.
    const msg = legalizeError([{ o: 0, ci: 2, i: 0, j: 2, value: Infinity }, { o: 1, ci: 0, i: 0, j: 2, value: -Infinity }]);
    expect(msg).toMatch(new RegExp(`^CIM2005 weight ${matrixIndex(1, 0, 0, 2)} of the layer is -Infinity`));
    expect(matrixIndex(1, 0, 0, 2)).toBeLessThan(matrixIndex(0, 2, 0, 2));
  });
});
