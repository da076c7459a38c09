/**
 * calibrate against onnxruntime-node: the pass runs the float model on the calibration inputs
 * (with the runtime's digital kernels) and sets each CIM layer's activation scale from the
 * values it saw at that layer's input. Here the same inputs go through the original ONNX file
 * in onnxruntime, every layer input read back as an extra output, and the scale the plan holds
 * must be the one those values give (same rule, same sampling order, float rounding apart);
 * an input that never went negative must have become unsigned. Then, with an ideal ADC, the
 * calibrated plan's CIM path must equal a fake-quantized model in onnxruntime built with the
 * plan's fixed activation scales (clipping included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { compile } from '../../compiler/driver/compile.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { chooseActivationScale, Reservoir } from '../../compiler/calibration/activation-scale.js';
import { encodeNpy, readNpy } from '../../base/npy.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { withModelFloatWeights } from '../../compiler/driver/float-weights.js';
import { serializePlan } from '../../plan/writer.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { fixture, tempDir } from '../helpers/cli.js';
import { fakeQuantGraph } from '../helpers/fake-quant.js';
import { requireModelFile } from '../helpers/model-files.js';
import { exposeIntermediates } from '../helpers/ort-intermediates.js';
import { maxRelError, randomFloats, runOrt } from '../helpers/ort.js';

const dir = tempDir('cimc-calib-ort-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface CalibCase {
  name: string;
  model: string;
  /** One sample's shape (the model's input with batch 1). */
  shape: number[];
  /** .npy of calibration inputs. */
  calib: () => string;
  samples: number;
  /** CIM layers the model has. */
  layers: number;
}

/** Random calibration inputs in [-1, 1), written as .npy (the signed first layer stays signed). */
function randomCalib(name: string, shape: number[], count: number, seed: number): string {
  const file = path.join(dir, `${name}.npy`);
  const per = shape.reduce((a, b) => a * b, 1);
  fs.writeFileSync(file, encodeNpy(makeTensor('float32', [count, ...shape.slice(1)], randomFloats(count * per, seed))));
  return file;
}

const cases: CalibCase[] = [
  // MNIST digits (non-negative pixels: the first layer's input becomes unsigned).
  { name: 'mnist-cnn', model: fixture('examples/models/mnist-cnn.onnx'), shape: [1, 1, 28, 28], calib: () => fixture('examples/data/mnist-calib-x.npy'), samples: 48, layers: 4 },
  // ResNet-20 (CIFAR): signed first layer, residual Adds before ReLUs, 1x1 shortcuts.
  { name: 'resnet20_cifar', model: fixture('test/fixtures/models/torchvision/resnet20_cifar.onnx'), shape: [1, 3, 32, 32], calib: () => randomCalib('resnet20', [1, 3, 32, 32], 4, 21), samples: 4, layers: 22 },
];

/** A compiled plan with its float weights made again from the model (plans leave them out). */
function planFor(model: string, options: Record<string, unknown>): LoadedPlan {
  const { built } = compile({ model, target: 'seed-4b', options: { ...options, sidecarUri: 'mem.bin' } });
  return withModelFloatWeights(openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar), { model });
}

/**
 * The calibrated plan of a case, compiled once for both checks (calibration is the slow part).
 * Ideal ADC: the activation scales do not depend on the ADC (they are chosen before the MAC
 * histograms), and the fake-quantized comparison needs it.
 */
const calibratedPlans = new Map<string, LoadedPlan>();
function calibratedPlan(c: CalibCase): LoadedPlan {
  let loaded = calibratedPlans.get(c.name);
  if (!loaded) {
    loaded = planFor(requireModelFile(c.model), { calib: c.calib(), calibSamples: c.samples, adcBits: 'ideal' });
    calibratedPlans.set(c.name, loaded);
  }
  return loaded;
}

/**
 * Runs the model file in onnxruntime on each sample and hands every value that some layer reads
 * (graph input or intermediate) to `see`, sample by sample, in order.
 */
async function ortLayerInputs(model: string, inputName: string, shape: number[], x: Float32Array, samples: number, names: ReadonlySet<string>, see: (name: string, v: Float32Array) => void): Promise<void> {
  const { bytes } = exposeIntermediates(fs.readFileSync(model));
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const missing = [...names].filter((n) => n !== inputName && !session.outputNames.includes(n));
    expect(missing, 'layer inputs onnxruntime does not produce').toEqual([]);
    const per = shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < samples; i++) {
      const sample = x.slice(i * per, (i + 1) * per);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', sample, shape) });
      for (const n of names) see(n, n === inputName ? sample : (out[n].data as Float32Array));
    }
  } finally {
    await session.release();
  }
}

describe('calibrate: activation scales from the values onnxruntime computes', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const calibrated = calibratedPlan(c).plan;
      const uncalibrated = planFor(c.model, {}).plan;
      expect(calibrated.calibration.method).toBe('calibrated');
      expect(calibrated.layers).toHaveLength(c.layers);
      expect(uncalibrated.layers.map((l) => l.name)).toEqual(calibrated.layers.map((l) => l.name));

      // One reservoir per layer, fed as calibrate feeds its own: every sample's input of that layer.
      const reservoirs = uncalibrated.layers.map(() => new Reservoir(1 << 18));
      const byInput = new Map<string, number[]>();
      uncalibrated.layers.forEach((l, i) => byInput.set(l.input, [...(byInput.get(l.input) ?? []), i]));
      const inputName = calibrated.inputs[0].name;
      const data = toFloat32(readNpy(c.calib()));
      await ortLayerInputs(c.model, inputName, c.shape, data, c.samples, new Set(byInput.keys()), (name, v) => {
        for (const i of byInput.get(name)!) reservoirs[i].add(v, uncalibrated.layers[i].activation.signed);
      });

      const rows: string[] = [];
      let switched = 0;
      calibrated.layers.forEach((l, i) => {
        const before = uncalibrated.layers[i].activation;
        const r = reservoirs[i];
        expect(r.sample.length, l.name).toBeGreaterThan(0);
        // Static analysis said signed, the data never went negative: driven unsigned.
        const unsigned = before.signed && r.min >= 0;
        if (unsigned) switched++;
        const a = l.activation;
        expect(a.signed, l.name).toBe(before.signed && !unsigned);
        expect([a.qmin, a.qmax], l.name).toEqual(unsigned ? [0, 2 ** l.bits.activation - 1] : [before.qmin, before.qmax]);
        expect(a.scale, l.name).not.toBeNull();
        const expected = chooseActivationScale(r, a.qmin, a.qmax);
        const rel = Math.abs(a.scale! - expected) / expected;
        rows.push(`${l.name}: s_a ${a.scale!.toExponential(4)}, from onnxruntime ${expected.toExponential(4)} (rel ${rel.toExponential(1)}), max|x| ${r.max.toFixed(4)}`);
        expect(rel, l.name).toBeLessThan(1e-5);
        // Whatever the clip chosen: at most the measured max, at least 30 % of it.
        expect(a.scale! * a.qmax, l.name).toBeLessThanOrEqual(r.max * (1 + 1e-5));
        expect(a.scale! * a.qmax, l.name).toBeGreaterThanOrEqual(0.3 * r.max * (1 - 1e-5));
      });
      console.log(`calibrate ${c.name} (${c.samples} samples, ${switched} input(s) made unsigned):\n  ${rows.join('\n  ')}`);
      if (c.name === 'mnist-cnn') expect(switched).toBe(1);
    });
  }
});

describe('calibrated plan with an ideal ADC equals a fake-quantized model in onnxruntime', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const loaded = calibratedPlan(c);
      expect(loaded.plan.calibration.method).toBe('calibrated');
      expect(loaded.plan.layers.every((l) => l.activation.scale !== null)).toBe(true);
      const graph = runModel({ modelPath: c.model, passes: ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm'] }).graph;
      const fq = exportOnnxBytes(fakeQuantGraph(graph, loaded));
      const exe = executableFromPlan(loaded);
      const input = loaded.plan.inputs[0];
      const output = loaded.plan.outputs[0].name;
      const per = c.shape.reduce((a, b) => a * b, 1);
      // Fresh inputs (not the calibration ones), so some values fall outside the calibrated range.
      for (let k = 0; k < 2; k++) {
        const x = c.name === 'mnist-cnn'
          ? toFloat32(readNpy(fixture('examples/data/mnist-sample-x.npy'))).slice(k * per, (k + 1) * per)
          : randomFloats(per, 100 + k, -1.5, 1.5);
        const ours = toFloat32(execute(exe, { [input.name]: makeTensor('float32', input.shape, x) }, { float: false })[output]);
        const ref = await runOrt(fq, { [input.name]: { dims: c.shape, data: x } });
        expect(maxRelError(ref[output].data as Float32Array, ours)).toBeLessThan(1e-4);
        const float = toFloat32(execute(exe, { [input.name]: makeTensor('float32', input.shape, x) }, { float: true })[output]);
        // and quantization really happened
        expect(maxRelError(float, ours)).toBeGreaterThan(1e-3);
      }
    });
  }
});
