/**
 * Determinism across processes, working directories and output paths: the same model and
 * options give the same plan bytes, and no absolute path (of the model, the output, the
 * calibration data, a plugin, the working directory) leaks into the plan.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cimc, repoRoot, tempDir } from '../helpers/cli.js';

const mnistRel = path.join('examples', 'models', 'mnist-cnn.onnx');
const mnistAbs = path.join(repoRoot, mnistRel);

/** Compiles twice: from the repo with relative paths, and from elsewhere with absolute paths and another output path. */
function compileTwice(extra: (relative: boolean) => string[], global: (relative: boolean) => string[] = () => []): { a: string; b: string; dirs: string[] } {
  const dirA = tempDir('cimc-det-a-');
  const dirB = tempDir('cimc-det-b-');
  const elsewhere = tempDir('cimc-det-cwd-');
  const planA = path.join(dirA, 'first.json');
  const planB = path.join(dirB, 'nested', 'deeper', 'second-plan.json');
  fs.mkdirSync(path.dirname(planB), { recursive: true });
  const ra = cimc([...global(true), '-q', 'compile', mnistRel, '-o', planA, ...extra(true)], { cwd: repoRoot });
  const rb = cimc([...global(false), '-q', 'compile', mnistAbs, '-o', planB, ...extra(false)], { cwd: elsewhere });
  expect(ra.stderr).toBe('');
  expect(rb.stderr).toBe('');
  expect([ra.code, rb.code]).toEqual([0, 0]);
  const sideA = planA.replace(/\.json$/, '.bin');
  const sideB = planB.replace(/\.json$/, '.bin');
  if (fs.existsSync(sideA) || fs.existsSync(sideB)) {
    expect(fs.readFileSync(sideA).equals(fs.readFileSync(sideB)), 'sidecars differ').toBe(true);
  }
  return {
    a: fs.readFileSync(planA, 'utf8'),
    b: fs.readFileSync(planB, 'utf8'),
    dirs: [dirA, dirB, elsewhere, repoRoot, os.tmpdir(), os.homedir()],
  };
}

function expectNoPaths(plan: string, dirs: readonly string[]): void {
  for (const d of dirs) expect(plan.includes(d), `plan mentions ${d}`).toBe(false);
  const json = JSON.parse(plan) as { model: { file: string }; buffers: { uri: string }[] };
  expect(json.model.file).toBe('mnist-cnn.onnx');
  for (const b of json.buffers) expect(b.uri).not.toMatch(/[\\/]/);
}

describe('plans are byte-identical across processes, working directories and output paths', () => {
  it('sidecar plan: same bytes up to the sidecar name, no absolute path', () => {
    const { a, b, dirs } = compileTwice(() => []);
    expect(a.replace('"first.bin"', '"X"')).toBe(b.replace('"second-plan.bin"', '"X"'));
    expectNoPaths(a, dirs);
    expectNoPaths(b, dirs);
  });

  it('embedded, calibrated plan with a plugin target: identical bytes', () => {
    const calib = path.join('examples', 'data', 'mnist-calib-x.npy');
    const plugin = path.join('examples', 'plugins', 'acme-plugin.js');
    const { a, b, dirs } = compileTwice(
      (relative) => ['--embed', '-t', 'acme-rram-64', '--calib', relative ? calib : path.join(repoRoot, calib), '--calib-samples', '8'],
      (relative) => ['--plugin', relative ? `./${plugin}` : path.join(repoRoot, plugin)],
    );
    expect(a).toBe(b);
    expect(JSON.parse(a).calibration.method).toBe('calibrated');
    expectNoPaths(a, dirs);
  });
});
