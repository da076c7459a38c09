import type { Command } from 'commander';
import Table from 'cli-table3';
import { loadTargetFile, resolveTarget } from '../../../targets/loader.js';
import type { TargetSpec } from '../../../targets/target.js';
import type { CliEnv } from '../cli-env.js';

function summary(t: TargetSpec): string[] {
  const slices = Math.ceil(t.weightBits / t.array.cellBits);
  return [
    t.name,
    `${t.array.rows}x${t.array.cols}`,
    String(t.array.cellBits),
    String(t.weightBits),
    String(t.activationBits),
    String(t.dacBits),
    String(t.adc.bits),
    t.encoding,
    String(slices),
  ];
}

export function registerTargets(program: Command, env: CliEnv): void {
  const targets = program.command('targets').description('list, show and validate CIM macro targets');
  targets.command('list')
    .description('list built-in and plugin targets')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const compiler = await env.compiler();
      const all = [...compiler.targets.values()];
      if (flags.json) {
        process.stdout.write(JSON.stringify(all.map((t) => ({ ...t, origin: compiler.origin('target', t.name) })), null, 2) + '\n');
        return;
      }
      const table = new Table({ head: ['name', 'array', 'cell bits', 'w bits', 'a bits', 'dac bits', 'adc bits', 'encoding', 'slices'], style: { head: [], border: [] } });
      for (const t of all) table.push(summary(t));
      process.stdout.write(table.toString() + '\n');
    });
  targets.command('show')
    .description('print a target as JSON (by name or file)')
    .argument('<target>', 'target name or .json file')
    .action(async (name: string) => {
      const compiler = await env.compiler();
      process.stdout.write(JSON.stringify(resolveTarget(name, compiler.targets), null, 2) + '\n');
    });
  targets.command('validate')
    .description('check a target file against schemas/target.schema.json')
    .argument('<file>', 'target .json file')
    .action((file: string) => {
      const t = loadTargetFile(file);
      process.stdout.write(`${file}: ok (target '${t.name}')\n`);
    });
}
