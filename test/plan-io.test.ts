import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.js';
import { writePlan } from '../compiler/plan/write-plan.js';
import { loadPlan } from '../runtime/plan-reader.js';
import { encodeNpy, parseNpy, readNpy } from '../runtime/npy.js';
import { makeTensor } from '../runtime/tensor.js';
import { fixture, tempDir } from './helpers/cli.js';

describe('.npy files', () => {
  it('reads the committed 1000-image split (a Buffer.slice view once leaked the whole pool)', () => {
    const x = readNpy(fixture('examples/data/mnist-test-x.npy'));
    expect(x.shape).toEqual([1000, 1, 28, 28]);
    expect(x.data.length).toBe(784000);
    const y = readNpy(fixture('examples/data/mnist-test-y.npy'));
    expect(y.dtype).toBe('int64');
    expect(y.shape).toEqual([1000]);
  });

  it('round-trips every dtype', () => {
    for (const t of [
      makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6.5])),
      makeTensor('int64', [3], BigInt64Array.from([1n, -2n, 3n])),
      makeTensor('uint8', [4], Uint8Array.from([0, 1, 254, 255])),
      makeTensor('int32', [1], Int32Array.from([-7])),
    ]) {
      const back = parseNpy(encodeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
  });
});

describe('writePlan', () => {
  it('names the sidecar after the plan, so two plans in one folder keep their own', () => {
    const dir = tempDir();
    const a = compile({ model: fixture('examples/models/mnist-cnn.onnx') });
    const b = compile({ model: fixture('examples/models/mnist-cnn.onnx'), options: { weightGranularity: 'layer' } });
    writePlan(a.built, path.join(dir, 'a.json'));
    writePlan(b.built, path.join(dir, 'b.json'));
    expect(fs.readdirSync(dir).sort()).toEqual(['a.bin', 'a.json', 'b.bin', 'b.json']);
    expect(loadPlan(path.join(dir, 'a.json')).plan.layers[0].weights.granularity).toBe('column');
    expect(loadPlan(path.join(dir, 'b.json')).plan.layers[0].weights.granularity).toBe('layer');
  });
});
