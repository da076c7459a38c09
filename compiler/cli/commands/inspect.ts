import type { Command } from 'commander';
import { formatInspect, inspectGraph } from '../../driver/inspect.js';
import { inspectPipeline } from '../../../passes/index.js';
import { inferShapesOptions } from '../../../passes/infer-shapes.js';
import { runModel } from '../../driver/run-model.js';
import type { CliEnv } from '../cli-env.js';
import { parsePassList, pipelineOptions, printIrAfterOption, printTimings } from './common.js';
import { optionFlags, optionsFromFlags } from './option-flags.js';

interface InspectFlags {
  json?: boolean;
  passes?: string;
  printIrAfter?: string[];
  timing?: boolean;
  verifyEach?: boolean;
}

export function registerInspect(program: Command, env: CliEnv): void {
  const cmd = program.command('inspect')
    .description('import a model, canonicalize it, infer shapes and summarize it')
    .argument('<model>', 'ONNX model file')
    .option('--json', 'print JSON instead of text');
  for (const o of pipelineOptions()) cmd.addOption(o);
  // --input-shape, from its declaration in infer-shapes.
  const declared = optionFlags([inferShapesOptions.inputShapes]);
  for (const { flag } of declared) cmd.addOption(flag);
  cmd.action(async (model: string, flags: InspectFlags & Record<string, unknown>) => {
    const compiler = await env.compiler();
    const result = runModel({
      modelPath: model,
      compiler,
      passes: parsePassList(flags.passes, inspectPipeline),
      options: { ...optionsFromFlags(declared, flags), partialShapes: true },
      printIrAfter: printIrAfterOption(flags.printIrAfter),
      verifyEach: flags.verifyEach,
    });
    env.printDiagnostics(result.diagnostics.items);
    const report = inspectGraph(result.graph);
    process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatInspect(report, model));
    if (flags.timing) printTimings(result.timings);
  });
}
