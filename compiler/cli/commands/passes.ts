import type { Command } from 'commander';
import Table from 'cli-table3';
import type { CliEnv } from '../cli-env.js';
import type { Pass } from '../../pass-manager/pass.js';
import { defaultText, flagName, typeText, type PassOption } from '../../pass-manager/options.js';
import { unusedFacts } from '../../pass-manager/fact-registry.js';

/** One option as `cimc explain` shows it, all from its declaration. */
export function explainOption(o: PassOption): string {
  const def = defaultText(o);
  const choices = o.choices ? ` [${o.choices.join('|')}]` : '';
  const memory = o.flag === false ? ' (no flag: set in memory, by library callers)' : '';
  return `    ${flagName(o)} <${typeText(o)}>${choices}${def === undefined ? '' : ` (default: ${def})`}${memory}  ${o.description}`;
}

/** What `cimc explain PASS` prints. */
export function explainPass(p: Pass, origin: string): string {
  const lines = [
    `${p.name}  (from ${origin})`,
    `  ${p.summary}`,
    `  requires: ${p.requires.join(', ') || '(nothing)'}`,
    `  provides: ${p.provides.join(', ') || '(nothing)'}`,
    ...(p.requiresTarget ? ['  target: required (--target)'] : []),
    '  options:',
  ];
  if (!p.options?.length) lines.push('    (none)');
  for (const o of p.options ?? []) lines.push(explainOption(o));
  return lines.join('\n') + '\n';
}

export function registerPasses(program: Command, env: CliEnv): void {
  program.command('passes')
    .description('list every pass (built in and from plugins), the default pipeline and the facts passes provide and require')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const compiler = await env.compiler();
      const rows = [...compiler.passes.values()].map((p) => ({
        name: p.name, summary: p.summary, requires: [...p.requires], provides: [...p.provides], requiresTarget: p.requiresTarget === true, origin: compiler.origin('pass', p.name),
      }));
      const facts = [...compiler.facts.values()];
      if (flags.json) {
        process.stdout.write(JSON.stringify({ pipeline: compiler.pipeline, passes: rows, facts }, null, 2) + '\n');
        return;
      }
      const table = new Table({ head: ['pass', 'from', 'requires', 'provides', 'summary'], style: { head: [], border: [] }, colWidths: [20, 10, 16, 16, 60], wordWrap: true });
      for (const r of rows) table.push([r.name, r.origin, r.requires.join(', '), r.provides.join(', '), r.summary]);
      process.stdout.write(table.toString() + '\n');
      process.stdout.write(`default pipeline: ${compiler.pipeline.join(',')}\n`);
      const factTable = new Table({ head: ['fact', 'from', 'provided by', 'required by', 'meaning'], style: { head: [], border: [] }, colWidths: [20, 10, 18, 24, 50], wordWrap: true });
      for (const f of facts) factTable.push([f.name, f.declaredBy, f.providedBy.join(', '), f.requiredBy.join(', ') || (f.result ? '(the result)' : ''), f.summary]);
      process.stdout.write(`facts:\n${factTable.toString()}\n`);
      const unused = unusedFacts(compiler.facts);
      if (unused.length) process.stdout.write(`provided but never required: ${unused.map((f) => `${f.name} (${f.providedBy.join(', ')})`).join(', ')}\n`);
    });
  program.command('explain')
    .description("print a pass's summary, contract and options")
    .argument('<pass>', 'pass name')
    .action(async (name: string) => {
      const compiler = await env.compiler();
      const p = compiler.getPass(name);
      process.stdout.write(explainPass(p, compiler.origin('pass', p.name)));
    });
}
