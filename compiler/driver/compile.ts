/** Library API: compile an ONNX model for a target into a plan. */
import { CimcError, type Diagnostic } from '../../base/diagnostics.js';
import type { CompileOptions } from '../pass-manager/pass.js';
import type { PassTiming, RunPipelineOptions } from '../pass-manager/run-passes.js';
import { createCompiler, type Compiler } from './create-compiler.js';
import { runModel } from './run-model.js';
import type { BuiltPlan } from '../emit/build-plan.js';
import { defaultTargetName, resolveTargetWithCost } from '../../targets/loader.js';
import type { CostSpec } from '../../targets/cost.js';
import type { TargetSpec } from '../../targets/target.js';
import '../../passes/emit-plan.js';

export interface CompileRequest extends Omit<RunPipelineOptions, 'initialFacts'> {
  model: string;
  /** Target name, path to a target JSON file, or a spec. Default: seed-4b. */
  target?: string | TargetSpec;
  /** Cost figures in place of the target's: a preset name (targets/costs/), a cost JSON file, or the figures. */
  cost?: string | CostSpec;
  options?: CompileOptions;
  compiler?: Compiler;
  /** Pass list replacing the compiler's pipeline. */
  passes?: readonly string[];
  progress?(fraction: number, label?: string): void;
}

export interface CompileResult {
  built: BuiltPlan;
  diagnostics: Diagnostic[];
  timings: PassTiming[];
  stats: Map<string, number>;
}

export function compile(req: CompileRequest): CompileResult {
  const compiler = req.compiler ?? createCompiler();
  const target = resolveTargetWithCost(req.target ?? defaultTargetName, req.cost, compiler.targets);
  const passes = req.passes ?? compiler.pipeline;
  const result = runModel({
    ...req, modelPath: req.model, compiler, target, passes,
    options: { ...req.options },
  });
  const built = result.graph.annotations.plan;
  if (!built) throw new CimcError('CIM2000', `the pipeline (${passes.join(',')}) produced no plan: it must end with emit-plan`);
  return { built, diagnostics: result.diagnostics.items, timings: result.timings, stats: result.stats };
}
