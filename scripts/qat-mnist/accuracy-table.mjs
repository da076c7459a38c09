#!/usr/bin/env node
/**
 * The README's QAT table: MNIST test accuracy (1000 held-out digits, the ORT engine) of the 4-bit
 * QAT model with its imported integers and scales against cimc's own PTQ of the float model of the
 * same architecture, on seed-4b at 3- and 4-bit ADCs and an ideal ADC, ADC steps calibrated on
 * the calibration digits (--calib) in both. Runs the built CLI (npm run build first):
 *
 *   node scripts/qat-mnist/accuracy-table.mjs
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/compiler/cli/main.js');
const data = (f) => path.join(root, 'examples/data', f);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-qat-'));
const models = [
  ['imported QAT scales (mnist-qat4.onnx)', 'mnist-qat4.onnx'],
  ["cimc's PTQ of the float model (mnist-cnn.onnx)", 'mnist-cnn.onnx'],
];
const adcs = ['3', '4', 'ideal'];

function evalPlan(model, adc) {
  const plan = path.join(work, `${path.basename(model, '.onnx')}-${adc}.json`);
  execFileSync(process.execPath, [cli, '-q', 'compile', path.join(root, 'examples/models', model), '-t', 'seed-4b', '--adc-bits', adc, '--calib', data('mnist-calib-x.npy'), '-o', plan]);
  const out = execFileSync(process.execPath, [cli, 'eval', plan, '--inputs', data('mnist-test-x.npy'), '--labels', data('mnist-test-y.npy'), '--engine', 'ort', '--json'], { encoding: 'utf8' });
  return JSON.parse(out);
}

try {
  const rows = [];
  let floatRow;
  for (const [label, model] of models) {
    const cells = [];
    for (const adc of adcs) {
      const r = evalPlan(model, adc);
      cells.push(`${(100 * r.accuracy).toFixed(1)} %`);
      if (model === 'mnist-cnn.onnx' && adc === 'ideal') floatRow = `${(100 * r.floatAccuracy).toFixed(1)} %`;
    }
    rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  const lines = ['| model on seed-4b (4-bit weights and activations) | ADC 3 bits | ADC 4 bits | ideal ADC |', '|---|---|---|---|', ...rows, `| float (mnist-cnn.onnx, onnxruntime-equal float path) | ${floatRow} | ${floatRow} | ${floatRow} |`];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
