/**
 * --jobs spreads weight quantization over a worker thread (compiler/cim/workers/) and must not
 * change the plan: ResNet-18 (enough weights for the worker to start) compiled with one thread
 * and with two gives the same plan and sidecar bytes; a bad --jobs is refused with a code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cimc, expectUserError, repoRoot, tempDir } from '../helpers/cli.js';

const resnet18 = path.join(repoRoot, 'test', 'fixtures', 'models', 'torchvision', 'resnet18.onnx');

describe('compile --jobs', () => {
  it('gives the same plan with one thread and with two', () => {
    const plans = ['1', '2'].map((jobs) => {
      const out = path.join(tempDir(`cimc-jobs${jobs}-`), 'plan.json'); // one name: the plan records its sidecar's
      const r = cimc(['-q', 'compile', resnet18, '-o', out, '--jobs', jobs]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return { json: fs.readFileSync(out), bin: fs.readFileSync(out.replace(/\.json$/, '.bin')) };
    });
    expect(plans[1].bin.equals(plans[0].bin), 'sidecars differ').toBe(true);
    expect(plans[1].json.equals(plans[0].json), 'plans differ').toBe(true);
    expect(plans[0].json.toString()).not.toContain('"jobs"');
  }, 60_000);

  it('refuses --jobs 0', () => {
    const r = cimc(['-q', 'compile', path.join(repoRoot, 'examples', 'models', 'mnist-cnn.onnx'), '-o', path.join(tempDir('cimc-jobs-'), 'p.json'), '--jobs', '0']);
    expect(expectUserError(r, 'CIM')).toMatch(/--jobs/);
  });
});
