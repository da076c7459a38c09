#!/usr/bin/env node
/** The `cimc` command line. User errors print one coded line and exit 1; never a stack trace. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { formatDiagnostic, isCimcError, type Diagnostic } from '../../base/diagnostics.js';
import { loadPlugins } from './plugin-loader.js';
import { createCompiler, type Compiler } from '../driver/create-compiler.js';
import type { CliEnv } from './cli-env.js';
import { collect } from './commands/common.js';
import { registerInspect } from './commands/inspect.js';
import { registerTargets } from './commands/targets.js';
import { registerPasses } from './commands/passes.js';
import { registerCompile } from './commands/compile.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  program.name('cimc')
    .description('ONNX → compute-in-memory crossbar mapping compiler')
    .version('0.1.0')
    .addOption(new Option('--plugin <module>', 'load a plugin (path or package name); repeatable').argParser(collect))
    .option('-q, --quiet', 'no progress bars or notes')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`error CIM5001: ${str.replace(/^error: /, '').split('\n')[0]}\n`) });

  let compiler: Compiler | undefined;
  const env: CliEnv = {
    async compiler() {
      if (!compiler) {
        const specs: string[] = program.opts<{ plugin?: string[] }>().plugin ?? [];
        compiler = createCompiler({ plugins: await loadPlugins(specs) });
      }
      return compiler;
    },
    printDiagnostics(items: readonly Diagnostic[]) {
      for (const d of items) {
        if (d.severity === 'note' && env.quiet()) continue;
        process.stderr.write(formatDiagnostic(d) + '\n');
      }
    },
    quiet: () => Boolean(program.opts<{ quiet?: boolean }>().quiet),
  };
  registerInspect(program, env);
  registerCompile(program, env);
  registerReport(program, env);
  registerRun(program, env);
  registerSweep(program, env);
  registerTargets(program, env);
  registerPasses(program, env);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 1;
    }
    if (isCimcError(e)) {
      process.stderr.write(formatDiagnostic(e.diagnostic) + '\n');
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`internal error CIM9000: ${message.split('\n')[0]} (please report; set CIMC_DEBUG=1 for a stack trace)\n`);
    if (process.env.CIMC_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 70;
  }
}

function isEntryPoint(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (isEntryPoint()) {
  // A closed pipe (`cimc report … | head`) ends the output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
