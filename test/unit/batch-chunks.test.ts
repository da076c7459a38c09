/**
 * Batching along the first axis (runtime/batch.ts): chunks of the plan's batch with the last one
 * padded, outputs stacked without the padding, results taken in order whatever order they finish
 * in; .npy files read by rows (base/npy.ts); the worker pool's failures (a worker that dies or
 * cannot start) end in CIM5005 and never a hang.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkCount, inOrder, OutputStack, planBatching, readChunk, tensorSamples } from '../../runtime/batch.js';
import { encodeNpy, openNpyRows, readNpy } from '../../base/npy.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { isCimcError } from '../../base/diagnostics.js';
import { ChunkPool, sharedBytes } from '../../runtime/reference/workers/chunk-pool.js';
import { tempDir } from '../helpers/cli.js';

const plan = (batch: number, out: number[] = [batch, 2]) => ({
  inputs: [{ name: 'x', dtype: 'float32', shape: [batch, 3] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: out }],
});

function codeOf(f: () => unknown): string {
  try { f(); } catch (e) { return isCimcError(e) ? `${e.code}: ${e.message}` : String(e); }
  return 'no error';
}

describe('chunks of the plan batch', () => {
  const samples = makeTensor('float32', [5, 3], Float32Array.from({ length: 15 }, (_, i) => i));

  it('cuts 5 samples for batch 2 into 3 chunks, the last padded with copies of its last sample', () => {
    const b = planBatching(plan(2), samples.shape);
    expect(b).toMatchObject({ batch: 2, sampleSize: 3, count: 5 });
    expect(chunkCount(b, 5)).toBe(3);
    const src = tensorSamples(samples);
    expect(Array.from(readChunk(b, src, 1, 5).data)).toEqual([6, 7, 8, 9, 10, 11]);
    const last = readChunk(b, src, 2, 5);
    expect(last).toMatchObject({ from: 4, real: 1 });
    expect(Array.from(last.data)).toEqual([12, 13, 14, 12, 13, 14]);
    // A limit of 3 samples: the second chunk holds sample 2 and its copy.
    expect(Array.from(readChunk(b, src, 1, 3).data)).toEqual([6, 7, 8, 6, 7, 8]);
  });

  it('stacks outputs without the padded samples', () => {
    const s = new OutputStack([2, 2], 2);
    s.add(Float32Array.of(1, 2, 3, 4), 2);
    s.add(Float32Array.of(5, 6, 5, 6), 1);
    const t = s.tensor();
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(toFloat32(t))).toEqual([1, 2, 3, 4, 5, 6]);
    // A batch-1 plan's output without a batch axis gets one.
    const one = new OutputStack([2], 1);
    one.add(Float32Array.of(1, 2), 1);
    one.add(Float32Array.of(3, 4), 1);
    expect(one.tensor().shape).toEqual([2, 2]);
  });

  it('refuses data of another sample shape, and a batch-N plan whose output does not lead with the batch', () => {
    expect(codeOf(() => planBatching(plan(2), [5, 4]))).toBe('CIM4004: input has shape [5,4], expected [N,3]');
    expect(codeOf(() => planBatching(plan(2, [4]), [5, 3]))).toMatch(/^CIM4004: output 'y' has shape \[4\]: in a plan compiled for batch 2 every output must lead with the batch/);
    expect(planBatching(plan(1, [4]), [5, 3]).batch).toBe(1);
  });
});

describe('inOrder', () => {
  const later = <T>(ms: number, v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));

  it('takes results in job order, and a finished job makes room even when an earlier one is still running', async () => {
    const started: number[] = [];
    const taken: number[] = [];
    // Job 0 is slow: with 2 in flight, jobs 1, 2, 3 … must still start as each fast one finishes.
    let startedBeforeFirstTaken = 0;
    await inOrder(6, 2, (i) => { started.push(i); return later(i === 0 ? 200 : 1, i); }, (i, r) => {
      expect(r).toBe(i);
      if (i === 0) startedBeforeFirstTaken = started.length;
      taken.push(i);
    });
    expect(taken).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(startedBeforeFirstTaken).toBe(6);
  });

  it('raises a job\'s error in its turn (after the earlier jobs are taken)', async () => {
    const taken: number[] = [];
    await expect(inOrder(5, 3, (i) => (i === 2 ? Promise.reject(new Error('job 2')) : later(i === 0 ? 30 : 1, i)), (i) => { taken.push(i); })).rejects.toThrow('job 2');
    expect(taken).toEqual([0, 1]);
  });
});

describe('.npy read by rows', () => {
  const dir = tempDir('cimc-npy-rows-');

  it('reads any row range as readNpy would, for float32 and int64', () => {
    for (const t of [
      makeTensor('float32', [5, 2, 3], Float32Array.from({ length: 30 }, (_, i) => i / 7)),
      makeTensor('int64', [4], BigInt64Array.from([1n, -2n, 3n, 4n])),
    ]) {
      const file = path.join(dir, `${t.dtype}.npy`);
      fs.writeFileSync(file, encodeNpy(t));
      const rows = openNpyRows(file);
      try {
        expect(rows.shape).toEqual(t.shape);
        const per = t.data.length / t.shape[0];
        const part = rows.read(1, 3);
        expect(part.shape).toEqual([2, ...t.shape.slice(1)]);
        expect(Array.from(part.data as ArrayLike<number | bigint>)).toEqual(Array.from((readNpy(file).data as ArrayLike<number | bigint>)).slice(per, 3 * per));
        expect(rows.read(2, 2).shape[0]).toBe(0);
      } finally {
        rows.close();
      }
    }
  });

  it('checks the header and the file size when opened', () => {
    const good = encodeNpy(makeTensor('float32', [4, 3], new Float32Array(12)));
    const short = path.join(dir, 'short.npy');
    fs.writeFileSync(short, good.subarray(0, good.length - 4));
    expect(codeOf(() => openNpyRows(short))).toMatch(/^CIM4004: not a readable \.npy file: 44 data bytes for shape \(4,3\)/);
    const scalar = path.join(dir, 'scalar.npy');
    fs.writeFileSync(scalar, encodeNpy(makeTensor('float32', [], Float32Array.of(1))));
    expect(codeOf(() => openNpyRows(scalar))).toMatch(/^CIM4004: .*scalar/);
    expect(codeOf(() => openNpyRows(path.join(dir, 'missing.npy')))).toBe('CIM4004: cannot read: ENOENT');
  });
});

describe('the reference worker pool fails, never hangs, when a worker dies or cannot start', () => {
  const setup = {
    plan: {}, file: 'p.json', sidecar: sharedBytes(new Uint8Array(4)),
    batching: { input: { name: 'x', dtype: 'float32', shape: [1, 3] }, batch: 1, sampleSize: 3, count: 1 },
  };
  const task = { kind: 'run' as const, float: false, chunks: [{ index: 0, from: 0, real: 1, data: new Float32Array(3) }] };
  const failureOf = async (script: string): Promise<string> => {
    const pool = new ChunkPool(setup, 1, new URL(`data:text/javascript,${encodeURIComponent(script)}`));
    try {
      await pool.run(task);
      return 'no error';
    } catch (e) {
      return isCimcError(e) ? `${e.code}: ${e.message}` : String(e);
    } finally {
      await pool.close();
    }
  };

  it('a worker that exits', async () => {
    expect(await failureOf('process.exit(3)')).toBe('CIM5005: a worker thread stopped (exit code 3) before its work was done');
  });

  it('a worker whose script throws', async () => {
    expect(await failureOf('throw new Error("cannot start")')).toBe('CIM5005: a worker thread failed: cannot start');
  });
});
