/** Pieces shared by the CLI commands. */
import { Option } from 'commander';
import { formatTimings, type PassTiming } from '../../pass-manager/run-passes.js';
import { CimcError } from '../../../base/diagnostics.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function pipelineOptions(): Option[] {
  return [
    new Option('--passes <list>', 'comma-separated pass pipeline replacing the default'),
    new Option('--print-ir-after <pass>', "print the IR after a pass ('all' for every pass); repeatable").argParser(collect),
    new Option('--timing', 'print the time spent in each pass'),
    new Option('--verify-each', 'after every pass, check that it left its input unchanged, its output valid and its "no change" true (CIM2010-CIM2012)'),
  ];
}

export function parsePassList(list: string | undefined, fallback: readonly string[]): readonly string[] {
  if (!list) return fallback;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new CimcError('CIM5001', '--passes needs at least one pass name', { field: '--passes' });
  return names;
}

export function printIrAfterOption(v: string[] | undefined): readonly string[] | 'all' | undefined {
  if (!v) return undefined;
  return v.includes('all') ? 'all' : v;
}

export function printTimings(timings: readonly PassTiming[]): void {
  process.stderr.write(formatTimings(timings));
}

export function printStats(stats: ReadonlyMap<string, number>): void {
  const keys = [...stats.keys()].sort();
  const width = Math.max(0, ...keys.map((k) => k.length));
  process.stderr.write(`pass statistics:\n${keys.map((k) => `  ${k.padEnd(width)}  ${stats.get(k)}`).join('\n')}\n`);
}
