/** Runs an explicit list of passes, checking each pass's requirements (and, with verifyEach, its contract). */
import { CimcError, isCimcError } from '../../base/diagnostics.js';
import type { Graph } from '../ir/ir.js';
import { printGraph } from '../ir/printer.js';
import type { Pass, PassContext } from './pass.js';
import { PassVerifier } from './verify-each.js';

export interface PassTiming {
  pass: string;
  ms: number;
  changed: boolean;
}

export interface RunPipelineOptions {
  /** Pass names after which to print the IR, or 'all'. */
  printIrAfter?: readonly string[] | 'all';
  /** Receives each IR dump (default: stderr). */
  onIrDump?(pass: string, text: string): void;
  /** Facts already holding before the first pass. */
  initialFacts?: readonly string[];
  /** Called before each pass (progress). */
  onPassStart?(pass: string, index: number, count: number): void;
  /**
   * After every pass, check that it left its input as it was, that its output is a valid graph
   * and that `changed: false` is true (verify-each.ts). Default: on when the environment sets
   * CIMC_VERIFY_EACH=1 (the test suite does), else off.
   */
  verifyEach?: boolean;
}

/** Whether verify-each is on when the caller does not say. */
export function verifyEachByDefault(): boolean {
  return process.env.CIMC_VERIFY_EACH === '1';
}

export interface PipelineResult {
  graph: Graph;
  timings: PassTiming[];
  facts: Set<string>;
}

export function runPasses(passes: readonly Pass[], graph: Graph, ctx: PassContext, options: RunPipelineOptions = {}): PipelineResult {
  const facts = new Set<string>(options.initialFacts ?? []);
  const timings: PassTiming[] = [];
  const dump = options.onIrDump ?? ((pass: string, text: string) => process.stderr.write(`// ----- IR after ${pass} -----\n${text}`));
  const verifier = (options.verifyEach ?? verifyEachByDefault()) ? new PassVerifier(ctx) : undefined;
  let current = graph;
  for (const [index, pass] of passes.entries()) {
    const missing = pass.requires.filter((f) => !facts.has(f));
    if (missing.length) {
      const providers = missing.map((f) => `'${f}'`).join(', ');
      throw new CimcError('CIM2000', `pass '${pass.name}' requires ${providers}; add a pass that provides it earlier in --passes`, { pass: pass.name });
    }
    if (pass.requiresTarget && !ctx.target) throw new CimcError('CIM2000', `${pass.name} needs a target (--target)`, { pass: pass.name });
    options.onPassStart?.(pass.name, index, passes.length);
    verifier?.before(current);
    const start = performance.now();
    ctx.diagnostics.currentPass = pass.name;
    let result;
    try {
      result = pass.run(current, ctx);
    } catch (e) {
      if (isCimcError(e)) {
        let err = e.inPass(pass.name);
        if (ctx.modelPath && (err.diagnostic.node !== undefined)) err = err.inFile(ctx.modelPath);
        throw err;
      }
      throw e;
    }
    ctx.diagnostics.currentPass = undefined;
    timings.push({ pass: pass.name, ms: performance.now() - start, changed: result.changed });
    for (const f of pass.provides) facts.add(f);
    verifier?.after(pass, result, index + 1 < passes.length);
    current = result.graph;
    const p = options.printIrAfter;
    if (p === 'all' || p?.includes(pass.name)) dump(pass.name, printGraph(current));
  }
  return { graph: current, timings, facts };
}

export function formatTimings(timings: readonly PassTiming[]): string {
  const total = timings.reduce((s, t) => s + t.ms, 0);
  const width = Math.max(5, ...timings.map((t) => t.pass.length));
  const lines = timings.map((t) => `  ${t.pass.padEnd(width)}  ${t.ms.toFixed(1).padStart(9)} ms  ${((100 * t.ms) / (total || 1)).toFixed(1).padStart(5)}%${t.changed ? '' : '  (no change)'}`);
  return `pass timing:\n${lines.join('\n')}\n  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(9)} ms\n`;
}
