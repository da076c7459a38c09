/** Library entry points: run a pipeline on a model with a registry built from plugins. */
import { DiagnosticSink } from '../../base/diagnostics.js';
import { Graph } from '../ir/ir.js';
import { runPasses, type PipelineResult, type RunPipelineOptions } from '../pass-manager/run-passes.js';
import type { CompileOptions, PassContext } from '../pass-manager/pass.js';
import { createCompiler, type Compiler } from './create-compiler.js';
import type { TargetSpec } from '../../targets/target.js';

export interface RunModelOptions extends RunPipelineOptions {
  modelPath: string;
  passes: readonly string[];
  compiler?: Compiler;
  target?: TargetSpec;
  options?: CompileOptions;
  progress?(fraction: number, label?: string): void;
}

export interface RunModelResult extends PipelineResult {
  diagnostics: DiagnosticSink;
  stats: Map<string, number>;
}

export const emptyGraph = (): Graph => new Graph({
  name: 'empty', opset: 0, opsetImports: {}, inputs: [], outputs: [], nodes: [], constants: new Map(), values: new Map(),
});

export function runModel(o: RunModelOptions): RunModelResult {
  const compiler = o.compiler ?? createCompiler();
  const passes = o.passes.map((p) => compiler.getPass(p));
  const diagnostics = new DiagnosticSink();
  const stats = new Map<string, number>();
  const ctx: PassContext = { target: o.target, options: o.options ?? {}, diagnostics, modelPath: o.modelPath, stats, progress: o.progress };
  const result = runPasses(passes, emptyGraph(), ctx, o);
  return { ...result, diagnostics, stats };
}
