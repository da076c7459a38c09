/**
 * Broken and hostile inputs never crash cimc: every case of test/fixtures/bad-inputs/cases.json
 * (made by scripts/make-bad-inputs.mjs) goes through the real CLI and must end in exactly one
 * coded `error CIMxxxx` line that names the node or field, exit status 1, no stack trace, no
 * internal error, and no output file left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticCodes } from '../../base/diagnostics.js';
import { cimc, cliPath, expectUserError, fixture, repoRoot, tempDir, type CliResult } from '../helpers/cli.js';

interface BadInput {
  file: string;
  command: string[];
  args?: string[];
  code: string;
  mentions: string;
  description: string;
}

const dir = fixture('test', 'fixtures', 'bad-inputs');
const cases: BadInput[] = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
/** Files the cases use without being a case's main file. */
const supportFiles = new Set(['cases.json', 'data.bin', 'tiny-gemm.onnx', 'tiny-x.npy', 'plan-good.json', 'plan-sidecar-good.json', 'plan-sidecar-good.bin']);

/** `cimc(args)` from helpers/cli.ts, asynchronous so that cases run side by side. */
function cimcAsync(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function argvOf(c: BadInput, outDir: string): string[] {
  const argv = [...c.command, c.file, ...(c.args ?? [])];
  if (c.command[0] === 'compile') argv.push('-o', path.join(outDir, 'plan.json'));
  return argv;
}

describe('bad-inputs corpus', () => {
  it('has at least 30 distinct bad inputs of every kind, each with a known code', () => {
    const files = new Set(cases.map((c) => `${c.file} ${c.args?.join(' ') ?? ''}`));
    expect(files.size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) {
      expect(Object.keys(diagnosticCodes), c.file).toContain(c.code);
      expect(c.mentions.length, c.file).toBeGreaterThan(0);
    }
    const kinds = (re: RegExp) => cases.filter((c) => re.test(c.file) || c.args?.some((a) => re.test(a))).length;
    expect(kinds(/\.onnx$/)).toBeGreaterThanOrEqual(30);
    expect(kinds(/^target-/)).toBeGreaterThanOrEqual(5);
    expect(kinds(/^plan-(?!good)/)).toBeGreaterThanOrEqual(10);
    expect(kinds(/^npy-/)).toBeGreaterThanOrEqual(5);
  });

  it('every file in the folder belongs to a case, and every case file exists', () => {
    const used = new Set(supportFiles);
    for (const c of cases) {
      used.add(c.file);
      for (const a of c.args ?? []) used.add(a);
      if (c.mentions !== 'ENOENT') expect(fs.existsSync(path.join(dir, c.file)), c.file).toBe(true);
    }
    const walk = (d: string): string[] => fs.readdirSync(path.join(dir, d), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk('.')) {
      const sidecarOf = f.endsWith('.bin') ? f.replace(/\.bin$/, '.json') : '';
      expect(used.has(f) || used.has(sidecarOf) || f.startsWith('external-symlink/'), `${f} is not used by any case`).toBe(true);
    }
  });

  it('is what scripts/make-bad-inputs.mjs makes (plans aside: they follow the compiler)', () => {
    const out = path.join(tempDir('cimc-bad-gen-'), 'corpus');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'make-bad-inputs.mjs'), '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const compare = (rel: string): void => {
      const a = path.join(dir, rel);
      const b = path.join(out, rel);
      if (fs.lstatSync(a).isSymbolicLink()) {
        expect(fs.readlinkSync(b), rel).toBe(fs.readlinkSync(a));
      } else if (fs.statSync(a).isDirectory()) {
        expect(fs.readdirSync(b).sort(), rel).toEqual(fs.readdirSync(a).sort());
        for (const e of fs.readdirSync(a)) compare(path.join(rel, e));
      } else if (!/^plan-.*\.(json|bin)$/.test(path.basename(rel))) {
        expect(fs.readFileSync(b).equals(fs.readFileSync(a)), `${rel} differs from the generator's output: rerun node scripts/make-bad-inputs.mjs`).toBe(true);
      }
    };
    compare('.');
  });

  it('the good baselines work, so each plan and .npy case fails only through its own defect', () => {
    expect(cimc(['validate', 'plan-good.json'], { cwd: dir }).code).toBe(0);
    expect(cimc(['validate', 'plan-sidecar-good.json'], { cwd: dir }).code).toBe(0);
    const run = cimc(['run', 'plan-good.json', '--input', 'tiny-x.npy'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^0: \[.*\]\n1: \[.*\]\n$/);
    // The float path finds the plan's model (tiny-gemm.onnx) next to it, so the model cases fail only by their defect.
    const float = cimc(['run', 'plan-good.json', '--input', 'tiny-x.npy', '--float'], { cwd: dir });
    expect(float.stderr).toBe('');
    expect(float.stdout).toMatch(/^0: \[.*\]\n1: \[.*\]\n$/);
    expect(cimc(['-q', 'compile', 'tiny-gemm.onnx', '--report'], { cwd: dir }).code).toBe(0);
    const t = JSON.parse(fs.readFileSync(path.join(repoRoot, 'targets', 'builtin', 'seed-4b.json'), 'utf8'));
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'seed.json'), JSON.stringify(t));
    expect(cimc(['targets', 'validate', path.join(out, 'seed.json')]).code).toBe(0);
  });
});

describe.concurrent('bad inputs through the CLI', () => {
  for (const c of cases) {
    const label = `${c.command.join(' ')} ${c.file}${c.args ? ' ' + c.args.join(' ') : ''} → ${c.code} (${c.description})`;
    it(label, async () => {
      const out = tempDir('cimc-bad-out-');
      const r = await cimcAsync(argvOf(c, out), dir);
      const line = expectUserError(r, c.code);
      expect(line).toContain(c.mentions);
      expect(r.stderr).not.toMatch(/internal error|CIM9000/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).toBe('');
      expect(fs.readdirSync(out), 'output left behind').toEqual([]);
    });
  }
});
