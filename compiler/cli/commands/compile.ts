import type { Command } from 'commander';
import { compile } from '../../driver/compile.js';
import { sidecarNameFor, writePlan } from '../../../plan/writer.js';
import { formatReportText } from '../../report/format.js';
import type { CliEnv } from '../cli-env.js';
import { parsePassList, pipelineOptions, printIrAfterOption, printStats, printTimings } from './common.js';
import { parsePassOptionArgs } from './pass-option-args.js';
import { optionFlags, optionsFromFlags } from './option-flags.js';
import { builtinOptions } from '../../../passes/compile-options.js';
import { CimcError } from '../../../base/diagnostics.js';
import { builtinCostNames } from '../../../targets/loader.js';
import { progressBar } from '../progress.js';

/** The command's own flags; the compile options' flags come from their declarations. */
interface CompileFlags {
  target: string;
  cost?: string;
  output?: string;
  report?: boolean;
  passes?: string;
  printIrAfter?: string[];
  timing?: boolean;
  verifyEach?: boolean;
  stats?: boolean;
}

export function registerCompile(program: Command, env: CliEnv): void {
  const declared = optionFlags(builtinOptions.map((r) => r.option));
  const cmd = program.command('compile')
    .description('compile an ONNX model into a CIM mapping plan')
    .argument('<model>', 'ONNX model file')
    .option('-t, --target <name|file>', 'target name or JSON file', 'seed-4b')
    .option('--cost <name|file>', "cost figures in place of the target's: a preset (" + builtinCostNames().join(', ') + ') or a cost JSON file')
    .option('-o, --output <plan.json>', 'plan file to write (sidecar next to it as .bin)')
    .option('--report', 'print the mapping report after compiling');
  for (const { flag } of declared) cmd.addOption(flag);
  cmd.option('--stats', 'print the counters passes recorded')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nOptions declared by passes from --plugin are accepted too, e.g. --min-cim-weights 512; see cimc explain PASS.');
  for (const o of pipelineOptions()) cmd.addOption(o);
  cmd.action(async (model: string, flags: CompileFlags & Record<string, unknown>, command: Command) => {
    const compiler = await env.compiler();
    const passOptions = parsePassOptionArgs(command.args.slice(1), compiler.passes.values());
    if (!flags.output && !flags.report) throw new CimcError('CIM5001', 'give -o PLAN.json (or --report to only print the report)', { field: '--output' });
    const options: Record<string, unknown> = {
      ...passOptions,
      ...optionsFromFlags(declared, flags),
      sidecarUri: flags.output ? sidecarNameFor(flags.output) : 'plan.bin',
    };
    for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
    const bar = progressBar('compile', env.quiet());
    let result;
    try {
      result = compile({
        model, target: flags.target, cost: flags.cost, compiler, options,
        progress: (f, label) => bar.update(f, label),
        onPassStart: (pass, index, count) => bar.update(index / count, pass),
        passes: flags.passes ? parsePassList(flags.passes, compiler.pipeline) : undefined,
        printIrAfter: printIrAfterOption(flags.printIrAfter),
        verifyEach: flags.verifyEach,
      });
    } finally {
      bar.stop();
    }
    env.printDiagnostics(result.diagnostics);
    if (flags.output) writePlan(result.built, flags.output);
    if (flags.report) process.stdout.write(formatReportText(result.built.plan));
    else if (flags.output && !env.quiet()) {
      const t = result.built.plan.report.totals;
      process.stderr.write(`wrote ${flags.output}: ${t.cimLayers} CIM layers on ${t.arrays} arrays (lower bound ${t.arrayLowerBound}), utilization ${(100 * t.utilization).toFixed(1)}%\n`);
    }
    if (flags.timing) printTimings(result.timings);
    if (flags.stats) printStats(result.stats);
  });
}
