/**
 * Plans of earlier versions keep working, and a version-3 plan computes what they did: the
 * version-2 plan in test/fixtures/plans/v2-mnist (written by cimc before version 3, with the
 * outputs that build gave) loads, validates and runs to the same bytes on both engines, CIM and
 * float path; a version-3 plan compiled today from the same model gives those bytes too, its
 * float path taking the weights from the model (--model, or the model next to the plan).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';

const v2 = fixture('test/fixtures/plans/v2-mnist');
const mnist = fixture('examples/models/mnist-cnn.onnx');
const x = path.join(v2, 'x.npy');
const expected = (name: string): Buffer => fs.readFileSync(path.join(v2, `${name}.npy`));

/** `cimc run PLAN --input x.npy …` → the .npy bytes written. */
function runOutput(plan: string, args: readonly string[], cwd?: string): Buffer {
  const out = path.join(tempDir('cimc-v2-'), 'y.npy');
  const r = cimc(['run', plan, '--input', x, '-o', out, ...args], { cwd });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return fs.readFileSync(out);
}

describe('a version-2 plan', () => {
  it('validates', () => {
    const r = cimc(['validate', path.join(v2, 'plan.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok \(plan version 2, 4 CIM layers/);
  });
  for (const engine of ['ref', 'ort']) {
    it(`runs to the bytes the build that wrote it gave (--engine ${engine}, CIM and --float)`, () => {
      const plan = path.join(v2, 'plan.json');
      expect(runOutput(plan, ['--engine', engine]).equals(expected(`y-cim-${engine}`))).toBe(true);
      // Its own weightMatrix: no model needed (the fixture folder has none).
      expect(runOutput(plan, ['--engine', engine, '--float']).equals(expected(`y-float-${engine}`))).toBe(true);
    });
  }
});

describe('a version-3 plan of the same model', () => {
  const dir = tempDir('cimc-v3-');
  const plan = path.join(dir, 'mnist.json');
  beforeAll(() => {
    expect(cimc(['-q', 'compile', mnist, '-o', plan]).code).toBe(0);
  });

  it('is a quarter of the version-2 plan, without float weights or (uncalibrated) factors', () => {
    const size = (p: string) => fs.statSync(p).size + fs.statSync(p.replace(/\.json$/, '.bin')).size;
    const json = JSON.parse(fs.readFileSync(plan, 'utf8'));
    expect(json.planVersion).toBe(3);
    expect(json.layers.some((l: Record<string, unknown>) => 'weightMatrix' in l || 'dequantFactor' in l)).toBe(false);
    expect(size(plan)).toBeLessThan(size(path.join(v2, 'plan.json')) / 3);
  });

  for (const engine of ['ref', 'ort']) {
    it(`gives the version-2 plan's bytes (--engine ${engine}): CIM path, and float path with the model`, () => {
      expect(runOutput(plan, ['--engine', engine]).equals(expected(`y-cim-${engine}`))).toBe(true);
      expect(runOutput(plan, ['--engine', engine, '--float', '--model', mnist]).equals(expected(`y-float-${engine}`))).toBe(true);
    });
  }

  it('finds the model next to the plan, or in the working directory', () => {
    const beside = tempDir('cimc-v3-beside-');
    for (const f of ['mnist.json', 'mnist.bin']) fs.copyFileSync(path.join(dir, f), path.join(beside, f));
    fs.copyFileSync(mnist, path.join(beside, 'mnist-cnn.onnx'));
    expect(runOutput(path.join(beside, 'mnist.json'), ['--float']).equals(expected('y-float-ref'))).toBe(true);
    expect(runOutput(plan, ['--float'], path.dirname(mnist)).equals(expected('y-float-ref'))).toBe(true);
  });

  it('without the model the float path ends in CIM4006; --keep-float-weights makes it unnecessary', () => {
    const line = expectUserError(cimc(['run', plan, '--input', x, '--float']), 'CIM4006');
    expect(line).toContain("node '/features/features.0/Conv'");
    expect(line).toContain('--model');
    expect(cimc(['run', plan, '--input', x]).code).toBe(0); // the CIM path needs no model
    const kept = path.join(dir, 'kept.json');
    expect(cimc(['-q', 'compile', mnist, '-o', kept, '--keep-float-weights']).code).toBe(0);
    expect(runOutput(kept, ['--float']).equals(expected('y-float-ref'))).toBe(true);
  });

  it('eval prints what it prints for the version-2 plan', () => {
    const args = ['--inputs', fixture('examples/data/mnist-test-x.npy'), '--labels', fixture('examples/data/mnist-test-y.npy'), '--limit', '40', '--json'];
    const old = cimc(['eval', path.join(v2, 'plan.json'), ...args]);
    const now = cimc(['eval', plan, ...args, '--model', mnist]);
    expect([old.code, now.code]).toEqual([0, 0]);
    expect(now.stdout).toBe(old.stdout);
  });
});
