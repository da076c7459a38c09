/**
 * `cimc sweep` as a user runs it: a small MNIST grid whose accuracies are exactly those of
 * separate `cimc compile` + `cimc eval` runs of the same points, a SIGKILL mid-sweep that a rerun
 * resumes (with two worker threads) to the records of an uninterrupted -j 1 run, no point lost or
 * doubled, two shards merged into what one process writes, and the coded refusals (bad grid:
 * nothing written; merge with a missing point).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cimc, cliPath, expectUserError, fixture, repoRoot, tempDir } from '../helpers/cli.js';
import type { SweepRecord } from '../../compiler/sweep/record.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const testX = fixture('examples/data/mnist-test-x.npy');
const testY = fixture('examples/data/mnist-test-y.npy');
const grid = ['--axis', 'adc-bits=3,4', '--axis', 'psum-granularity=layer,column', '-t', 'seed-4b'];
const sweepArgs = (out: string, extra: string[] = []) => ['-q', 'sweep', mnist, '-o', out, '--inputs', testX, '--labels', testY, '--limit', '100', ...grid, ...extra];

const records = (dir: string): SweepRecord[] => fs.readFileSync(path.join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SweepRecord);
/** Records by index without the wall time (the only field that differs between runs). */
const content = (dir: string) => records(dir).map(({ ms: _ms, ...r }) => r).sort((a, b) => a.index - b.index);

let dir: string;
let single: string;
let sweepMs = 0;

beforeAll(() => {
  dir = tempDir('cimc-sweep-');
  single = path.join(dir, 'single');
  const t0 = performance.now();
  const r = cimc(sweepArgs(single));
  sweepMs = performance.now() - t0;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

describe('cimc sweep', () => {
  it('gives every point the accuracy `cimc compile` + `cimc eval --limit 100` gives it', () => {
    const recs = records(single);
    expect(recs.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    const t0 = performance.now();
    for (const r of recs) {
      expect(r.status).toBe('ok');
      const plan = path.join(dir, `p${r.index}.json`);
      // The record's command, with the plan written into the test folder.
      const args = r.command.split(' ').slice(1).map((a) => (a === 'plan.json' ? plan : a === 'examples/models/mnist-cnn.onnx' ? mnist : a));
      expect(r.command.startsWith(`cimc compile ${mnist} -t seed-4b --adc-bits `)).toBe(true);
      expect(cimc(['-q', ...args]).code).toBe(0);
      const e = cimc(['-q', 'eval', plan, '--inputs', testX, '--labels', testY, '--limit', '100', '--json', '--engine', 'ort', '--model', mnist]);
      expect(e.code).toBe(0);
      const ev = JSON.parse(e.stdout) as { accuracy: number; floatAccuracy: number; agreement: number; samples: number };
      expect(r.metrics).toMatchObject({ accuracy: ev.accuracy, floatAccuracy: ev.floatAccuracy, agreement: ev.agreement, samples: 100 });
    }
    const separateMs = performance.now() - t0;
    process.stderr.write(`MNIST sweep of 4 points: ${sweepMs.toFixed(0)} ms; separate compile + eval of the same points: ${separateMs.toFixed(0)} ms\n`);
    // Column-wise ADC steps beat one per layer at 3 and 4 bits (README's table).
    const acc = new Map(recs.map((r) => [r.index, r.metrics!.accuracy]));
    expect(acc.get(1)!).toBeGreaterThan(acc.get(0)!);
    expect(acc.get(3)!).toBeGreaterThan(acc.get(2)!);
  });

  it('writes sweep.json, a csv by index and the table with the Pareto front', () => {
    const def = JSON.parse(fs.readFileSync(path.join(single, 'sweep.json'), 'utf8'));
    expect(def).toMatchObject({ gridSize: 4, axes: [{ name: 'adc-bits', values: ['3', '4'] }, { name: 'psum-granularity', values: ['layer', 'column'] }], evaluation: { limit: 100, engine: 'ort' } });
    expect(def.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(def.data).toMatchObject({ inputs: testX, labels: testY, inputsSha256: expect.stringMatching(/^[0-9a-f]{64}$/), labelsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const csv = fs.readFileSync(path.join(single, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0].startsWith('index,adc-bits,psum-granularity,status,accuracy,')).toBe(true);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['0,3,layer', '1,3,column', '2,4,layer', '3,4,column']);
    const rep = cimc(['sweep', 'report', single]);
    expect(rep.code).toBe(0);
    expect(rep.stdout).toMatch(/^index\s+adc-bits\s+psum-granularity\s+accuracy %\s+energy µJ/);
    expect(rep.stdout).toMatch(/Pareto front \(accuracy ↑, energy per inference ↓\): [0-9, ]+/);
    // The HTML page: written after the sweep, and again on request; every point has a row and its command.
    const page = fs.readFileSync(path.join(single, 'report.html'), 'utf8');
    for (const r of records(single)) expect(page).toContain(r.command.replace(/</g, '&lt;'));
    const html = path.join(dir, 'again.html');
    expect(cimc(['sweep', 'report', single, '--html', html]).code).toBe(0);
    expect(fs.readFileSync(html, 'utf8')).toBe(page);
    // A rerun finds every point done and runs none; so does the same sweep given as a sweep file.
    const again = cimc(sweepArgs(single).slice(1));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/0 points run, 4 already done/);
    const file = path.join(dir, 'grid.json');
    fs.writeFileSync(file, JSON.stringify({ model: mnist, inputs: testX, labels: testY, limit: 100, target: 'seed-4b', axes: { 'adc-bits': [3, 4], 'psum-granularity': ['layer', 'column'] } }));
    const fromFile = cimc(['sweep', '--sweep', file, '-o', single]);
    expect(fromFile.stderr).toMatch(/0 points run, 4 already done/);
    expect(records(single)).toHaveLength(4);
    // Another sweep into the same folder is refused.
    expect(expectUserError(cimc([...sweepArgs(single), '--axis', 'tiling=dense']), 'CIM5003')).toMatch(/holds another sweep/);
  });

  it('resumes after SIGKILL with no point lost or doubled', async () => {
    const args = ['-q', 'sweep', mnist, '--inputs', testX, '--labels', testY, '--limit', '30', '--engine', 'ref', '--axis', 'adc-bits=3,4,5', '--axis', 'psum-granularity=layer,column'];
    const killed = path.join(dir, 'killed');
    // Killed and resumed with two worker threads, compared with one process running one point at a time.
    const child = spawn(process.execPath, [cliPath, ...args, '-j', '2', '-o', killed], { cwd: repoRoot, stdio: 'ignore' });
    const file = path.join(killed, 'results.jsonl');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('\n')) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 10);
      child.on('exit', () => { clearInterval(poll); resolve(); });
      child.on('error', reject);
    });
    await new Promise((r) => child.on('close', r));
    const before = records(killed).length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(6);
    expect(cimc([...args, '-j', '2', '-o', killed]).code).toBe(0);
    const whole = path.join(dir, 'whole');
    expect(cimc([...args, '-j', '1', '-o', whole]).code).toBe(0);
    expect(content(killed)).toEqual(content(whole));
    expect(content(killed).map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('two shards run as separate processes merge into what one process writes', async () => {
    const shard = (i: number) => new Promise<number>((resolve) => {
      const c = spawn(process.execPath, [cliPath, ...sweepArgs(path.join(dir, `shard${i}`), ['--shard', `${i}/2`])], { cwd: repoRoot, stdio: 'ignore' });
      c.on('close', (code) => resolve(code ?? -1));
    });
    expect(await Promise.all([shard(0), shard(1)])).toEqual([0, 0]);
    expect(records(path.join(dir, 'shard0')).map((r) => r.index).sort()).toEqual([0, 2]);
    const merged = path.join(dir, 'merged');
    const m = cimc(['-q', 'sweep', 'merge', path.join(dir, 'shard0'), path.join(dir, 'shard1'), '-o', merged]);
    expect(m.code).toBe(0);
    expect(content(merged)).toEqual(content(single));
    expect(records(merged).map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(fs.readFileSync(path.join(merged, 'results.csv'), 'utf8')).toBe(fs.readFileSync(path.join(single, 'results.csv'), 'utf8'));
    // The same shard twice is tolerated (identical content); a shard alone leaves points missing.
    expect(cimc(['-q', 'sweep', 'merge', path.join(dir, 'shard0'), path.join(dir, 'shard1'), single, '-o', path.join(dir, 'merged2')]).code).toBe(0);
    expect(expectUserError(cimc(['sweep', 'merge', path.join(dir, 'shard0'), '-o', path.join(dir, 'merged3')]), 'CIM5004')).toMatch(/points missing from the shards: 1, 3/);
  });

  it('keeps plans byte for byte what each record\'s command writes, and records a failing point as an error', () => {
    // 4 columns: an adjacent slice layout (8 columns per output channel) cannot map; separate can.
    const narrow = path.join(dir, 'narrow.json');
    fs.writeFileSync(narrow, JSON.stringify({
      name: 'narrow', array: { rows: 128, cols: 4, cellBits: 1 }, weightBits: 4, activationBits: 4, dacBits: 4,
      adc: { bits: 4, columnsPerAdc: 4 }, encoding: 'differential', cost: 'isaac-ce',
    }));
    const calib = fixture('examples/data/mnist-calib-x.npy');
    const out = path.join(dir, 'kept');
    const r = cimc(['-q', 'sweep', mnist, '-o', out, '--inputs', testX, '--labels', testY, '--limit', '5', '--engine', 'ref', '-j', '1', '--calib', calib,
      '--axis', `target=${narrow}`, '--axis', 'slice-layout=separate,adjacent', '--axis', 'calib-samples=16', '--keep-plans']);
    expect(r.code).toBe(0);
    const recs = records(out);
    expect(recs.map((x) => x.status)).toEqual(['ok', 'error']);
    expect(recs[1].error).toMatchObject({ code: 'CIM2005' });
    expect(recs[1].error!.message).toMatch(/adjacent slice layout needs 8 columns per output channel, the array has 4/);
    expect(r.stdout).toMatch(/error CIM2005/);
    for (const rec of recs.slice(0, 1)) {
      const plan = path.join(dir, `${rec.key}.json`);
      expect(rec.command.endsWith(`--calib ${calib} -o plan.json`)).toBe(true);
      expect(cimc(['-q', ...rec.command.split(' ').slice(1, -1), plan]).code).toBe(0);
      expect(fs.readFileSync(path.join(out, 'plans', `${rec.key}.json`))).toEqual(fs.readFileSync(plan));
      expect(fs.readFileSync(path.join(out, 'plans', `${rec.key}.bin`))).toEqual(fs.readFileSync(plan.replace(/json$/, 'bin')));
    }
  });

  it('refuses a bad grid with one coded line and writes nothing', () => {
    const out = path.join(dir, 'bad');
    expect(expectUserError(cimc(['sweep', mnist, '-o', out, '--inputs', testX, '--labels', testY, '--axis', 'adc-bits=3,99']), 'CIM2006')).toMatch(/--adc-bits/);
    expect(expectUserError(cimc(['sweep', mnist, '-o', out, '--inputs', testX, '--labels', testY, '--axis', 'adc-bitz=3']), 'CIM5003')).toMatch(/unknown axis 'adc-bitz'/);
    expect(expectUserError(cimc(['sweep', mnist, '-o', out, '--inputs', testX, '--labels', testY, '--axis', 'target=seed-4b,nope']), 'CIM3003')).toMatch(/nope/);
    expect(fs.existsSync(out)).toBe(false);
    expect(expectUserError(cimc(['sweep', 'merge', single, path.join(dir, 'killed'), '-o', path.join(dir, 'm4')]), 'CIM5004')).toMatch(/another sweep/);
  });
});
