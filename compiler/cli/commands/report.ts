import type { Command } from 'commander';
import { Option } from 'commander';
import { loadPlan } from '../../../plan/reader.js';
import { formatReportCsv, formatReportMarkdown, formatReportText, planReport } from '../../report/format.js';
import type { CliEnv } from '../cli-env.js';
import { renderHtmlReport } from '../../report/html/build-html.js';
import { writeFileAtomic } from '../../../base/output-file.js';
import { builtinCostNames, resolveCost } from '../../../targets/loader.js';

export function registerReport(program: Command, env: CliEnv): void {
  program.command('report')
    .description('print the mapping report of a plan')
    .argument('<plan>', 'plan JSON file')
    .option('--json', 'print the report as JSON')
    .addOption(new Option('--format <fmt>', 'table format').choices(['text', 'md', 'csv']).default('text'))
    .option('--html <out.html>', 'write a self-contained HTML report (tables, charts, crossbar pictures) instead')
    .option('--cost <name|file>', "cost figures in place of the plan target's: a preset (" + builtinCostNames().join(', ') + ') or a cost JSON file')
    .action((file: string, flags: { json?: boolean; format: string; html?: string; cost?: string }) => {
      const loaded = loadPlan(file);
      const { plan } = loaded;
      const options = { cost: flags.cost === undefined ? undefined : resolveCost(flags.cost) };
      if (flags.html) {
        writeFileAtomic(flags.html, renderHtmlReport(loaded, options));
        if (!env.quiet()) process.stderr.write(`wrote ${flags.html}\n`);
      } else if (flags.json) process.stdout.write(JSON.stringify(planReport(plan, options), null, 2) + '\n');
      else if (flags.format === 'md') process.stdout.write(formatReportMarkdown(plan, options));
      else if (flags.format === 'csv') process.stdout.write(formatReportCsv(plan, options));
      else process.stdout.write(formatReportText(plan, options));
    });
  program.command('validate')
    .description('check a plan against schemas/plan.schema.json and its sidecar hashes')
    .argument('<plan>', 'plan JSON file')
    .action((file: string) => {
      const loaded = loadPlan(file);
      let tensors = 0;
      const check = (ref: Parameters<typeof loaded.tensor>[0], what: string): void => { loaded.tensor(ref, what); tensors++; };
      for (const [name, ref] of Object.entries(loaded.plan.constants)) check(ref, `/constants/${name}`);
      loaded.plan.layers.forEach((l, i) => {
        const at = `/layers/${i}`;
        for (const [k, ref] of Object.entries(l.columns)) check(ref, `${at}/columns/${k}`);
        check(l.cells, `${at}/cells`); check(l.adcStep, `${at}/adcStep`);
        check(l.weightScale, `${at}/weightScale`); check(l.weightSum, `${at}/weightSum`);
        // Version 3 may leave these out: the factors are derived, the float weights come from the model.
        if (l.dequantFactor) check(l.dequantFactor, `${at}/dequantFactor`);
        if (l.weightMatrix) check(l.weightMatrix, `${at}/weightMatrix`);
        if (l.bias) check(l.bias, `${at}/bias`);
      });
      process.stdout.write(`${file}: ok (plan version ${loaded.plan.planVersion}, ${loaded.plan.layers.length} CIM layers, ${tensors} tensors verified)\n`);
    });
}
