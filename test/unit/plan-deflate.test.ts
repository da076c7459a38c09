/**
 * Deflated plan tensors (plan version 3, `compression: 'deflate'`): the writer stores a zlib
 * stream only where it saves an eighth, sha256 and byteLength are the stored bytes', and the
 * reader gives back exactly the values written — or refuses, naming the tensor, a stream that is
 * cut, not zlib, or inflates to more or fewer bytes than the shape needs.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SidecarWriter, type PlanArray } from '../../plan/sidecar.js';
import { openPlan } from '../../plan/reader.js';
import type { Plan, PlanDType, TensorRef } from '../../plan/types.js';
import { isCimcError } from '../../base/diagnostics.js';
import { uniformSource } from '../../base/random.js';
import { fixture } from '../helpers/cli.js';

/** A valid plan to hang tensors on (as constants): the bad-inputs baseline. */
const basePlan = (): Plan => JSON.parse(fs.readFileSync(fixture('test/fixtures/bad-inputs/plan-good.json'), 'utf8')) as Plan;

function withConstants(refs: Record<string, TensorRef>, sidecar?: Uint8Array) {
  const plan = basePlan();
  plan.constants = refs;
  plan.buffers = sidecar ? [{ uri: 'x.bin', byteLength: sidecar.byteLength }] : [];
  return openPlan(plan, 'x.json', sidecar);
}

const columnsLike = Int32Array.from({ length: 4096 }, (_, i) => Math.floor(i / 64));
const random = uniformSource(5);
const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
const cells = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 4);

const tensors: [string, PlanDType, PlanArray, (1 | 2 | 4)?][] = [
  ['int32 column indices', 'int32', columnsLike],
  ['random bytes', 'uint8', noise],
  ['float64 steps that repeat', 'float64', Float64Array.from(columnsLike, (v) => 1 + v / 3)],
  ['2-bit cells, packed', 'uint8', cells, 2],
  ['a short tensor', 'int32', Int32Array.of(1, 2, 3)],
];

describe('deflated tensors read back exactly', () => {
  for (const embed of [false, true]) {
    it(embed ? 'embedded (base64)' : 'in the sidecar', () => {
      const w = new SidecarWriter(embed);
      const refs: Record<string, TensorRef> = {};
      for (const [name, dtype, data, packed] of tensors) refs[name] = w.add(dtype, [data.length], data, packed, true);
      // Compressed where it pays: regular indices and repeated steps, not random bytes or 12 bytes.
      expect(refs['int32 column indices'].compression).toBe('deflate');
      expect(refs['float64 steps that repeat'].compression).toBe('deflate');
      expect(refs['random bytes'].compression).toBeUndefined();
      expect(refs['a short tensor'].compression).toBeUndefined();
      expect(refs['2-bit cells, packed'].packedBits).toBe(2);
      const loaded = withConstants(refs, embed ? undefined : w.bytes());
      for (const [name, , data] of tensors) expect(Array.from(loaded.tensor(refs[name], name) as ArrayLike<number>), name).toEqual(Array.from(data as ArrayLike<number>));
      if (!embed) {
        const r = refs['int32 column indices'] as Extract<TensorRef, { byteOffset: number }>;
        expect(r.byteLength).toBeLessThan(columnsLike.byteLength / 20);
        const stored = w.bytes().subarray(r.byteOffset, r.byteOffset + r.byteLength);
        expect(createHash('sha256').update(stored).digest('hex')).toBe(r.sha256);
      }
    });
  }
  it('without the flag nothing is compressed', () => {
    expect(new SidecarWriter(false).add('int32', [columnsLike.length], columnsLike).compression).toBeUndefined();
  });
});

describe('bad deflate data is refused with CIM4002 naming the tensor', () => {
  const steps = (n: number) => Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
  const z = (a: Float64Array) => deflateSync(Buffer.from(a.buffer));
  const cases: [string, Buffer, RegExp][] = [
    ['truncated', z(steps(64)).subarray(0, 20), /cannot be inflated/],
    ['one value too many', z(steps(65)), /more than the 512 bytes/],
    ['one value short', z(steps(63)), /inflates to 504 bytes, its shape \[64\] of float64 needs 512/],
    ['not a zlib stream', Buffer.from(steps(64).buffer), /cannot be inflated/],
    ['empty', Buffer.alloc(0), /cannot be inflated/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      const ref: TensorRef = { dtype: 'float64', shape: [64], base64: bytes.toString('base64'), compression: 'deflate' };
      const loaded = withConstants({ t: ref });
      let err: unknown;
      try { loaded.tensor(ref, '/constants/t'); } catch (e) { err = e; }
      expect(isCimcError(err) && err.code === 'CIM4002' && err.diagnostic.field === '/constants/t', String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    });
  }
  it('a shape too large to hold is refused before inflating', () => {
    const ref: TensorRef = { dtype: 'float64', shape: [2 ** 40], base64: z(steps(4)).toString('base64'), compression: 'deflate' };
    expect(() => withConstants({ t: ref }).tensor(ref, '/constants/t')).toThrow(/too large/);
  });
});
