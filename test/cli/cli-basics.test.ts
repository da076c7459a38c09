import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const plugin = './examples/plugins/acme-plugin.js';

describe('cimc inspect', () => {
  it('prints the documented JSON form', () => {
    const r = cimc(['inspect', mnist, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['opset', 'inputs', 'outputs', 'ops', 'parameters', 'nodes']);
    expect(j.opset).toBe(13);
    expect(j.inputs).toEqual([{ name: 'input', shape: [1, 1, 28, 28], dtype: 'float32' }]);
    expect(j.outputs).toEqual([{ name: 'logits', shape: [1, 10], dtype: 'float32' }]);
    expect(j.ops.Conv).toBe(3);
    expect(j.nodes[0]).toMatchObject({ opType: 'Conv', outputs: [{ shape: [1, 16, 28, 28], dtype: 'float32' }] });
  });

  it('binds dynamic batch with --input-shape', () => {
    const j = JSON.parse(cimc(['inspect', mnist, '--json', '--input-shape', 'input=4x1x28x28']).stdout);
    expect(j.outputs[0].shape).toEqual([4, 10]);
    expectUserError(cimc(['inspect', mnist, '--input-shape', 'input=4x1']), 'CIM1006');
    expectUserError(cimc(['inspect', mnist, '--input-shape', 'nosuch=1x1x28x28']), 'CIM1006');
  });

  it('--print-ir-after and --timing', () => {
    const r = cimc(['inspect', mnist, '--print-ir-after', 'canonicalize', '--timing']);
    expect(r.stderr).toMatch(/IR after canonicalize/);
    expect(r.stderr).toMatch(/%logits/);
    expect(r.stderr).toMatch(/pass timing:[\s\S]*infer-shapes/);
  });

  it('corrupt and missing files are one-line coded errors', () => {
    const dir = tempDir();
    const junk = path.join(dir, 'junk.onnx');
    fs.writeFileSync(junk, Buffer.from('this is not a protobuf at all \x00\xff\xff\xff'));
    expectUserError(cimc(['inspect', junk]), 'CIM1001');
    expectUserError(cimc(['inspect', path.join(dir, 'missing.onnx')]), 'CIM1001');
  });
});

describe('cimc targets', () => {
  it('lists the built-in targets', () => {
    const r = cimc(['targets', 'list', '--json']);
    const names = JSON.parse(r.stdout).map((t: { name: string }) => t.name);
    expect(names).toEqual(['isaac-8b', 'isaac-ce', 'large-256', 'seed-4b']);
  });

  it('shows one and validates files, pointing at the bad field', () => {
    const seed = JSON.parse(cimc(['targets', 'show', 'seed-4b']).stdout);
    expect(seed).toMatchObject({ array: { rows: 128, cols: 128, cellBits: 2 }, weightBits: 4, activationBits: 4, dacBits: 4, adc: { bits: 4 }, encoding: 'differential' });
    const dir = tempDir();
    const good = path.join(dir, 'good.json');
    fs.writeFileSync(good, JSON.stringify({ ...seed, name: 'mine' }));
    expect(cimc(['targets', 'validate', good]).stdout).toMatch(/ok/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...seed, array: { ...seed.array, rows: 0 } }));
    expect(expectUserError(cimc(['targets', 'validate', bad]), 'CIM3002')).toMatch(/\/array\/rows/);
    fs.writeFileSync(bad, JSON.stringify({ ...seed, dacBits: 8 }));
    expect(expectUserError(cimc(['targets', 'validate', bad]), 'CIM3004')).toMatch(/dacBits/);
    fs.writeFileSync(bad, '{ "name": ');
    expectUserError(cimc(['targets', 'validate', bad]), 'CIM3001');
  });
});

describe('plugins', () => {
  it('a plugin adds a pass and a target, and inserts the pass into the pipeline', () => {
    const passes = JSON.parse(cimc(['--plugin', plugin, 'passes', '--json']).stdout);
    expect(passes.pipeline.indexOf('keep-small-layers-digital')).toBe(passes.pipeline.indexOf('select-cim') + 1);
    expect(passes.passes.find((p: { name: string }) => p.name === 'keep-small-layers-digital').origin).toBe('acme');
    const targets = JSON.parse(cimc(['--plugin', plugin, 'targets', 'list', '--json']).stdout);
    expect(targets.map((t: { name: string }) => t.name)).toContain('acme-rram-64');
  });

  it('the plugin pass runs in a compile and changes the plan', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'p.json');
    const c = cimc(['--plugin', plugin, 'compile', mnist, '-t', 'acme-rram-64', '-o', plan]);
    expect(c.code).toBe(0);
    const report = JSON.parse(cimc(['report', plan, '--json']).stdout);
    expect(report.target).toBe('acme-rram-64');
    expect(report.layers.map((l: { cim: boolean }) => l.cim)).toEqual([false, true, true, false]);
  });

  it("a plugin pass's options are command-line flags; --stats shows its counters", () => {
    const r = cimc(['--plugin', plugin, 'compile', mnist, '--min-cim-weights', '200', '--report', '--stats', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/total .*│ 3\/4 /);
    expect(r.stderr).toMatch(/keep-small-layers-digital\.moved\s+1/);
    expect(expectUserError(cimc(['--plugin', plugin, 'compile', mnist, '--min-cim-weights', 'many', '--report']), 'CIM2006')).toMatch(/--min-cim-weights/);
    expect(expectUserError(cimc(['compile', mnist, '--min-cim-weights', '5', '--report']), 'CIM5001')).toMatch(/no pass declares 'minCimWeights'/);
    expectUserError(cimc(['compile', mnist, '--tiling', 'sideways', '--report']), 'CIM5001');
  });

  it('loading the same plugin twice or a broken plugin is an error', () => {
    expectUserError(cimc(['--plugin', plugin, '--plugin', plugin, 'passes']), 'CIM2007');
    const dir = tempDir();
    const broken = path.join(dir, 'broken.js');
    fs.writeFileSync(broken, 'export default 42;\n');
    expectUserError(cimc(['--plugin', broken, 'passes']), 'CIM2008');
    const dup = path.join(dir, 'dup.js');
    fs.writeFileSync(dup, "export default { name: 'dup', passes: [{ name: 'place', summary: '', requires: [], provides: [], run: (g) => ({ graph: g, changed: false }) }] };\n");
    expect(expectUserError(cimc(['--plugin', dup, 'passes']), 'CIM2007')).toMatch(/duplicate pass name 'place'/);
  });

  it('passes and explain describe the passes', () => {
    expect(cimc(['passes']).stdout).toMatch(/legalize-cim/);
    const e = cimc(['explain', 'legalize-cim']).stdout;
    expect(e).toMatch(/--tiling <string> \[whole-kernel\|dense\]/);
    expectUserError(cimc(['explain', 'nope']), 'CIM2007');
  });
});
