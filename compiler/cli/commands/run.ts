import * as os from 'node:os';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../../../base/output-file.js';
import { progressBar } from '../progress.js';
import { CimcError } from '../../../base/diagnostics.js';
import type { CliEnv } from '../cli-env.js';
import { loadPlan } from '../../../plan/reader.js';
import { encodeNpy, openNpyRows, readNpy, type NpyRows } from '../../../base/npy.js';
import { labelsFor, npySamples, planBatching } from '../../../runtime/batch.js';
import { evaluateSamples, runSamples } from '../../../runtime/reference/run-samples.js';
import { parseVariation, type VariationSpec } from '../../../runtime/reference/variation.js';
import { toFloat32 } from '../../../base/rt-tensor.js';
import { withModelFloatWeights } from '../../driver/float-weights.js';

interface RuntimeFlags {
  variation?: string;
  seed?: string;
}

function variationOf(flags: RuntimeFlags): VariationSpec | undefined {
  if (!flags.variation) return undefined;
  const seed = flags.seed === undefined ? 0 : Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new CimcError('CIM5001', `--seed must be a non-negative integer, got '${flags.seed}'`, { field: '--seed' });
  return parseVariation(flags.variation, seed);
}

/** `--engine ref|ort`: the reference runtime or the plan lowered to onnxruntime (runtime/ort-engine). */
function engineOf(flags: { engine?: string }): 'ref' | 'ort' {
  if (flags.engine === 'ref' || flags.engine === 'ort') return flags.engine;
  throw new CimcError('CIM5001', `--engine must be ref or ort, got '${flags.engine}'`, { field: '--engine' });
}

/**
 * `--jobs N`: worker threads of the reference runtime (default: the available cores); with
 * `--engine ort`, onnxruntime's intra-op threads (default: onnxruntime's choice, one per core).
 */
function jobsOf(flags: { jobs?: string }, engine: 'ref' | 'ort'): number | undefined {
  if (flags.jobs === undefined) return os.availableParallelism();
  if (!/^\d+$/.test(flags.jobs) || Number(flags.jobs) < 1) throw new CimcError('CIM5001', `--jobs must be a positive integer, got '${flags.jobs}'`, { field: '--jobs' });
  return Number(flags.jobs);
}

/** The rows of an .npy file, closed after `use` however it ends. */
async function withNpyRows<T>(file: string, use: (rows: NpyRows) => Promise<T>): Promise<T> {
  const rows = openNpyRows(file);
  try {
    return await use(rows);
  } finally {
    rows.close();
  }
}

// Options both run and eval take (commander needs a fresh Option per command).
const variationOption = () => new Option('--variation <lognormal:S|gaussian:S>', 'cell variation applied at load time');
const seedOption = () => new Option('--seed <n>', 'seed for --variation').default('0');
const engineOption = () => new Option('--engine <ref|ort>', 'ref: the reference runtime; ort: the plan lowered to onnxruntime-node (same numbers, faster)').default('ref');
const modelOption = () => new Option('--model <file.onnx>', "the model the plan was compiled from, for the float path's weights when the plan does not carry them (default: the plan's model file next to it or in the working directory)");
const jobsOption = () => new Option('-j, --jobs <n>', 'worker threads (default: the available cores), each with the whole plan: the reference runtime, or with --engine ort its own onnxruntime sessions of one thread; 1 = this thread only');

/** Runs a check of a .npy file's contents; its error (shape, count) then names that file. */
function namingFile<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw e instanceof CimcError ? e.inFile(file) : e;
  }
}

export function registerRun(program: Command, env: CliEnv): void {
  program.command('run')
    .description('execute a plan on inputs (.npy, batch along the first axis)')
    .argument('<plan>', 'plan JSON file')
    .requiredOption('--input <x.npy>', 'input tensor')
    .option('-o, --output <y.npy>', 'write the first output here (default: print a summary)')
    .option('--float', 'run CIM layers in float (the unquantized reference path)')
    .addOption(modelOption())
    .addOption(variationOption()).addOption(seedOption()).addOption(engineOption()).addOption(jobsOption())
    .action(async (file: string, flags: RuntimeFlags & { input: string; output?: string; float?: boolean; model?: string; engine?: string; jobs?: string }) => {
      const engine = engineOf(flags);
      const jobs = jobsOf(flags, engine);
      const variation = variationOf(flags);
      const plain = loadPlan(file);
      const loaded = flags.float ? withModelFloatWeights(plain, { model: flags.model, compiler: await env.compiler() }) : plain;
      const bar = progressBar('run', env.quiet());
      const onSample = (i: number, n: number) => bar.update(i / n);
      const [y] = await withNpyRows(flags.input, async (rows) => {
        namingFile(flags.input, () => planBatching(loaded.plan, rows.shape));
        const source = npySamples(rows);
        if (engine === 'ref') return runSamples(loaded, source, { float: flags.float, variation, jobs, onSample });
        const { runSamplesOrt } = await import('../../../runtime/ort-engine/evaluate-ort.js');
        return runSamplesOrt(loaded, source, { float: flags.float, variation, jobs, onSample });
      });
      bar.stop();
      if (flags.output) {
        writeFileAtomic(flags.output, encodeNpy(y));
      } else {
        const v = toFloat32(y);
        const per = v.length / y.shape[0];
        for (let i = 0; i < y.shape[0]; i++) {
          const row = Array.from(v.subarray(i * per, Math.min((i + 1) * per, i * per + 10)), (a) => a.toFixed(4));
          process.stdout.write(`${i}: [${row.join(', ')}${per > 10 ? ', …' : ''}]\n`);
        }
      }
    });

  program.command('eval')
    .description('top-1 accuracy of the CIM path and the float path, their agreement and per-layer SQNR')
    .argument('<plan>', 'plan JSON file')
    .requiredOption('--inputs <x.npy>', 'inputs [N, ...]')
    .requiredOption('--labels <y.npy>', 'labels [N] (int64/int32/uint8)')
    .option('--limit <n>', 'use only the first n samples')
    .option('--json', 'print JSON')
    .addOption(modelOption())
    .addOption(variationOption()).addOption(seedOption()).addOption(engineOption()).addOption(jobsOption())
    .action(async (file: string, flags: RuntimeFlags & { inputs: string; labels: string; json?: boolean; limit?: string; model?: string; engine?: string; jobs?: string }) => {
      const engine = engineOf(flags);
      const jobs = jobsOf(flags, engine);
      const variation = variationOf(flags);
      // The float baseline needs the float weights.
      const loaded = withModelFloatWeights(loadPlan(file), { model: flags.model, compiler: await env.compiler() });
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CimcError('CIM5001', '--limit must be a positive integer', { field: '--limit' });
      const labels = readNpy(flags.labels);
      const bar = progressBar('eval', env.quiet() || Boolean(flags.json));
      const onSample = (i: number, n: number) => bar.update(i / n, `${i}/${n}`);
      // The inputs are read a chunk at a time; the labels whole.
      const r = await withNpyRows(flags.inputs, async (rows) => {
        const { count } = namingFile(flags.inputs, () => planBatching(loaded.plan, rows.shape, 'inputs'));
        namingFile(flags.labels, () => labelsFor(labels, count));
        const source = npySamples(rows);
        if (engine === 'ref') return evaluateSamples(loaded, source, labels, { limit, variation, jobs, onSample });
        const { evaluateOrt } = await import('../../../runtime/ort-engine/evaluate-ort.js');
        return evaluateOrt(loaded, source, labels, { limit, variation, jobs, onSample });
      });
      bar.stop();
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...r, layers: r.layers.map((l) => ({ name: l.name, sqnrDb: Number.isFinite(l.sqnrDb) ? Number(l.sqnrDb.toFixed(3)) : null })) }, null, 2) + '\n');
        return;
      }
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
      process.stdout.write(`samples    ${r.samples}\naccuracy   ${pct(r.accuracy)} (CIM)   ${pct(r.floatAccuracy)} (float)   agreement ${pct(r.agreement)}\n`);
      for (const l of r.layers) process.stdout.write(`  ${l.name.padEnd(40)} SQNR ${Number.isFinite(l.sqnrDb) ? l.sqnrDb.toFixed(2) : 'inf'} dB\n`);
    });
}
