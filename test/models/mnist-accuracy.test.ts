/**
 * Post-training accuracy on the MNIST CNN (held-out test split, never used for training or
 * calibration): the seed's claim that column-wise weight and partial-sum scales keep accuracy
 * at low ADC resolution. The full table is `npm run eval:mnist`.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan } from '../../plan/reader.js';
import { withModelFloatWeights } from '../../compiler/driver/float-weights.js';
import { executableFromPlan } from '../../runtime/reference/executor.js';
import { evaluate } from '../../runtime/reference/evaluate.js';
import { readNpy } from '../../base/npy.js';
import { fixture } from '../helpers/cli.js';

const model = fixture('examples/models/mnist-cnn.onnx');
const calib = fixture('examples/data/mnist-calib-x.npy');
const testX = readNpy(fixture('examples/data/mnist-test-x.npy'));
const testY = readNpy(fixture('examples/data/mnist-test-y.npy'));

function evalPlan(options: Record<string, unknown>, limit?: number, compareFloat = false) {
  const { built } = compile({ model, target: 'seed-4b', options: { ...options, calib, sidecarUri: 'mem.bin' } });
  // The float baseline's weights come from the model (plans leave them out).
  const loaded = withModelFloatWeights(openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar), { model });
  return { result: evaluate(executableFromPlan(loaded), testX, testY, { limit, compareFloat }), plan: loaded.plan };
}

describe('MNIST, 4-bit weights and activations, post-training calibration', () => {
  it('column-wise scales with a 4-bit ADC stay within 1 point of float on all 1000 test digits', () => {
    const { result, plan } = evalPlan({ weightGranularity: 'column', psumGranularity: 'column', adcBits: 4 }, undefined, true);
    expect(plan.calibration.method).toBe('calibrated');
    expect(result.samples).toBe(1000);
    expect(result.floatAccuracy).toBeGreaterThan(0.97);
    expect(result.accuracy).toBeGreaterThanOrEqual(result.floatAccuracy - 0.01);
    expect(result.layers.map((l) => l.sqnrDb).every((db) => db > 5)).toBe(true);
    // the report carries the expected clipping rate per layer
    expect(plan.report.layers.every((l) => typeof l.clipRate === 'number' && l.clipRate >= 0 && l.clipRate < 0.2)).toBe(true);
  });

  it('at a 3-bit ADC column-wise scales beat layer-wise ones by a wide margin', () => {
    const column = evalPlan({ weightGranularity: 'column', psumGranularity: 'column', adcBits: 3 }, 300).result.accuracy;
    const layer = evalPlan({ weightGranularity: 'layer', psumGranularity: 'layer', adcBits: 3 }, 300).result.accuracy;
    expect(column).toBeGreaterThan(0.9);
    expect(column - layer).toBeGreaterThan(0.2);
  });
});
