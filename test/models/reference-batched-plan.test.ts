/**
 * A plan compiled for batch N gives each sample the numbers it gets alone: with dynamic activation
 * scales (uncalibrated plans) s_a is per sample — a conv's batch item, a Gemm/MatMul input's
 * leading index, a transposed Gemm input's column (plan/types.ts) — so the reference runtime on
 * the batch-N plan must equal N runs of the batch-1 plan bit for bit. The samples are scaled very
 * differently (×1 … ×64), so one scale shared across the batch would change every small sample.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { exportOnnxFile } from '../../compiler/onnx/export.js';
import { Graph, type Dim, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { makeTensor as makeIrTensor, type Tensor } from '../../base/tensor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { randomTensor } from '../helpers/ir-builders.js';
import { randomFloats } from '../helpers/ort.js';
import { tempDir } from '../helpers/cli.js';

const batch = 4;

interface ModelCase {
  name: string;
  /** The graph with its batch dimension named 'N' (at `batchAxis` of the input). */
  graph: Graph;
  input: Dim[];
  batchAxis: number;
  /** opTypes of the CIM layers the plan must have. */
  cimOps: string[];
}

const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
const int = (value: number) => ({ kind: 'int' as const, value });
const ints = (value: number[]) => ({ kind: 'ints' as const, value });

function graphOf(name: string, input: Dim[], nodes: Node[], constants: [string, Tensor][]): Graph {
  const values = new Map<string, ValueType>([['x', { dtype: 'float32', shape: input }]]);
  return new Graph({ name, opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes, constants: new Map(constants), values });
}

const cases: ModelCase[] = [
  {
    name: 'Conv → Relu → Flatten → Gemm (bias) → MatMul, input [N, 2, 6, 6]',
    input: ['N', 2, 6, 6],
    batchAxis: 0,
    cimOps: ['Conv', 'Gemm', 'MatMul'],
    graph: graphOf('conv-gemm-matmul', ['N', 2, 6, 6], [
      node('conv', 'Conv', ['x', 'W'], ['c'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }),
      node('relu', 'Relu', ['c'], ['r']),
      node('flatten', 'Flatten', ['r'], ['f'], { axis: int(1) }),
      node('gemm', 'Gemm', ['f', 'B', 'C'], ['g']),
      node('matmul', 'MatMul', ['g', 'D'], ['y']),
    ], [['W', randomTensor([4, 2, 3, 3], 1, 0.5)], ['B', randomTensor([144, 8], 2, 0.5)], ['C', randomTensor([8], 3, 0.1)], ['D', randomTensor([8, 5], 4, 0.5)]]),
  },
  {
    name: 'MatMul on a 3-D input [N, 3, 6] (sample b = x[b, :, :], its 3 rows share one scale)',
    input: ['N', 3, 6],
    batchAxis: 0,
    cimOps: ['MatMul'],
    graph: graphOf('matmul-3d', ['N', 3, 6], [node('matmul', 'MatMul', ['x', 'D'], ['y'])], [['D', randomTensor([6, 5], 5, 0.5)]]),
  },
  {
    name: 'Gemm transA = 1 on an input [6, N] (sample m = column m)',
    input: [6, 'N'],
    batchAxis: 1,
    cimOps: ['Gemm'],
    graph: graphOf('gemm-transa', [6, 'N'], [node('gemm', 'Gemm', ['x', 'B'], ['y'], { transA: int(1) })], [['B', randomTensor([6, 5], 6, 0.5)]]),
  },
];

function planFor(model: string, shape: number[]): LoadedPlan {
  const { built } = compile({ model, options: { inputShapes: { x: shape }, sidecarUri: 'mem.bin' } });
  return openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
}

/** Samples of very different magnitude: sample b is scaled by 4^b. */
function scaledSamples(count: number, size: number): Float32Array[] {
  return Array.from({ length: count }, (_, b) => randomFloats(size, 11 + b).map((v) => v * 4 ** b));
}

/** [count, …] from samples along `axis` (0: stacked; 1: each sample one column of [rows, count]). */
function stack(samples: Float32Array[], axis: number): Float32Array {
  const size = samples[0].length;
  const out = new Float32Array(samples.length * size);
  samples.forEach((s, b) => s.forEach((v, i) => { out[axis === 0 ? b * size + i : i * samples.length + b] = v; }));
  return out;
}

describe('a batch-N plan with dynamic activation scales equals N batch-1 runs, bit for bit (reference runtime)', () => {
  const dir = tempDir('cimc-batched-');
  for (const c of cases) {
    it(c.name, () => {
      const file = path.join(dir, `${c.graph.name}.onnx`);
      exportOnnxFile(c.graph, file);
      const shapeWith = (n: number) => c.input.map((d) => (d === 'N' ? n : d as number));
      const big = planFor(file, shapeWith(batch));
      const one = planFor(file, shapeWith(1));
      expect(big.plan.layers.map((l) => l.opType).sort()).toEqual([...c.cimOps].sort());
      for (const l of big.plan.layers) expect(l.activation.scale).toBeNull();
      if (c.batchAxis === 1) expect(big.plan.layers[0].geometry).toMatchObject({ kind: 'matmul', transposeInput: true });

      const sampleSize = shapeWith(1).reduce((a, b) => a * b, 1);
      const samples = scaledSamples(batch, sampleSize);
      const exeOne = executableFromPlan(one);
      const alone = samples.map((s) => toFloat32(execute(exeOne, { x: makeTensor('float32', shapeWith(1), s) })[one.plan.outputs[0].name]));
      const together = toFloat32(execute(executableFromPlan(big), { x: makeTensor('float32', shapeWith(batch), stack(samples, c.batchAxis)) })[big.plan.outputs[0].name]);
      // Every output is [batch, …] (Gemm transA: [M, 5] with M the batch).
      expect(Array.from(together)).toEqual(Array.from(stack(alone, 0)));
    });
  }
});
