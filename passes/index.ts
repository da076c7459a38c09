/**
 * cimc's built-in passes and the pipelines they make: handed to the pass infrastructure by
 * compiler/driver, the way a plugin hands in its passes (compiler/pass-manager never imports a pass).
 */
import type { BasePasses } from '../compiler/pass-manager/registry.js';
import type { Pass } from '../compiler/pass-manager/pass.js';
import { importOnnx } from './import-onnx.js';
import { importQdq } from './import-qdq.js';
import { absorbInputQdq } from './absorb-input-qdq.js';
import { canonicalize } from './canonicalize.js';
import { inferShapes } from './infer-shapes.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { selectCim } from './select-cim.js';
import { legalizeCim } from './legalize-cim.js';
import { quantizeWeights } from './quantize-weights.js';
import { calibrate } from './calibrate.js';
import { place } from './place.js';
import { replicate } from './replicate.js';
import { emitPlan } from './emit-plan.js';

/** Every pass shipped with cimc, in pipeline order. */
export const builtinPasses: readonly Pass[] = [
  importOnnx,
  importQdq,
  canonicalize,
  inferShapes,
  foldBatchNorm,
  selectCim,
  legalizeCim,
  quantizeWeights,
  absorbInputQdq,
  calibrate,
  place,
  replicate,
  emitPlan,
];

/** The default pipeline: a value you can print and replace with --passes. */
export const defaultPipeline: readonly string[] = [
  'import-onnx', 'import-qdq', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm',
  'select-cim', 'legalize-cim', 'quantize-weights', 'absorb-input-qdq', 'calibrate', 'place', 'replicate', 'emit-plan',
];

/** What `cimc inspect` runs. */
export const inspectPipeline: readonly string[] = ['import-onnx', 'import-qdq', 'canonicalize', 'infer-shapes', 'canonicalize'];

export const builtinBase: BasePasses = { passes: builtinPasses, pipeline: defaultPipeline };
