#!/usr/bin/env node
// The seed paper's claim, measured post-training on the MNIST CNN: accuracy at 3- and 4-bit ADC
// with 4-bit weights and activations for weight/psum scale granularities, plus a cell-variation
// sweep. Calibrates on examples/data/mnist-calib-x.npy, evaluates on the held-out test split.
// Usage: npm run eval:mnist [-- --quick]   (writes examples/results/mnist-*.json and prints tables)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, openPlan, serializePlan, executableFromPlan, evaluate, readNpy, parseVariation } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const model = path.join(root, 'examples/models/mnist-cnn.onnx');
const calib = readNpy(path.join(root, 'examples/data/mnist-calib-x.npy'));
const testX = readNpy(path.join(root, 'examples/data/mnist-test-x.npy'));
const testY = readNpy(path.join(root, 'examples/data/mnist-test-y.npy'));
const limit = quick ? 200 : undefined;

function plan(options) {
  const { built } = compile({ model, target: 'seed-4b', options: { ...options, calibData: calib, sidecarUri: 'mem.bin' } });
  return openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
}

function accuracy(loaded, variation, compareFloat = false) {
  return evaluate(executableFromPlan(loaded, { variation }), testX, testY, { limit, compareFloat });
}

const pct = (x) => `${(100 * x).toFixed(1)}`;
const granularities = [
  ['layer', 'layer'], ['array', 'array'], ['column', 'column'],
  ['column', 'layer'], ['layer', 'column'], ['channel', 'array'], ['array', 'column'],
];
const started = Date.now();
const rows = [];
let floatAccuracy;
for (const [w, p] of granularities) {
  const row = { weight: w, psum: p };
  for (const adc of [3, 4]) {
    const r = accuracy(plan({ weightGranularity: w, psumGranularity: p, adcBits: adc }), undefined, floatAccuracy === undefined);
    floatAccuracy ??= r.floatAccuracy;
    row[`adc${adc}`] = r.accuracy;
  }
  rows.push(row);
  process.stderr.write(`granularity ${w}/${p}: ${pct(row.adc3)} / ${pct(row.adc4)}\n`);
}
const ideal = accuracy(plan({ adcBits: 'ideal' })).accuracy;

const sigmas = [0, 0.05, 0.1, 0.2, 0.3];
const seeds = quick ? [1] : [1, 2, 3];
const variation = [];
for (const [w, p] of [['layer', 'layer'], ['column', 'column']]) {
  const loaded = plan({ weightGranularity: w, psumGranularity: p, adcBits: 4 });
  const row = { weight: w, psum: p };
  for (const s of sigmas) {
    let sum = 0;
    for (const seed of seeds) sum += accuracy(loaded, s > 0 ? parseVariation(`lognormal:${s}`, seed) : undefined).accuracy;
    row[`sigma${s}`] = sum / seeds.length;
  }
  variation.push(row);
  process.stderr.write(`variation ${w}/${p}: ${sigmas.map((s) => pct(row[`sigma${s}`])).join(' ')}\n`);
}

const samples = limit ?? testY.shape[0];
const result = { model: 'examples/models/mnist-cnn.onnx', target: 'seed-4b (4-bit weights, 4-bit activations, 2-bit cells)', calibrationSamples: 256, testSamples: samples, floatAccuracy, idealAdcAccuracy: ideal, granularity: rows, variation: { kind: 'lognormal', seeds, sigmas, rows: variation }, seconds: (Date.now() - started) / 1000 };
if (!quick) {
  fs.mkdirSync(path.join(root, 'examples/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'examples/results/mnist-eval.json'), JSON.stringify(result, null, 2) + '\n');
}
const lines = [
  `Top-1 accuracy (%) on ${samples} held-out MNIST test digits; float model ${pct(floatAccuracy)}, ideal ADC (column/column) ${pct(ideal)}.`,
  '',
  '| weight scales | psum (ADC) scales | 3-bit ADC | 4-bit ADC |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.weight} | ${r.psum} | ${pct(r.adc3)} | ${pct(r.adc4)} |`),
  '',
  `Cell variation (lognormal σ, 4-bit ADC, mean over seeds ${seeds.join(',')}):`,
  '',
  `| weight / psum | ${sigmas.map((s) => `σ=${s}`).join(' | ')} |`,
  `|---|${sigmas.map(() => '---').join('|')}|`,
  ...variation.map((r) => `| ${r.weight} / ${r.psum} | ${sigmas.map((s) => pct(r[`sigma${s}`])).join(' | ')} |`),
];
process.stdout.write(lines.join('\n') + '\n');
