/**
 * The 4-bit QAT MNIST model (examples/models/mnist-qat4.onnx, scripts/qat-mnist/): onnxruntime
 * reproduces PyTorch's fake-quant accuracy on the held-out test digits, and a plan that keeps every
 * layer digital — so QuantizeLinear, Clip and DequantizeLinear run as digital steps — gives the
 * same logits in the reference runtime and in the ORT engine as onnxruntime on the model itself.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan } from '../../plan/reader.js';
import { executableFromPlan, executeBatch } from '../../runtime/reference/executor.js';
import { OrtEngine } from '../../runtime/ort-engine/session.js';
import { readNpy } from '../../base/npy.js';
import { argmax, toFloat32 } from '../../base/rt-tensor.js';
import { fixture } from '../helpers/cli.js';

const model = fixture('examples/models/mnist-qat4.onnx');
const testX = readNpy(fixture('examples/data/mnist-test-x.npy'));
const labels = Array.from(readNpy(fixture('examples/data/mnist-test-y.npy')).data, Number);
/** PyTorch's fake-quant model on the same 1000 digits (scripts/qat-mnist/README.md): 985 correct. */
const torchCorrect = 985;

function correct(logits: Float32Array): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (argmax(logits, i * 10, i * 10 + 10) === labels[i]) n++;
  return n;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function ortLogits(bytes: string, level: 'disabled' | 'all'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, logSeverityLevel: 3 });
  try {
    const r = await session.run({ input: new ort.Tensor('float32', toFloat32(testX), [...testX.shape]) });
    return r.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function digitalPlan() {
  const { built } = compile({ model, target: 'seed-4b', options: { keepDigital: ['conv0', 'conv1', 'conv2', 'fc'], sidecarUri: 'mem.bin' } });
  return openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
}

describe('mnist-qat4.onnx: 4-bit QAT weights and activations in a QDQ graph', () => {
  it("onnxruntime (no graph rewrites) classifies the 1000 test digits as PyTorch's fake-quant model does", async () => {
    expect(correct(await ortLogits(model, 'disabled'))).toBe(torchCorrect);
  });

  it('kept digital, the plan runs Q/Clip/DQ as digital steps: reference runtime = onnxruntime on the model', async () => {
    const loaded = digitalPlan();
    const ops = loaded.plan.schedule.map((s) => s.opType);
    expect(loaded.plan.layers).toHaveLength(0);
    // The activations' Q → Clip → DQ stay digital steps; the weights' DQ(Clip(int8 constant))
    // are constants, folded by import-qdq to the float weights they give.
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(4);
    expect(ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(4);
    expect(ops.filter((o) => o === 'Clip')).toHaveLength(4);
    const ours = toFloat32(executeBatch(executableFromPlan(loaded), testX)[0]);
    const ref = await ortLogits(model, 'disabled');
    expect(correct(ours)).toBe(torchCorrect);
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-4);
  });

  // At its default level ('all') onnxruntime's QDQ transformers would quantize these float biases
  // to int32 (98.6 %, logits up to 1.5 apart); runtime/ort-engine/session.ts turns them off.
  it.each(['disabled', undefined] as const)('the ORT engine runs the same digital Q/DQ steps (graph optimization level %s, default all): the reference runtime\'s logits', async (level) => {
    const loaded = digitalPlan();
    const ours = toFloat32(executeBatch(executableFromPlan(loaded), testX)[0]);
    const engine = await OrtEngine.create(loaded, level ? { graphOptimizationLevel: level } : {});
    try {
      const got = toFloat32((await engine.runBatch(testX))[0]);
      expect(maxAbsDiff(ours, got)).toBeLessThan(1e-4);
      expect(correct(got)).toBe(torchCorrect);
    } finally {
      await engine.release();
    }
  });

  it('mapped onto crossbars with an ideal ADC, the imported 4-bit integers and scales give onnxruntime\'s logits on the QDQ model', async () => {
    const { built } = compile({ model, target: 'seed-4b', options: { adcBits: 'ideal', sidecarUri: 'mem.bin' } });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    expect(loaded.plan.layers.map((l) => l.name)).toEqual(['conv0', 'conv1', 'conv2', 'fc']);
    expect(loaded.plan.layers.every((l) => l.weights.method === 'imported')).toBe(true);
    // Every activation Q/Clip/DQ is the CIM layers' own input quantization: no digital QDQ left.
    expect(loaded.plan.schedule.filter((s) => s.opType.endsWith('QuantizeLinear'))).toHaveLength(0);
    const ours = toFloat32(executeBatch(executableFromPlan(loaded), testX)[0]);
    const ref = await ortLogits(model, 'disabled');
    expect(correct(ours)).toBe(torchCorrect);
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-4);
  });
});
