/** Runs the built CLI (dist/, built by `pretest`) as a user would. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'compiler', 'cli', 'main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cimc(args: readonly string[], options: { cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'cimc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const fixture = (...p: string[]): string => path.join(repoRoot, ...p);

/** A user error: exit 1, exactly one line on stderr with the given code, no stack trace. */
export function expectUserError(r: CliResult, code: string): string {
  if (r.code !== 1) throw new Error(`expected exit 1, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error'));
  if (lines.length !== 1 || !lines[0].includes(code)) throw new Error(`expected one '${code}' error line, got:\n${r.stderr}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stack trace printed:\n${r.stderr}`);
  return lines[0];
}
