/**
 * plan/validate-layer.ts is the one home of the CIM layer checks: the reference runtime and the
 * ORT engine's lowering refuse the same layers with the same coded CimcError. Before it, each
 * engine had its own copy and they had drifted: the reference ran a row tile starting at row −1
 * (reading outside the input), and the ORT engine lowered a geometry whose output shape
 * disagrees with its input, leaving it to onnxruntime.
 *
 * The plans are edited after loading, past the schema check, as a layer built in memory
 * (calibration) or a schema gap would reach the engines.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCimcError } from '../../base/diagnostics.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import type { CimLayer } from '../../plan/types.js';
import { validateLayer } from '../../plan/validate-layer.js';
import { prepareCimLayer } from '../../runtime/reference/cim-layer.js';
import { cimLayerDataFromPlan, executableFromPlan } from '../../runtime/reference/executor.js';
import { lowerPlan } from '../../runtime/ort-engine/index.js';
import { fixture } from '../helpers/cli.js';

const good: unknown = JSON.parse(fs.readFileSync(fixture('test/fixtures/bad-inputs/plan-good.json'), 'utf8'));

/** plan-good.json (one 4 → 3 Gemm layer, 'fc'), its layer edited after the schema check. */
function planWith(edit: (layer: CimLayer) => void): LoadedPlan {
  const loaded = openPlan(structuredClone(good), 'p.json');
  edit(loaded.plan.layers[0]);
  return loaded;
}

/** The CimcError `f` throws (anything else, or nothing, fails the test). */
function refusal(f: () => unknown): { code: string; message: string; node?: string } {
  try {
    f();
  } catch (e) {
    if (isCimcError(e)) return { code: e.code, message: e.message, node: e.diagnostic.node };
    throw e;
  }
  throw new Error('expected a CimcError, nothing was thrown');
}

const referenceRefusal = (loaded: LoadedPlan) => refusal(() => executableFromPlan(loaded));
const ortRefusal = (loaded: LoadedPlan) => refusal(() => lowerPlan(loaded));

describe('validateLayer: one set of layer checks for both engines', () => {
  it('accepts the good plan in both engines', () => {
    const loaded = planWith(() => {});
    expect(() => executableFromPlan(loaded)).not.toThrow();
    expect(lowerPlan(loaded).stats.convs).toBe(0);
  });

  it('the reference runtime refuses a row tile starting at row −1 with CIM4002 (it ran it before)', () => {
    const loaded = planWith((l) => { l.rowTiles[0] = { group: 0, rowStart: -1, rowCount: 4 }; });
    expect(referenceRefusal(loaded)).toEqual({ code: 'CIM4002', message: "row tile 0:-1+4 is outside the group's 4 rows", node: 'fc' });
    // The kernel's own entry point, as calibration calls it with a layer built from the IR.
    const data = cimLayerDataFromPlan(loaded, loaded.plan.layers[0], 0);
    expect(refusal(() => prepareCimLayer(data)).code).toBe('CIM4002');
    expect(refusal(() => validateLayer(data)).code).toBe('CIM4002');
  });

  it('the ORT lowering refuses a geometry whose output disagrees with its input, as the reference does (it lowered it before)', () => {
    const loaded = planWith((l) => { l.geometry.outputShape = [2, 3]; });
    const ort = ortRefusal(loaded);
    expect(ort.code).toBe('CIM4002');
    expect(ort.message).toMatch(/^geometry: output shape \[2,3\]/);
    expect(ort).toEqual(referenceRefusal(loaded));
  });

  const tamperings: [string, (l: CimLayer) => void][] = [
    ['a row tile starting at row −1', (l) => { l.rowTiles[0] = { group: 0, rowStart: -1, rowCount: 4 }; }],
    ['a row tile of no rows', (l) => { l.rowTiles[0] = { group: 0, rowStart: 0, rowCount: 0 }; }],
    ['a row tile past the group\'s rows', (l) => { l.rowTiles[0] = { group: 0, rowStart: 1, rowCount: 4 }; }],
    ['a row tile of a group the layer does not have', (l) => { l.rowTiles[0] = { group: 1, rowStart: 0, rowCount: 4 }; }],
    ['bits.cycles = 10^9', (l) => { l.bits.cycles = 1e9; }],
    ['an input shape of 2^31 rows', (l) => { l.geometry.inputShape = [2 ** 31, 4]; }],
  ];
  for (const [what, edit] of tamperings) {
    it(`both engines refuse ${what} with the same CIM4002`, () => {
      const reference = referenceRefusal(planWith(edit));
      expect(reference.code).toBe('CIM4002');
      expect(reference.node).toBe('fc');
      expect(ortRefusal(planWith(edit))).toEqual(reference);
    });
  }
});
