import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';
import { importOnnxFile } from '../../compiler/onnx/import.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const resnet18 = fixture('test/fixtures/models/torchvision/resnet18.onnx');

interface ReportJson {
  model: string;
  target: string;
  layers: { name: string; opType: string; cim: boolean; arrays: number; rowTiles: number; colTiles: number; slices: number; usedCells: number; totalCells: number; utilization: number; macs: number; adcConversions: number; scaleFactors: number }[];
  totals: { arrays: number; arrayLowerBound: number; cimLayers: number; digitalLayers: number; usedCells: number; totalCells: number; macs: number };
}

function compileAndReport(model: string, extra: string[] = []): ReportJson {
  const dir = tempDir();
  const plan = path.join(dir, 'plan.json');
  const c = cimc(['compile', model, '-o', plan, ...extra]);
  expect(c.stderr).not.toMatch(/error/);
  expect(c.code).toBe(0);
  const r = cimc(['report', plan, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ReportJson;
}

/** Hand calculation (design §3): whole-kernel row tiles, separate slices/polarities, 128x128, n = 2, differential. */
function expectedArrays(cin: number, cout: number, k: number, group = 1): number {
  const perTile = Math.floor(128 / (k * k));
  const rowTiles = Math.ceil(cin / group / perTile);
  const colTiles = Math.ceil(cout / group / 128);
  return group * rowTiles * colTiles * 2 * 2;
}

describe('cimc compile + report', () => {
  it('maps the MNIST CNN as calculated by hand', () => {
    const r = compileAndReport(mnist);
    expect(r.model).toBe('mnist-cnn.onnx');
    expect(r.target).toBe('seed-4b');
    expect(r.layers.map((l) => [l.opType, l.arrays, l.rowTiles])).toEqual([
      ['Conv', expectedArrays(1, 16, 3), 1],
      ['Conv', expectedArrays(16, 32, 3), 2],
      ['Conv', expectedArrays(32, 64, 3), 3],
      ['Gemm', expectedArrays(64, 10, 1), 1],
    ]);
    // weights 1·16·9 + 16·32·9 + 32·64·9 + 64·10 = 23,824; 4 cells each over 128·128 cells per array
    expect(r.totals.arrayLowerBound).toBe(Math.ceil((23824 * 4) / 16384));
    expect(r.totals.usedCells).toBe(23824 * 4);
    expect(r.totals.arrays).toBe(28);
    expect(r.layers[0].macs).toBe(28 * 28 * 16 * 9);
    // every column converts once per output pixel: 16 channels × 4 (slices × polarities) × 784 pixels
    expect(r.layers[0].adcConversions).toBe(16 * 4 * 784);
  });

  it('maps every ResNet-18 layer as calculated by hand from the conv shapes', () => {
    const r = compileAndReport(resnet18);
    const graph = importOnnxFile(resnet18);
    const expected = graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm').map((n) => {
      const w = graph.constants.get(n.inputs[1])!.shape;
      if (n.opType === 'Gemm') return expectedArrays(w[1], w[0], 1);
      return expectedArrays(w[1], w[0], w[2]);
    });
    expect(r.layers.map((l) => l.arrays)).toEqual(expected);
    expect(r.totals.cimLayers).toBe(21);
    expect(r.totals.arrays).toBe(expected.reduce((a, b) => a + b, 0));
    expect(r.totals.arrays).toBeGreaterThanOrEqual(r.totals.arrayLowerBound);
  });

  it('--keep-digital first,last keeps the stem and classifier digital (the seed setting)', () => {
    const r = compileAndReport(mnist, ['--keep-digital', 'first,last']);
    expect(r.layers.map((l) => l.cim)).toEqual([false, true, true, false]);
    expect(r.totals.digitalLayers).toBe(2);
  });

  it('writes byte-identical plans for the same inputs', () => {
    const dir = tempDir();
    for (const name of ['a', 'b']) expect(cimc(['compile', mnist, '-o', path.join(dir, `${name}.json`)]).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.bin')).equals(fs.readFileSync(path.join(dir, 'b.bin')))).toBe(true);
    const a = fs.readFileSync(path.join(dir, 'a.json'), 'utf8').replace(/"a\.bin"/, '"X"');
    const b = fs.readFileSync(path.join(dir, 'b.json'), 'utf8').replace(/"b\.bin"/, '"X"');
    expect(a).toBe(b);
  });

  it('validate checks hashes: a modified sidecar is refused before use', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'p.json');
    expect(cimc(['compile', mnist, '-o', plan]).code).toBe(0);
    expect(cimc(['validate', plan]).stdout).toMatch(/ok/);
    const bin = path.join(dir, 'p.bin');
    const bytes = fs.readFileSync(bin);
    const cellsAt = JSON.parse(fs.readFileSync(plan, 'utf8')).layers[0].cells.byteOffset as number;
    bytes[cellsAt + 3] ^= 1;
    fs.writeFileSync(bin, bytes);
    // The plan carries no whole-sidecar hash: the changed tensor's own sha256 catches it.
    expect(expectUserError(cimc(['validate', plan]), 'CIM4003')).toMatch(/\/layers\/0\/cells.*sha256.*sidecar modified/);
    const sample = path.resolve('examples/data/mnist-sample-x.npy');
    expect(expectUserError(cimc(['run', plan, '--input', sample, '-o', path.join(dir, 'y.npy')]), 'CIM4003')).toMatch(/sha256/);
    expect(fs.existsSync(path.join(dir, 'y.npy'))).toBe(false);
  });

  it('the plan records the sha256 of the model file it was compiled from', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'p.json');
    expect(cimc(['compile', mnist, '-o', plan]).code).toBe(0);
    const want = createHash('sha256').update(fs.readFileSync(mnist)).digest('hex');
    expect(JSON.parse(fs.readFileSync(plan, 'utf8')).model.sha256).toBe(want);
  });

  it('--embed puts every tensor in the JSON', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'e.json');
    expect(cimc(['compile', mnist, '--embed', '-o', plan]).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'e.bin'))).toBe(false);
    expect(cimc(['validate', plan]).code).toBe(0);
  });

  it('a bad model leaves no output and an existing plan untouched', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'keep.json');
    fs.writeFileSync(plan, 'previous');
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, fs.readFileSync(mnist).subarray(0, 5000));
    expectUserError(cimc(['compile', bad, '-o', plan]), 'CIM1001');
    expect(fs.readFileSync(plan, 'utf8')).toBe('previous');
    expect(fs.readdirSync(dir).sort()).toEqual(['bad.onnx', 'keep.json']);
  });

  it('bad options and targets are one-line errors', () => {
    expectUserError(cimc(['compile', mnist, '--report', '--target', 'nope']), 'CIM3003');
    expectUserError(cimc(['compile', mnist, '--report', '--adc-bits', '2.5']), 'CIM2006');
    expectUserError(cimc(['compile', mnist, '--report', '--keep-digital', 'conv99']), 'CIM2006');
    expectUserError(cimc(['compile', mnist, '--report', '--passes', 'import-onnx,legalize-cim,emit-plan']), 'CIM2000');
  });

  it('report --format md and csv', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'p.json');
    expect(cimc(['compile', mnist, '-o', plan]).code).toBe(0);
    // the mapping table, then (after a blank line) the cost summary and its table
    const [mapping, cost] = cimc(['report', plan, '--format', 'md']).stdout.split('\n\n');
    const md = (mapping + '\n').split('\n');
    expect(md[0]).toMatch(/^\| layer \| op \| cim \| arrays/);
    expect(md).toHaveLength(4 + 3 + 1);
    expect(cost).toMatch(/^cost    isaac-ce: [\d.]+ uJ per inference/);
    const csv = cimc(['report', plan, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv[1].split(',')[3]).toBe('4');
    expect(csv).toContain('layer,replicas,energy uJ,ADC uJ,ADC share,stage us,ADC bits,lossless bits,ADC saved uJ');
  });
});
