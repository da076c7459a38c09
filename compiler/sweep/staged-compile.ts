/**
 * compile() for many points of one model: the pipeline's leading passes that neither need the
 * target nor read a varied option (import, canonicalize, shape inference, BatchNorm folding, …)
 * run once; every point runs only the rest, from that graph. Graphs are immutable, so sharing
 * the prefix's output between points is safe, and the plan is the one `cimc compile` writes.
 */
import { DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph } from '../ir/ir.js';
import type { CompileOptions, Pass, PassContext } from '../pass-manager/pass.js';
import { runPasses } from '../pass-manager/run-passes.js';
import type { Compiler } from '../driver/create-compiler.js';
import { emptyGraph } from '../driver/run-model.js';
import type { BuiltPlan } from '../emit/build-plan.js';
import type { TargetSpec } from '../../targets/target.js';
import { CimcError } from '../../base/diagnostics.js';

export interface StagedCompiler {
  /** Names of the passes run once. */
  readonly prefix: readonly string[];
  compile(target: TargetSpec, options: CompileOptions): BuiltPlan;
}

/**
 * `fixed`: options every point shares (they may be read by the prefix); `varied`: names of the
 * options some axis changes (a pass that reads one starts the per-point suffix).
 */
export function stagedCompiler(compiler: Compiler, model: string, fixed: CompileOptions, varied: ReadonlySet<string>): StagedCompiler {
  const passes: Pass[] = compiler.pipeline.map((p) => compiler.getPass(p));
  let cut = passes.findIndex((p) => p.requiresTarget || (p.options ?? []).some((o) => varied.has(o.name)));
  if (cut < 0) cut = passes.length;
  // Compiled lazily: a prefix error (bad model) then belongs to the first point, like compile().
  let shared: { graph: Graph; facts: string[] } | CimcError | undefined;
  const ctxFor = (target: TargetSpec | undefined, options: CompileOptions): PassContext => ({
    target, options, diagnostics: new DiagnosticSink(), modelPath: model, stats: new Map(),
  });
  const prefixGraph = (): { graph: Graph; facts: string[] } => {
    if (!shared) {
      try {
        const r = runPasses(passes.slice(0, cut), emptyGraph(), ctxFor(undefined, fixed));
        shared = { graph: r.graph, facts: [...r.facts] };
      } catch (e) {
        if (!(e instanceof CimcError)) throw e;
        shared = e;
      }
    }
    if (shared instanceof CimcError) throw shared;
    return shared;
  };
  return {
    prefix: passes.slice(0, cut).map((p) => p.name),
    compile(target, options) {
      const { graph, facts } = prefixGraph();
      const r = runPasses(passes.slice(cut), graph, ctxFor(target, { ...fixed, ...options }), { initialFacts: facts });
      const built = r.graph.annotations.plan;
      if (!built) throw new CimcError('CIM2000', 'the pipeline produced no plan: it must end with emit-plan');
      return built;
    },
  };
}
