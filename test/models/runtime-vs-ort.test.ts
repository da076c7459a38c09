/**
 * The runtime against onnxruntime-node on real models:
 *  - the float path equals ORT on the original ONNX file;
 *  - with an ideal ADC, the exact CIM path equals ORT on a fake-quantized model built from the
 *    plan's scales (test/helpers/fake-quant.ts): tiling, slicing, encoding and bit-serial inputs
 *    are exact.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan } from '../../plan/writer.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { withModelFloatWeights } from '../../compiler/driver/float-weights.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { fakeQuantGraph } from '../helpers/fake-quant.js';
import { maxRelError, randomFloats, runOrt } from '../helpers/ort.js';
import { fixture } from '../helpers/cli.js';
import { readNpy } from '../../base/npy.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const resnet20 = fixture('test/fixtures/models/torchvision/resnet20_cifar.onnx');
const mobilenet = fixture('test/fixtures/models/torchvision/mobilenet_v2.onnx');
const resnet18 = fixture('test/fixtures/models/torchvision/resnet18.onnx');
const mnistSample = readNpy(fixture('examples/data/mnist-sample-x.npy'));

/** A compiled plan with its float weights made again from the model (plans leave them out). */
function planFor(model: string, target: string, options: Record<string, unknown> = {}): LoadedPlan {
  const { built } = compile({ model, target, options: { ...options, sidecarUri: 'mem.bin' } });
  return withModelFloatWeights(openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar), { model });
}

function run(loaded: LoadedPlan, x: Float32Array, float: boolean): Float32Array {
  const exe = executableFromPlan(loaded);
  const input = loaded.plan.inputs[0];
  const out = execute(exe, { [input.name]: makeTensor('float32', input.shape, x) }, { float });
  return toFloat32(out[loaded.plan.outputs[0].name]);
}

function mnistImage(i: number): Float32Array {
  return toFloat32(mnistSample).slice(i * 784, (i + 1) * 784);
}

describe('float path equals onnxruntime on the original model', () => {
  const cases: [string, string, number[], () => Float32Array][] = [
    ['mnist-cnn', mnist, [1, 1, 28, 28], () => mnistImage(0)],
    ['resnet20_cifar', resnet20, [1, 3, 32, 32], () => randomFloats(3 * 32 * 32, 7)],
    ['mobilenet_v2', mobilenet, [1, 3, 224, 224], () => randomFloats(3 * 224 * 224, 8)],
    ['resnet18', resnet18, [1, 3, 224, 224], () => randomFloats(3 * 224 * 224, 9)],
  ];
  for (const [name, file, shape, input] of cases) {
    it(name, async () => {
      const loaded = planFor(file, 'seed-4b');
      const x = input();
      const ours = run(loaded, x, true);
      const ref = await runOrt(file, { [loaded.plan.inputs[0].name]: { dims: shape, data: x } });
      const err = maxRelError(ref[loaded.plan.outputs[0].name].data as Float32Array, ours);
      expect(err).toBeLessThan(1e-4);
    });
  }
});

describe('ideal-ADC CIM path equals a fake-quantized model in onnxruntime', () => {
  const cases: [string, string, string, Record<string, unknown>, number[], () => Float32Array][] = [
    ['mnist, seed setting (differential, 4-bit, whole input at once)', mnist, 'seed-4b', {}, [1, 1, 28, 28], () => mnistImage(1)],
    ['mnist, ISAAC-like (8-bit weights, bit-serial 1-bit DAC)', mnist, 'isaac-8b', {}, [1, 1, 28, 28], () => mnistImage(2)],
    ['mnist, offset encoding, 4-bit DAC over 8-bit inputs, adjacent slices, dense tiling', mnist, 'large-256', { sliceLayout: 'adjacent', tiling: 'dense' }, [1, 1, 28, 28], () => mnistImage(3)],
    ['mnist, layer-wise weights', mnist, 'seed-4b', { weightGranularity: 'layer' }, [1, 1, 28, 28], () => mnistImage(4)],
    ['resnet20 (signed first layer, 1x1 shortcuts)', resnet20, 'seed-4b', {}, [1, 3, 32, 32], () => randomFloats(3 * 32 * 32, 11)],
    ['mobilenet_v2 (depthwise, packed groups)', mobilenet, 'seed-4b', { packGroups: true }, [1, 3, 224, 224], () => randomFloats(3 * 224 * 224, 12)],
  ];
  for (const [name, file, target, options, shape, input] of cases) {
    it(name, async () => {
      const loaded = planFor(file, target, { ...options, adcBits: 'ideal' });
      const x = input();
      const ours = run(loaded, x, false);
      const graph = runModel({ modelPath: file, passes: ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm'] }).graph;
      const fq = exportOnnxBytes(fakeQuantGraph(graph, loaded));
      const ref = await runOrt(fq, { [loaded.plan.inputs[0].name]: { dims: shape, data: x } });
      const err = maxRelError(ref[loaded.plan.outputs[0].name].data as Float32Array, ours);
      expect(err).toBeLessThan(1e-4);
      // and quantization really happened: the CIM path differs from the float path
      expect(maxRelError(run(loaded, x, true), ours)).toBeGreaterThan(1e-3);
    });
  }
});
