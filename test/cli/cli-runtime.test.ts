import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';
import { readNpy } from '../../base/npy.js';
import { toFloat32 } from '../../base/rt-tensor.js';
import { maxRelError, runOrt } from '../helpers/ort.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const sample = fixture('examples/data/mnist-sample-x.npy');
const testX = fixture('examples/data/mnist-test-x.npy');
const testY = fixture('examples/data/mnist-test-y.npy');
let dir: string;
let plan: string;

beforeAll(() => {
  dir = tempDir();
  plan = path.join(dir, 'mnist.json');
  const r = cimc(['compile', mnist, '-o', plan, '--calib', fixture('examples/data/mnist-calib-x.npy'), '--calib-samples', '64']);
  expect(r.code).toBe(0);
});

describe('cimc run', () => {
  it('--float equals onnxruntime on a batch of real digits', async () => {
    const out = path.join(dir, 'float.npy');
    expect(cimc(['run', plan, '--input', sample, '--float', '--model', mnist, '-o', out]).code).toBe(0);
    const ours = readNpy(out);
    expect(ours.shape).toEqual([8, 10]);
    const x = readNpy(sample);
    const ref = await runOrt(mnist, { input: { dims: [...x.shape], data: toFloat32(x) } });
    expect(maxRelError(ref.logits.data as Float32Array, toFloat32(ours))).toBeLessThan(1e-4);
  });

  it('the CIM path classifies the sample digits like the float path', () => {
    const out = path.join(dir, 'cim.npy');
    expect(cimc(['run', plan, '--input', sample, '-o', out]).code).toBe(0);
    const y = toFloat32(readNpy(out));
    const labels = [2, 6, 6, 7, 0, 4, 1, 0];
    const predicted = labels.map((_, i) => { const row = Array.from(y.subarray(i * 10, i * 10 + 10)); return row.indexOf(Math.max(...row)); });
    expect(predicted).toEqual(labels);
  });

  it('variation is seeded: the same seed repeats, another seed differs', () => {
    const run = (seed: string) => {
      const out = path.join(dir, `v${seed}.npy`);
      expect(cimc(['run', plan, '--input', sample, '--variation', 'lognormal:0.2', '--seed', seed, '-o', out]).code).toBe(0);
      return fs.readFileSync(out);
    };
    expect(run('1').equals(run('1'))).toBe(true);
    expect(run('1').equals(run('2'))).toBe(false);
  });

  it('bad inputs are one-line errors', () => {
    expectUserError(cimc(['run', plan, '--input', testY]), 'CIM4004');
    expectUserError(cimc(['run', plan, '--input', sample, '--variation', 'uniform:3']), 'CIM5001');
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, fs.readFileSync(sample).subarray(0, 200));
    expectUserError(cimc(['run', plan, '--input', bad]), 'CIM4004');
  });
});

describe('cimc eval', () => {
  it('prints the documented JSON', () => {
    const r = cimc(['eval', plan, '--inputs', testX, '--labels', testY, '--limit', '50', '--json', '--model', mnist]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['accuracy', 'floatAccuracy', 'agreement', 'samples', 'layers']);
    expect(j.samples).toBe(50);
    expect(j.layers.map((l: { name: string }) => l.name)).toEqual(['/features/features.0/Conv', '/features/features.4/Conv', '/features/features.8/Conv', '/classifier/Gemm']);
    expect(j.accuracy).toBeGreaterThan(0.9);
  });

  it('labels of another length are refused', () => {
    expectUserError(cimc(['eval', plan, '--inputs', sample, '--labels', testY, '--model', mnist]), 'CIM4004');
  });
});
