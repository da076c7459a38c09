/**
 * Attributes keep their ONNX kind through a plan: a FLOAT with an integral value (LeakyRelu
 * alpha = 2, HardSigmoid alpha = 1, opset-10 Clip min = -6 / max = 6) is written `{ "float": x }`,
 * read back as FLOAT and runs in both engines (onnxruntime refuses an INT alpha:
 * "Mismatched attribute type ... Expected: 'FLOAT', actual: 'INT'"); INT(S) stay plain JSON numbers;
 * a plan written before the float forms (plain numbers) still loads and runs the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { Graph, type Attr } from '../../compiler/ir/ir.js';
import { exportOnnxFile } from '../../compiler/onnx/export.js';
import { writePlan } from '../../plan/writer.js';
import { loadPlan, type LoadedPlan } from '../../plan/reader.js';
import { readStepAttrs } from '../../plan/attrs.js';
import type { DigitalStep, Plan } from '../../plan/types.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { OrtEngine } from '../../runtime/ort-engine/index.js';
import { makeTensor, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import { tempDir } from '../helpers/cli.js';

const f = (value: number): Attr => ({ kind: 'float', value });
const i = (value: number): Attr => ({ kind: 'int', value });
const is = (value: number[]): Attr => ({ kind: 'ints', value });

/** x [1,1,2,4] → LeakyRelu(α 2) → Clip(−6, 6) → MaxPool 1×2 → Flatten → y; HardSigmoid(α 1) of the flat → g (opset 10). */
function writeModel(dir: string): string {
  const shape4 = { dtype: 'float32' as const, shape: [1, 1, 2, 4] };
  const graph = new Graph({
    name: 'float-attrs', opset: 10, opsetImports: { '': 10 }, inputs: ['x'], outputs: ['y', 'g'],
    nodes: [
      { name: 'leaky', opType: 'LeakyRelu', domain: '', inputs: ['x'], outputs: ['a'], attrs: { alpha: f(2) } },
      { name: 'clip', opType: 'Clip', domain: '', inputs: ['a'], outputs: ['c'], attrs: { min: f(-6), max: f(6) } },
      { name: 'pool', opType: 'MaxPool', domain: '', inputs: ['c'], outputs: ['p'], attrs: { kernel_shape: is([1, 2]), strides: is([1, 2]) } },
      { name: 'flat', opType: 'Flatten', domain: '', inputs: ['p'], outputs: ['y'], attrs: { axis: i(1) } },
      { name: 'gate', opType: 'HardSigmoid', domain: '', inputs: ['y'], outputs: ['g'], attrs: { alpha: f(1), beta: f(0.5) } },
    ],
    constants: new Map(),
    values: new Map([
      ['x', shape4], ['a', shape4], ['c', shape4],
      ['p', { dtype: 'float32', shape: [1, 1, 2, 2] }], ['y', { dtype: 'float32', shape: [1, 4] }], ['g', { dtype: 'float32', shape: [1, 4] }],
    ]),
  });
  const file = path.join(dir, 'float-attrs.onnx');
  exportOnnxFile(graph, file, { producer: 'test' });
  return file;
}

const x = Float32Array.from([-4, 1, 0.25, -0.5, 7, -1, -2, -3]);
// LeakyRelu α=2: [-8, 1, 0.25, -1, 7, -2, -4, -6]; Clip ±6: [-6, 1, 0.25, -1, 6, -2, -4, -6]; pool 1×2: [1, 0.25, 6, -4]
const yExpected = [1, 0.25, 6, -4];
// HardSigmoid α=1, β=0.5: clamp(y + 0.5, 0, 1)
const gExpected = [1, 0.75, 1, 0];

async function runBoth(loaded: LoadedPlan): Promise<{ ref: Record<string, number[]>; ort: Record<string, number[]> }> {
  const feeds: Record<string, RtTensor> = { x: makeTensor('float32', [1, 1, 2, 4], x) };
  const numbers = (r: Record<string, RtTensor>): Record<string, number[]> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(toFloat32(v))]));
  const ref = numbers(execute(executableFromPlan(loaded), feeds));
  const engine = await OrtEngine.create(loaded);
  try {
    return { ref, ort: numbers(await engine.run(feeds)) };
  } finally {
    await engine.release();
  }
}

const digitalStep = (plan: Plan, opType: string): [DigitalStep, number] => {
  const index = plan.schedule.findIndex((s) => s.kind === 'digital' && s.opType === opType);
  expect(index).toBeGreaterThanOrEqual(0);
  return [plan.schedule[index] as DigitalStep, index];
};

describe('plan attributes keep their ONNX kind', () => {
  const dir = tempDir('cimc-plan-attrs-');
  const planFile = path.join(dir, 'plan.json');

  it('integral FLOATs are written {"float": x}, read back as FLOAT, and run in both engines', async () => {
    const { built } = compile({ model: writeModel(dir) });
    writePlan(built, planFile);
    const text = fs.readFileSync(planFile, 'utf8');
    const loaded = loadPlan(planFile);
    const { plan } = loaded;
    const [leaky, li] = digitalStep(plan, 'LeakyRelu');
    const [clip, ci] = digitalStep(plan, 'Clip');
    const [gate, gi] = digitalStep(plan, 'HardSigmoid');
    expect(leaky.attrs).toEqual({ alpha: { float: 2 } });
    expect(clip.attrs).toEqual({ min: { float: -6 }, max: { float: 6 } });
    expect(gate.attrs).toEqual({ alpha: { float: 1 }, beta: { float: 0.5 } });
    expect(text).toMatch(/"alpha": \{\s*"float": 2\s*\}/);
    expect(readStepAttrs(leaky, li).alpha).toEqual({ kind: 'float', value: 2 });
    expect(readStepAttrs(clip, ci)).toEqual({ min: { kind: 'float', value: -6 }, max: { kind: 'float', value: 6 } });
    expect(readStepAttrs(gate, gi).alpha).toEqual({ kind: 'float', value: 1 });
    const { ref, ort } = await runBoth(loaded);
    expect(ref.y).toEqual(yExpected);
    expect(ref.g).toEqual(gExpected);
    expect(ort).toEqual(ref);
  });

  it('INT and INTS stay plain JSON numbers', () => {
    const { plan } = loadPlan(planFile);
    const [pool, pi] = digitalStep(plan, 'MaxPool');
    const [flat, fi] = digitalStep(plan, 'Flatten');
    expect(pool.attrs.kernel_shape).toEqual([1, 2]);
    expect(pool.attrs.strides).toEqual([1, 2]);
    expect(flat.attrs.axis).toBe(1);
    expect(readStepAttrs(pool, pi).kernel_shape).toEqual({ kind: 'ints', value: [1, 2] });
    expect(readStepAttrs(flat, fi).axis).toEqual({ kind: 'int', value: 1 });
  });

  it('a plan written before the float forms (plain numbers) still loads, reads FLOATs by the legacy rule, and runs the same', async () => {
    const legacy = JSON.parse(fs.readFileSync(planFile, 'utf8')) as Plan;
    legacy.planVersion = 1; // as cimc wrote plans then (no replicas; a plain number could be a FLOAT)
    for (const l of legacy.layers) delete l.replicas;
    let untagged = 0;
    for (const s of legacy.schedule) {
      if (s.kind !== 'digital') continue;
      for (const [k, a] of Object.entries(s.attrs)) {
        if (typeof a === 'object' && !Array.isArray(a) && 'float' in a) { s.attrs[k] = a.float; untagged++; }
      }
    }
    expect(untagged).toBe(5);
    const legacyFile = path.join(dir, 'legacy.json');
    fs.writeFileSync(legacyFile, JSON.stringify(legacy, null, 1) + '\n');
    const loaded = loadPlan(legacyFile);
    const [leaky, li] = digitalStep(loaded.plan, 'LeakyRelu');
    expect(leaky.attrs.alpha).toBe(2);
    expect(readStepAttrs(leaky, li).alpha).toEqual({ kind: 'float', value: 2 });
    const [clip, ci] = digitalStep(loaded.plan, 'Clip');
    expect(readStepAttrs(clip, ci).min).toEqual({ kind: 'float', value: -6 });
    const { ref, ort } = await runBoth(loaded);
    expect(ref.y).toEqual(yExpected);
    expect(ref.g).toEqual(gExpected);
    expect(ort).toEqual(ref);
  });
});
