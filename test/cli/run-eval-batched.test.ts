/**
 * `cimc run` / `cimc eval` on plans compiled for batch N (chunks of N, the last padded and its
 * padding dropped), on both engines, and `--jobs`: worker threads give the one-thread outputs and
 * figures byte for byte, and a failure in a worker is the same one coded line as without workers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';
import { encodeNpy, readNpy } from '../../base/npy.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { maxRelError } from '../helpers/ort.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const calib = fixture('examples/data/mnist-calib-x.npy');
const testX = fixture('examples/data/mnist-test-x.npy');
const testY = fixture('examples/data/mnist-test-y.npy');
let dir: string;
/** Uncalibrated (dynamic scales) for batch 1 and 4; calibrated for batch 4 (the ORT engine's cases). */
let plan1: string;
let plan4: string;
let plan4Calibrated: string;
/** The first 10 test digits: chunks of 4, 4 and 2 (+ 2 padded). */
let ten: string;

const ok = (args: string[]): string => {
  const r = cimc(args);
  if (r.code !== 0) throw new Error(`cimc ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const runTo = (planFile: string, out: string, ...extra: string[]): Buffer => {
  ok(['run', planFile, '--input', ten, '-o', path.join(dir, out), '-q', ...extra]);
  return fs.readFileSync(path.join(dir, out));
};
const evalJson = (planFile: string, ...extra: string[]): string => ok(['eval', planFile, '--inputs', testX, '--labels', testY, '--model', mnist, '--json', ...extra]);

beforeAll(() => {
  dir = tempDir('cimc-batched-cli-');
  plan1 = path.join(dir, 'b1.json');
  plan4 = path.join(dir, 'b4.json');
  plan4Calibrated = path.join(dir, 'b4c.json');
  ok(['compile', mnist, '-o', plan1, '-q']);
  ok(['compile', mnist, '-o', plan4, '-q', '--input-shape', 'input=4x1x28x28']);
  ok(['compile', mnist, '-o', plan4Calibrated, '-q', '--input-shape', 'input=4x1x28x28', '--calib', calib, '--calib-samples', '64']);
  const x = readNpy(testX);
  ten = path.join(dir, 'ten.npy');
  fs.writeFileSync(ten, encodeNpy(makeTensor('float32', [10, 1, 28, 28], toFloat32(x).slice(0, 10 * 784))));
});

describe('batch-N plans', () => {
  it('run: a batch-4 plan on 10 digits gives the batch-1 plan\'s outputs byte for byte (dynamic scales, padding dropped)', () => {
    const four = runTo(plan4, 'y4.npy', '--jobs', '1');
    expect(readNpy(path.join(dir, 'y4.npy')).shape).toEqual([10, 10]);
    expect(four.equals(runTo(plan1, 'y1.npy', '--jobs', '1'))).toBe(true);
  });

  it('eval: a batch-4 plan gives the batch-1 plan\'s figures (11 digits: a padded last chunk)', () => {
    expect(evalJson(plan4, '--limit', '11', '--jobs', '1')).toBe(evalJson(plan1, '--limit', '11', '--jobs', '1'));
  });

  it('--engine ort runs a batch-4 plan too: the reference runtime\'s outputs to float rounding, the same eval accuracy', () => {
    runTo(plan4Calibrated, 'ref.npy');
    runTo(plan4Calibrated, 'ort.npy', '--engine', 'ort');
    const ref = readNpy(path.join(dir, 'ref.npy'));
    const got = readNpy(path.join(dir, 'ort.npy'));
    expect(got.shape).toEqual([10, 10]);
    expect(maxRelError(toFloat32(ref), toFloat32(got))).toBeLessThan(1e-5);
    const a = JSON.parse(evalJson(plan4Calibrated, '--limit', '30'));
    const b = JSON.parse(evalJson(plan4Calibrated, '--limit', '30', '--engine', 'ort', '--jobs', '1'));
    expect(b.samples).toBe(30);
    expect([b.accuracy, b.floatAccuracy, b.agreement]).toEqual([a.accuracy, a.floatAccuracy, a.agreement]);
  });
});

describe('--jobs', () => {
  it('run: 2 workers give the outputs of one thread byte for byte (batch 1 and batch 4)', () => {
    expect(runTo(plan1, 'j2.npy', '--jobs', '2').equals(runTo(plan1, 'j1.npy', '--jobs', '1'))).toBe(true);
    expect(runTo(plan4, 'j2b4.npy', '--jobs', '2').equals(runTo(plan4, 'j1b4.npy', '--jobs', '1'))).toBe(true);
  });

  it('eval: 2 workers give the figures of one thread (accuracy, agreement, every layer\'s SQNR)', () => {
    const one = evalJson(plan1, '--limit', '64', '--jobs', '1');
    expect(evalJson(plan1, '--limit', '64', '--jobs', '2')).toBe(one);
    expect(JSON.parse(one).samples).toBe(64);
    expect(evalJson(plan4, '--limit', '64', '--jobs', '2')).toBe(one);
  });

  it('--engine ort on 2 workers (a session each) gives the outputs and eval figures of one thread', () => {
    const runOne = path.join(dir, 'ort-j1.npy');
    const runTwo = path.join(dir, 'ort-j2.npy');
    ok(['run', plan1, '--input', ten, '-o', runOne, '-q', '--engine', 'ort', '--jobs', '1']);
    ok(['run', plan1, '--input', ten, '-o', runTwo, '-q', '--engine', 'ort', '--jobs', '2']);
    expect(fs.readFileSync(runTwo).equals(fs.readFileSync(runOne))).toBe(true);
    const one = evalJson(plan1, '--limit', '64', '--jobs', '1', '--engine', 'ort');
    expect(evalJson(plan1, '--limit', '64', '--jobs', '2', '--engine', 'ort')).toBe(one);
    expect(JSON.parse(one).samples).toBe(64);
    // A failure inside an ORT worker is the same coded line as in this thread.
    const json = JSON.parse(fs.readFileSync(plan1, 'utf8'));
    json.schedule.find((st: { kind: string }) => st.kind === 'digital').opType = 'NoSuchOp';
    const bad = path.join(dir, 'ort-no-kernel.json');
    fs.writeFileSync(bad, JSON.stringify(json));
    const err1 = expectUserError(cimc(['run', bad, '--input', ten, '-q', '--engine', 'ort', '--jobs', '1']), 'CIM4005');
    expect(expectUserError(cimc(['run', bad, '--input', ten, '-q', '--engine', 'ort', '--jobs', '2']), 'CIM4005')).toBe(err1);
  });

  it('a failure in a worker is the one-line error of one thread: in a task, and when the worker opens the plan', () => {
    const json = JSON.parse(fs.readFileSync(plan1, 'utf8'));
    const tampered = (name: string, edit: (p: typeof json) => void): string => {
      const p = structuredClone(json);
      edit(p);
      const file = path.join(dir, name);
      fs.writeFileSync(file, JSON.stringify(p));
      return file;
    };
    const wrongOutput = tampered('wrong-output.json', (p) => { p.outputs[0].shape = [1, 11]; });
    const noKernel = tampered('no-kernel.json', (p) => { p.schedule.find((s: { kind: string }) => s.kind === 'digital').opType = 'NoSuchOp'; });
    for (const [file, code] of [[wrongOutput, 'CIM4005'], [noKernel, 'CIM4005']]) {
      const one = expectUserError(cimc(['run', file, '--input', ten, '-q', '--jobs', '1']), code);
      expect(expectUserError(cimc(['run', file, '--input', ten, '-q', '--jobs', '2']), code)).toBe(one);
    }
    expect(expectUserError(cimc(['run', wrongOutput, '--input', ten, '-q', '--jobs', '2']), 'CIM4005')).toMatch(/output '.*' came out \[1,10\], the plan declares \[1,11\]/);
    const evalOne = expectUserError(cimc(['eval', noKernel, '--inputs', testX, '--labels', testY, '--model', mnist, '--limit', '20', '--jobs', '1']), 'CIM4005');
    expect(expectUserError(cimc(['eval', noKernel, '--inputs', testX, '--labels', testY, '--model', mnist, '--limit', '20', '--jobs', '2']), 'CIM4005')).toBe(evalOne);
  });

  it('refuses a --jobs that is not a positive integer, on either engine', () => {
    for (const engine of ['ref', 'ort']) {
      expect(expectUserError(cimc(['run', plan1, '--input', ten, '--jobs', '0', '--engine', engine]), 'CIM5001')).toMatch(/--jobs must be a positive integer, got '0'/);
      expectUserError(cimc(['eval', plan1, '--inputs', testX, '--labels', testY, '--jobs', 'two', '--engine', engine]), 'CIM5001');
    }
  });
});
