/**
 * The sweep's grid (compiler/sweep/grid.ts): axes from the option declarations, values checked
 * as `cimc compile` checks them, the cartesian order, and one coded error for every bad grid
 * before anything runs. In-process; no build needed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CimcError } from '../../base/diagnostics.js';
import { builtinOptions } from '../../passes/compile-options.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { axisOptions, combineAxes, gridPoints, parseAxisFlag, resolveAxes, type AxisSpec } from '../../compiler/sweep/grid.js';
import { resolveCost, resolveTarget } from '../../targets/loader.js';
import { compileCommand } from '../../compiler/sweep/command-line.js';
import { parseShard, inShard } from '../../compiler/sweep/shard.js';
import { readResults, dropTornLine, appendRecord } from '../../compiler/sweep/results-file.js';
import { readSweepFile } from '../../compiler/sweep/sweep-file.js';
import { accuracyEnergyFront } from '../../compiler/sweep/text-report.js';
import type { SweepRecord } from '../../compiler/sweep/record.js';

const compiler = createCompiler();
const ctx = {
  options: axisOptions(builtinOptions.map((r) => r.option)),
  checkTarget: (v: string) => { resolveTarget(v, compiler.targets); },
  checkCost: (v: string) => { resolveCost(v); },
};
const resolve = (axes: AxisSpec[]) => resolveAxes(axes, ctx);
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof CimcError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-sweep-grid-'));

describe('sweep grid', () => {
  it('takes every declared option with a flag as an axis, by its flag name', () => {
    const names = [...ctx.options.keys()];
    for (const n of ['adc-bits', 'weight-granularity', 'psum-granularity', 'tiling', 'weight-bits', 'pack-groups', 'array-budget', 'keep-digital']) expect(names).toContain(n);
    // Sweep-level or in-memory options are not axes.
    expect(names).not.toContain('calib');
    expect(names).not.toContain('calib-data');
  });

  it('is the cartesian product in the given order, last axis fastest, with checked values and commands', () => {
    const axes = resolve([parseAxisFlag('adc-bits=3,4,ideal'), parseAxisFlag('psum-granularity=layer,column'), parseAxisFlag('pack-groups=false,true')]);
    const points = gridPoints(axes, { target: 'seed-4b' });
    expect(points).toHaveLength(12);
    expect(points.map((p) => p.index)).toEqual([...Array(12).keys()]);
    expect(points[0].point).toEqual({ target: 'seed-4b', options: { adcBits: 3, packGroups: false, psumGranularity: 'layer' } });
    expect(points[3].varied).toEqual([['adc-bits', '3'], ['psum-granularity', 'column'], ['pack-groups', 'true']]);
    expect(points[11].point.options.adcBits).toBe('ideal');
    expect(Object.keys(points[5].point.options)).toEqual(['adcBits', 'packGroups', 'psumGranularity']);
    expect(compileCommand('m.onnx', points[3], 'c.npy')).toBe('cimc compile m.onnx -t seed-4b --adc-bits 3 --psum-granularity column --pack-groups --calib c.npy -o plan.json');
    expect(compileCommand('m.onnx', points[0])).toBe('cimc compile m.onnx -t seed-4b --adc-bits 3 --psum-granularity layer -o plan.json');
  });

  it('varies target and cost as axes', () => {
    const points = gridPoints(resolve([{ name: 'target', values: ['seed-4b', 'isaac-8b'] }, { name: 'cost', values: ['isaac-ce', 'pimcomp-nn'] }]), { target: 'x' });
    expect(points.map((p) => [p.point.target, p.point.cost])).toEqual([['seed-4b', 'isaac-ce'], ['seed-4b', 'pimcomp-nn'], ['isaac-8b', 'isaac-ce'], ['isaac-8b', 'pimcomp-nn']]);
    expect(compileCommand('m.onnx', points[1])).toBe('cimc compile m.onnx -t seed-4b --cost pimcomp-nn -o plan.json');
  });

  it('refuses a bad grid with one coded error', () => {
    expect(codeOf(() => resolve([{ name: 'adc-bitz', values: ['3'] }]))).toMatch(/^CIM5003: unknown axis 'adc-bitz'/);
    expect(codeOf(() => resolve([{ name: 'adc-bits', values: ['3', '99'] }]))).toMatch(/^CIM2006: --adc-bits /);
    expect(codeOf(() => resolve([{ name: 'weight-bits', values: ['0'] }]))).toMatch(/^CIM2006: --weight-bits must be an integer in 1..16/);
    expect(codeOf(() => resolve([{ name: 'psum-granularity', values: ['row'] }]))).toBe("CIM2006: --psum-granularity must be one of layer|array|column, got 'row'");
    expect(codeOf(() => resolve([{ name: 'pack-groups', values: ['maybe'] }]))).toMatch(/^CIM2006: --pack-groups takes true or false/);
    expect(codeOf(() => resolve([parseAxisFlag('tiling=')]))).toBe("CIM5003: axis 'tiling' has no values");
    expect(codeOf(() => resolve([{ name: 'tiling', values: ['dense', 'dense'] }]))).toBe("CIM5003: axis 'tiling' lists 'dense' twice");
    expect(codeOf(() => resolve([{ name: 'tiling', values: ['dense'] }, { name: 'tiling', values: ['whole-kernel'] }]))).toBe("CIM5003: axis 'tiling' is given twice");
    expect(codeOf(() => combineAxes([], [parseAxisFlag('tiling=dense'), parseAxisFlag('tiling=whole-kernel')]))).toBe("CIM5003: axis 'tiling' is given twice");
    expect(codeOf(() => parseAxisFlag('adc-bits'))).toMatch(/^CIM5003: --axis takes NAME=v1,v2/);
    expect(codeOf(() => resolve([{ name: 'target', values: ['no-such-target'] }]))).toMatch(/^CIM3003: unknown target 'no-such-target'/);
    expect(codeOf(() => resolve([{ name: 'cost', values: ['no-such-cost'] }]))).toMatch(/^CIM3/);
    const badTarget = path.join(tmp, 'bad-target.json');
    fs.writeFileSync(badTarget, JSON.stringify({ name: 'bad', array: { rows: 0, cols: 8, cellBits: 1 } }));
    expect(codeOf(() => resolve([{ name: 'target', values: ['seed-4b', badTarget] }]))).toMatch(/^CIM3002: /);
  });

  it('lets --axis replace the sweep file\'s axis of the same name in place', () => {
    const file = path.join(tmp, 'sweep.json');
    fs.writeFileSync(file, JSON.stringify({ model: 'm.onnx', limit: 10, axes: { 'adc-bits': [3, 4], tiling: ['dense'] } }));
    const f = readSweepFile(file);
    expect(f.axes).toEqual([{ name: 'adc-bits', values: ['3', '4'] }, { name: 'tiling', values: ['dense'] }]);
    expect(combineAxes(f.axes, [parseAxisFlag('adc-bits=5'), parseAxisFlag('encoding=offset')]).map((a) => `${a.name}=${a.values}`)).toEqual(['adc-bits=5', 'tiling=dense', 'encoding=offset']);
    fs.writeFileSync(file, JSON.stringify({ axes: { 'adc-bits': [3] }, limt: 3 }));
    expect(codeOf(() => readSweepFile(file))).toBe('CIM5003: /limt is not an allowed property');
  });

  it('parses shards and assigns every index to exactly one', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    for (const bad of ['3/3', '1', 'a/2', '0/0']) expect(codeOf(() => parseShard(bad))).toMatch(/^CIM5003: --shard/);
    for (let i = 0; i < 10; i++) expect([0, 1, 2].filter((s) => inShard(i, { index: s, count: 3 }))).toHaveLength(1);
  });

  it('reads results.jsonl, cutting off a torn last line before appending', () => {
    const file = path.join(tmp, 'results.jsonl');
    const rec = (index: number): SweepRecord => ({ key: `k${index}`, index, point: { target: 't', options: {} }, status: 'ok', command: 'c', ms: 1 });
    fs.writeFileSync(file, JSON.stringify(rec(0)) + '\n' + JSON.stringify(rec(1)).slice(0, 20));
    const r = readResults(file);
    expect(r.records.map((x) => x.index)).toEqual([0]);
    expect(r.tornBytes).toBe(20);
    dropTornLine(file, r);
    appendRecord(file, rec(2));
    expect(readResults(file).records.map((x) => x.index)).toEqual([0, 2]);
    expect(readResults(file).tornBytes).toBe(0);
  });

  it('puts the points no other beats on accuracy and energy on the front', () => {
    const rec = (index: number, accuracy: number, energyPj: number): SweepRecord => ({
      key: `k${index}`, index, point: { target: 't', options: {} }, status: 'ok', command: 'c', ms: 1,
      metrics: { accuracy, energyPj, floatAccuracy: 1, agreement: 1, samples: 1, latencyNs: 1, inferencesPerSecond: 1, areaMm2: 1, topsPerWatt: 1, adcEnergyShare: 0, arrays: 1 },
    });
    expect(accuracyEnergyFront([rec(0, 0.5, 10), rec(1, 0.9, 20), rec(2, 0.4, 15), rec(3, 0.9, 30)]).map((r) => r.index)).toEqual([0, 1]);
  });
});
