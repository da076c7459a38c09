/**
 * `cimc sweep MODEL -o DIR …`: a design-space sweep over compile options, targets and cost
 * figures; `cimc sweep merge` combines shard folders; `cimc sweep report` prints a folder's table.
 * The work is in compiler/sweep/; this file only turns flags into a request.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CimcError } from '../../../base/diagnostics.js';
import { builtinOptions } from '../../../passes/compile-options.js';
import type { CliEnv } from '../cli-env.js';
import { collect } from './common.js';
import type { Engine } from '../../sweep/accuracy.js';
import { combineAxes, parseAxisFlag } from '../../sweep/grid.js';
import { readSweepFile, type SweepFile } from '../../sweep/sweep-file.js';
import { allOptions, prepareSweep } from '../../sweep/prepare.js';
import { workerPool } from '../../sweep/worker-pool.js';
import { runSweep } from '../../sweep/run-sweep.js';
import { parseShard } from '../../sweep/shard.js';
import { formatSweepTable } from '../../sweep/text-report.js';
import { mergeFolders, writeMerged } from '../../sweep/merge.js';
import { readSweepFolder, sweepHtml, writeSweepReport } from '../../sweep/folder.js';
import { writeFileAtomic } from '../../../base/output-file.js';
import { sweepProgress } from './sweep-progress.js';

/** The worker thread's module (built next to this folder). */
const workerScript = new URL('../sweep-worker.js', import.meta.url);

interface SweepFlags {
  output?: string;
  inputs?: string;
  labels?: string;
  calib?: string;
  limit?: string;
  axis?: string[];
  sweep?: string;
  target?: string;
  cost?: string;
  engine?: string;
  jobs?: string;
  shard?: string;
  keepPlans?: boolean;
}

/** ORT when onnxruntime-node loads (much faster), else the reference runtime. */
async function defaultEngine(): Promise<Engine> {
  try {
    await import('onnxruntime-node');
    return 'ort';
  } catch {
    return 'ref';
  }
}

const positiveInt = (text: string | undefined, flag: string): number | undefined => {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new CimcError('CIM5003', `${flag} must be a positive integer, got '${text}'`, { field: flag });
  return Number(text);
};

const need = (v: string | undefined, flag: string, inFile = true): string => {
  if (!v) throw new CimcError('CIM5001', `give ${flag}${inFile ? ' (or set it in the --sweep file)' : ''}`, { field: flag });
  return v;
};

export function registerSweep(program: Command, env: CliEnv): void {
  const sweep = program.command('sweep')
    .description('design-space sweep: compile and evaluate every point of a grid of options, targets and cost figures')
    .argument('[model]', 'ONNX model file (or the sweep file\'s model)')
    // Not a commander requiredOption: commander checks a parent's required options for its subcommands too.
    .option('-o, --output <dir>', 'sweep folder: sweep.json, results.jsonl, results.csv (resumes when it exists)')
    .option('--inputs <x.npy>', 'evaluation inputs [N, …]')
    .option('--labels <y.npy>', 'evaluation labels [N]')
    .option('--calib <c.npy>', 'calibration inputs for every point (read once)')
    .option('--limit <n>', 'evaluate only the first n samples')
    .option('--axis <name=v1,v2,…>', 'an axis: target, cost or a compile option by its flag name (adc-bits, psum-granularity, …); repeatable', collect)
    .option('--sweep <file.json>', 'sweep file (schemas/sweep.schema.json); flags override it')
    .option('-t, --target <name|file>', 'target when no axis varies it (default seed-4b)')
    .option('--cost <name|file>', 'cost figures when no axis varies them')
    .option('--engine <ref|ort>', 'evaluator (default: ort when onnxruntime-node is installed, else ref)')
    .option('-j, --jobs <n>', 'points evaluated at once, in worker threads (default: the available cores)')
    .option('--shard <i/N>', 'run only the points whose index % N == i')
    .option('--keep-plans', 'also write every point\'s plan to DIR/plans/<key>.json')
    .action(async (modelArg: string | undefined, flags: SweepFlags) => {
      const out = need(flags.output, '-o DIR', false);
      const file: SweepFile = flags.sweep ? readSweepFile(flags.sweep) : { axes: [] };
      const axes = combineAxes(file.axes, (flags.axis ?? []).map(parseAxisFlag));
      if (flags.engine !== undefined && flags.engine !== 'ref' && flags.engine !== 'ort') throw new CimcError('CIM5001', `--engine must be ref or ort, got '${flags.engine}'`, { field: '--engine' });
      const jobs = positiveInt(flags.jobs, '--jobs') ?? os.availableParallelism();
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const compiler = await env.compiler();
      const request = {
        model: need(modelArg ?? file.model, 'MODEL'),
        inputs: need(flags.inputs ?? file.inputs, '--inputs'),
        labels: need(flags.labels ?? file.labels, '--labels'),
        calib: flags.calib ?? file.calib,
        limit: positiveInt(flags.limit, '--limit') ?? file.limit,
        target: flags.target ?? file.target ?? 'seed-4b',
        cost: flags.cost,
        axes,
        engine: (flags.engine as Engine | undefined) ?? await defaultEngine(),
      };
      const prepared = prepareSweep({ ...request, compiler, options: allOptions(builtinOptions.map((r) => r.option), compiler) });
      const plansDir = flags.keepPlans ? path.join(out, 'plans') : undefined;
      const plugins = program.opts<{ plugin?: string[] }>().plugin ?? [];
      const runner = jobs > 1
        ? (baseline: readonly number[] | undefined) => workerPool(workerScript, { request, plugins, baseline, plansDir }, Math.min(jobs, prepared.points.length))
        : undefined;
      const progress = sweepProgress(env.quiet());
      let outcome;
      try {
        outcome = await runSweep(prepared, { dir: out, keepPlans: flags.keepPlans, shard, runner, onRecord: (r, done, total) => progress.update(r, done, total) });
      } finally {
        progress.stop();
      }
      writeSweepReport(out);
      process.stdout.write(formatSweepTable(outcome.definition, outcome.records));
      if (!env.quiet()) process.stderr.write(`${out}: ${outcome.ran} points run, ${outcome.skipped} already done${shard ? ` (shard ${shard.index}/${shard.count})` : ''}\n`);
    });

  sweep.command('merge')
    .description('combine shard folders of one sweep into one folder (every point exactly once)')
    .argument('<dirs...>', 'shard folders')
    .option('-o, --output <dir>', 'merged folder')
    .action((dirs: string[], flags: { output?: string }) => {
      // Commander lets the parent (`sweep -o`) take an -o written after `merge` too.
      const out = need(flags.output ?? sweep.opts<SweepFlags>().output, '-o DIR', false);
      const merged = mergeFolders(dirs);
      writeMerged(out, merged);
      writeSweepReport(out);
      if (!env.quiet()) process.stderr.write(`${out}: ${merged.records.length} points from ${dirs.length} folders\n`);
    });

  sweep.command('report')
    .description("a sweep folder's table of points and its Pareto front (accuracy vs energy)")
    .argument('<dir>', 'sweep folder')
    .option('--html <out.html>', 'write the HTML report')
    .action((dir: string, flags: { html?: string }) => {
      const folder = readSweepFolder(dir);
      if (flags.html) {
        writeFileAtomic(flags.html, sweepHtml(folder));
        if (!env.quiet()) process.stderr.write(`wrote ${flags.html}\n`);
      }
      process.stdout.write(formatSweepTable(folder.definition, folder.records));
    });
}
