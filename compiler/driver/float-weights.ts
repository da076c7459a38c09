/**
 * The float weights a version-3 plan leaves out, made again from the model it was compiled from:
 * the model is found (`--model`, else the plan's `model.file` next to the plan or in the working
 * directory), checked against the plan's `model.sha256`, and run through the compiler's pipeline
 * up to legalize-cim with the plan's target and recorded options — the passes that made the
 * layers' matrices when the plan was compiled. The runtime gets them as LoadedPlan.floatWeights
 * and stays free of the compiler.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../../base/diagnostics.js';
import { withFloatWeights, type LoadedPlan } from '../../plan/reader.js';
import type { TargetSpec } from '../../targets/target.js';
import type { CompileOptions } from '../pass-manager/pass.js';
import { createCompiler, type Compiler } from './create-compiler.js';
import { runModel } from './run-model.js';
import '../cim/annotations.js';

/** The last pass of the pipeline the float weights need: the one that makes the layer matrices. */
const matricesMadeBy = 'legalize-cim';

export interface FloatWeightsRequest {
  /** The model file (`--model`); default: the plan's model.file next to the plan, then in `cwd`. */
  model?: string;
  /** Where a relative model.file is looked up after the plan's folder (default: process.cwd()). */
  cwd?: string;
  /** The compiler (plugins) the plan was compiled with. */
  compiler?: Compiler;
}

/** Layers of the plan that carry no float weights of their own. */
export function layersWithoutFloatWeights(loaded: LoadedPlan): string[] {
  return loaded.plan.layers.filter((l) => !l.weightMatrix).map((l) => l.name);
}

const advice = 'pass the model the plan was compiled from with --model <file.onnx>, or compile with --keep-float-weights';

/** The model file to read: `--model`, else model.file (a bare file name) next to the plan or in cwd. */
function locateModel(loaded: LoadedPlan, req: FloatWeightsRequest, firstLayer: string): string {
  if (req.model !== undefined) return req.model;
  const name = loaded.plan.model.file;
  const candidates = name === path.basename(name) && name !== '' ? [path.join(path.dirname(loaded.file), name), path.join(req.cwd ?? process.cwd(), name)] : [];
  const found = candidates.find((f) => fs.existsSync(f));
  if (found) return found;
  throw new CimcError('CIM4006', `the float path needs this layer's float weights, which the plan does not carry, and its model '${name}' is neither next to the plan nor in the working directory: ${advice}`, { file: loaded.file, node: firstLayer });
}

/**
 * The loaded plan with float weights for every layer that lacks them (unchanged when none does).
 * CIM4006 when the model cannot be found, differs from the plan's sha256 or does not make a
 * layer's weights.
 */
export function withModelFloatWeights(loaded: LoadedPlan, req: FloatWeightsRequest = {}): LoadedPlan {
  const missing = layersWithoutFloatWeights(loaded);
  if (!missing.length) return loaded;
  const model = locateModel(loaded, req, missing[0]);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(model);
  } catch (e) {
    throw new CimcError('CIM4006', `the float path needs this layer's float weights, which the plan does not carry, and the model cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): ${advice}`, { file: model, node: missing[0] });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== loaded.plan.model.sha256) {
    throw new CimcError('CIM4006', `the float path needs this layer's float weights, which the plan does not carry, and this model differs from the one the plan was compiled from (sha256 ${sha256.slice(0, 12)}…, the plan says ${loaded.plan.model.sha256.slice(0, 12) || '(none)'}…): ${advice}`, { file: model, node: missing[0] });
  }
  const weights = floatWeightsOfModel(model, loaded, new Set(missing), req.compiler ?? createCompiler());
  for (const name of missing) {
    if (!weights.has(name)) {
      throw new CimcError('CIM4006', `the model gives no float weights for this layer (was the plan compiled with another pass list or plugin?): ${advice}`, { file: model, node: name });
    }
  }
  return withFloatWeights(loaded, weights);
}

/** Layer name → [groups, K, Ng] float weights of the given layers, from the compiler's pipeline up to legalize-cim. */
function floatWeightsOfModel(model: string, loaded: LoadedPlan, layers: ReadonlySet<string>, compiler: Compiler): Map<string, Float32Array> {
  const end = compiler.pipeline.indexOf(matricesMadeBy);
  if (end < 0) throw new Error(`the compiler's pipeline has no ${matricesMadeBy}`);
  const { plan } = loaded;
  const result = runModel({
    modelPath: model, compiler, passes: compiler.pipeline.slice(0, end + 1),
    target: plan.target as unknown as TargetSpec, options: plan.options as CompileOptions,
  });
  const weights = new Map<string, Float32Array>();
  for (const node of result.graph.nodes) {
    const m = node.annotations?.cim?.mapping;
    if (m && layers.has(node.name)) weights.set(node.name, m.matrix);
  }
  return weights;
}
