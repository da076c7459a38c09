import type { Command } from 'commander';
import { Option } from 'commander';
import { compile } from '../../driver/compile.js';
import { parseInputShapes } from '../../shape-rules/input-shapes.js';
import { sidecarNameFor, writePlan } from '../../../plan/writer.js';
import { formatReportText } from '../../report/format.js';
import type { CliEnv } from '../cli-env.js';
import { parsePassList, pipelineOptions, printIrAfterOption, printStats, printTimings } from './common.js';
import { parsePassOptionArgs } from './pass-option-args.js';
import { CimcError } from '../../../base/diagnostics.js';
import { progressBar } from '../progress.js';

interface CompileFlags {
  target: string;
  output?: string;
  embed?: boolean;
  report?: boolean;
  keepDigital?: string;
  tiling?: string;
  encoding?: string;
  sliceLayout?: string;
  packGroups?: boolean;
  weightGranularity?: string;
  weightScale?: string;
  psumGranularity?: string;
  adcBits?: string;
  weightBits?: string;
  actBits?: string;
  dacBits?: string;
  passes?: string;
  printIrAfter?: string[];
  timing?: boolean;
  verifyEach?: boolean;
  inputShape?: string[];
  calib?: string;
  stats?: boolean;
  calibSamples?: string;
  adcRange?: string;
}

const intFlag = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CimcError('CIM2006', `${name} must be a positive integer, got '${v}'`, { field: name });
  return Number(v);
};

export function registerCompile(program: Command, env: CliEnv): void {
  const cmd = program.command('compile')
    .description('compile an ONNX model into a CIM mapping plan')
    .argument('<model>', 'ONNX model file')
    .option('-t, --target <name|file>', 'target name or JSON file', 'seed-4b')
    .option('-o, --output <plan.json>', 'plan file to write (sidecar next to it as .bin)')
    .option('--embed', 'embed tensors in the JSON (base64) instead of a sidecar')
    .option('--report', 'print the mapping report after compiling')
    .option('--keep-digital <names>', "comma-separated node names to keep digital; 'first' and 'last' allowed")
    .addOption(new Option('--tiling <policy>', 'row tiling').choices(['whole-kernel', 'dense']))
    .addOption(new Option('--encoding <enc>', 'signed-weight encoding (default: target)').choices(['differential', 'offset']))
    .addOption(new Option('--slice-layout <layout>', 'slices/polarities in separate arrays or adjacent columns').choices(['separate', 'adjacent']))
    .option('--pack-groups', 'pack small groups of grouped/depthwise convs block-diagonally')
    .addOption(new Option('--weight-granularity <g>', 'weight scale granularity (default column)').choices(['layer', 'channel', 'array', 'column']))
    .addOption(new Option('--weight-scale <method>', 'weight scale choice (default maxabs)').choices(['maxabs', 'mse']))
    .addOption(new Option('--psum-granularity <g>', 'ADC step granularity (default column)').choices(['layer', 'array', 'column']))
    .option('--adc-bits <n|1.5|ideal>', 'ADC resolution (default: target)')
    .option('--weight-bits <n>', 'weight bits (default: target)')
    .option('--act-bits <n>', 'activation bits (default: target)')
    .option('--dac-bits <n>', 'DAC bits per input cycle (default: target)')
    .option('--calib <x.npy>', 'calibration inputs: measure activation scales and ADC steps')
    .option('--calib-samples <n>', 'calibration samples to use (default 256)')
    .option('--adc-range <mse|sigma:K>', 'ADC step choice during calibration (default mse)')
    .option('--stats', 'print the counters passes recorded')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nOptions declared by passes (built in or from --plugin) are accepted too, e.g. --min-cim-weights 512; see cimc explain PASS.');
  for (const o of pipelineOptions()) cmd.addOption(o);
  cmd.action(async (model: string, flags: CompileFlags, command: Command) => {
    const compiler = await env.compiler();
    const passOptions = parsePassOptionArgs(command.args.slice(1), compiler.passes.values());
    if (!flags.output && !flags.report) throw new CimcError('CIM5001', 'give -o PLAN.json (or --report to only print the report)', { field: '--output' });
    const options: Record<string, unknown> = {
      ...passOptions,
      inputShapes: parseInputShapes(flags.inputShape ?? []),
      keepDigital: flags.keepDigital ? flags.keepDigital.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      tiling: flags.tiling, encoding: flags.encoding, sliceLayout: flags.sliceLayout, packGroups: flags.packGroups === true ? true : undefined,
      weightGranularity: flags.weightGranularity, weightScale: flags.weightScale, psumGranularity: flags.psumGranularity,
      adcBits: flags.adcBits === undefined ? undefined : flags.adcBits === 'ideal' ? 'ideal' : Number(flags.adcBits),
      weightBits: intFlag(flags.weightBits, '--weight-bits'), actBits: intFlag(flags.actBits, '--act-bits'), dacBits: intFlag(flags.dacBits, '--dac-bits'),
      embed: flags.embed === true,
      calib: flags.calib, calibSamples: intFlag(flags.calibSamples, '--calib-samples'), adcRange: flags.adcRange,
      sidecarUri: flags.output ? sidecarNameFor(flags.output) : 'plan.bin',
    };
    for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
    if (options.adcBits !== undefined && options.adcBits !== 'ideal' && Number.isNaN(options.adcBits)) {
      throw new CimcError('CIM2006', `--adc-bits must be 1..16, 1.5 or ideal, got '${flags.adcBits}'`, { field: '--adc-bits' });
    }
    const bar = progressBar('compile', env.quiet());
    let result;
    try {
      result = compile({
        model, target: flags.target, compiler, options,
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
