/**
 * The sweep row of `npm run bench`: the MNIST grid (ADC bits 3–6 × weight and psum granularity
 * layer/column on seed-4b, 16 points, 200 test digits) as one `cimc sweep` against a shell-style
 * loop of `cimc compile` + `cimc eval` over the same points, each a fresh process, as a user
 * would script it. Whole-process wall times; the accuracies of the two are checked to be equal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const axes = { 'adc-bits': ['3', '4', '5', '6'], 'weight-granularity': ['layer', 'column'], 'psum-granularity': ['layer', 'column'] };

function run(root, args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist/compiler/cli/main.js'), '-q', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`cimc ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  return { ms: performance.now() - t0, stdout: r.stdout };
}

export function benchSweep(root) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-bench-sweep-'));
  try {
    const data = ['--inputs', 'examples/data/mnist-test-x.npy', '--labels', 'examples/data/mnist-test-y.npy', '--limit', '200'];
    const model = 'examples/models/mnist-cnn.onnx';
    const dir = path.join(work, 'sweep');
    const sweep = run(root, ['sweep', model, '-o', dir, ...data, ...Object.entries(axes).flatMap(([k, v]) => ['--axis', `${k}=${v.join(',')}`])]);
    const records = fs.readFileSync(path.join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    let loopMs = 0, mismatches = 0;
    for (const r of records) {
      const plan = path.join(work, 'p.json');
      const o = r.point.options;
      loopMs += run(root, ['compile', model, '-t', 'seed-4b', '--adc-bits', String(o.adcBits), '--weight-granularity', o.weightGranularity, '--psum-granularity', o.psumGranularity, '-o', plan]).ms;
      const e = run(root, ['eval', plan, ...data, '--model', model, '--engine', 'ort', '--json']); // the sweep's default evaluator
      loopMs += e.ms;
      if (JSON.parse(e.stdout).accuracy !== r.metrics.accuracy) mismatches++;
    }
    return { points: records.length, sweepMs: sweep.ms, loopMs, mismatches, speedup: loopMs / sweep.ms };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
