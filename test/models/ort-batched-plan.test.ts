/**
 * Batched plans on the ORT engine with dynamic activation scales (uncalibrated: s_a = max / qmax
 * per sample). A sample is one index of the input's leading axis — a conv's batch item, a
 * MatMul/Gemm input's x[b, …, :], with Gemm transA = 1 (input [K, M]) a column — so a plan
 * compiled for batch N must give each sample exactly (bit-identical float32) what the batch-1
 * plan gives it alone, whatever its neighbours hold. The batch-1 plans are checked against the
 * reference runtime too (the reference's own per-sample MatMul rule is tested with it).
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile } from '../../compiler/driver/compile.js';
import { Graph, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import type { Tensor } from '../../base/tensor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { OrtEngine } from '../../runtime/ort-engine/index.js';
import { randomTensor } from '../helpers/ir-builders.js';
import { maxRelError, randomFloats } from '../helpers/ort.js';
import { tempDir } from '../helpers/cli.js';

const batch = 4;

interface Case {
  name: string;
  /** The model's input shape for a batch of b. */
  inputShape(b: number): number[];
  /** Sample i of a batched input, as the batch-1 plan's input. */
  sample(x: Float32Array, i: number, b: number): Float32Array;
  graph(b: number): Graph;
}

const ints = (value: number[]) => ({ kind: 'ints' as const, value });
const int = (value: number) => ({ kind: 'int' as const, value });

function oneNode(node: Node, inputShape: number[], outputShape: number[], constants: Map<string, Tensor>): Graph {
  const values = new Map<string, ValueType>([['x', { dtype: 'float32', shape: inputShape }], ['y', { dtype: 'float32', shape: outputShape }]]);
  return new Graph({ name: node.opType, opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes: [node], constants, values });
}

const leadingSample = (per: number) => (x: Float32Array, i: number): Float32Array => x.slice(i * per, (i + 1) * per);

const cases: Case[] = [
  {
    name: 'Conv (batch axis)',
    inputShape: (b) => [b, 3, 6, 6],
    sample: leadingSample(3 * 6 * 6),
    graph: (b) => oneNode(
      { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'W', 'B'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) } },
      [b, 3, 6, 6], [b, 5, 6, 6], new Map([['W', randomTensor([5, 3, 3, 3], 11, 0.5)], ['B', randomTensor([5], 12, 0.1)]]),
    ),
  },
  {
    name: 'Gemm (rows)',
    inputShape: (b) => [b, 20],
    sample: leadingSample(20),
    graph: (b) => oneNode(
      { name: 'fc', opType: 'Gemm', domain: '', inputs: ['x', 'W', 'C'], outputs: ['y'], attrs: { transB: int(1) } },
      [b, 20], [b, 7], new Map([['W', randomTensor([7, 20], 21, 0.5)], ['C', randomTensor([7], 22, 0.1)]]),
    ),
  },
  {
    name: 'Gemm transA = 1 (columns of the [K, M] input)',
    inputShape: (b) => [20, b],
    sample: (x, i, b) => Float32Array.from({ length: 20 }, (_, k) => x[k * b + i]),
    graph: (b) => oneNode(
      { name: 'fc', opType: 'Gemm', domain: '', inputs: ['x', 'W'], outputs: ['y'], attrs: { transA: int(1) } },
      [20, b], [b, 7], new Map([['W', randomTensor([20, 7], 31, 0.5)]]),
    ),
  },
  {
    name: 'MatMul over a 3-d input (x[b, :, :])',
    inputShape: (b) => [b, 3, 20],
    sample: leadingSample(3 * 20),
    graph: (b) => oneNode(
      { name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['y'], attrs: {} },
      [b, 3, 20], [b, 3, 7], new Map([['W', randomTensor([20, 7], 41, 0.5)]]),
    ),
  },
];

const dir = tempDir('ort-batched-');

function planOf(c: Case, b: number): LoadedPlan {
  const file = path.join(dir, `${c.graph(1).name}-${c.name.length}-${b}.onnx`);
  fs.writeFileSync(file, exportOnnxBytes(c.graph(b)));
  const { built } = compile({ model: file, target: 'seed-4b', options: { sidecarUri: 'mem.bin' } });
  return openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
}

/** A batch whose samples differ in magnitude (sample i scaled by 4^i), so one scale for all would show. */
function batchInput(c: Case): Float32Array {
  const x = randomFloats(c.inputShape(batch).reduce((a, v) => a * v, 1), 7);
  const index = Float32Array.from(x, (_, j) => j);
  for (let i = 0; i < batch; i++) for (const j of c.sample(index, i, batch)) x[j] *= 4 ** i;
  return x;
}

async function runOne(engine: OrtEngine, loaded: LoadedPlan, x: Float32Array): Promise<Float32Array> {
  const input = loaded.plan.inputs[0];
  return toFloat32((await engine.run({ [input.name]: makeTensor('float32', input.shape, x) }))[loaded.plan.outputs[0].name]);
}

describe('ORT engine: a batch-N plan gives each sample what the batch-1 plan gives it (dynamic activation scales)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const many = planOf(c, batch);
      const one = planOf(c, 1);
      expect(many.plan.layers[0].activation.scale).toBeNull();
      expect(many.plan.inputs[0].shape).toEqual(c.inputShape(batch));
      const x = batchInput(c);
      const engineN = await OrtEngine.create(many);
      const engine1 = await OrtEngine.create(one);
      const exe1 = executableFromPlan(one);
      try {
        const yN = await runOne(engineN, many, x);
        const per = yN.length / batch;
        for (let i = 0; i < batch; i++) {
          const xi = c.sample(x, i, batch);
          const y1 = await runOne(engine1, one, xi);
          expect(y1.length).toBe(per);
          // Bit-identical: the batched plan's sample i is the batch-1 plan's output on sample i alone.
          expect(Array.from(yN.slice(i * per, (i + 1) * per))).toEqual(Array.from(y1));
          const input = one.plan.inputs[0];
          const ref = toFloat32(execute(exe1, { [input.name]: makeTensor('float32', input.shape, xi) })[one.plan.outputs[0].name]);
          expect(maxRelError(ref, y1)).toBeLessThanOrEqual(1e-6);
        }
      } finally {
        await engineN.release();
        await engine1.release();
      }
    });
  }
});
