/** Every pass shipped with cimc, in pipeline order. */
import type { Pass } from './pass.js';
import { importOnnx } from '../passes/import-onnx.js';
import { canonicalize } from '../passes/canonicalize.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { foldBatchNorm } from '../passes/fold-batchnorm.js';
import { selectCim } from '../passes/select-cim.js';
import { legalizeCim } from '../passes/legalize-cim.js';
import { quantizeWeights } from '../passes/quantize-weights.js';
import { calibrate } from '../passes/calibrate.js';
import { place } from '../passes/place.js';
import { emitPlan } from '../passes/emit-plan.js';

export const builtinPasses: readonly Pass[] = [
  importOnnx,
  canonicalize,
  inferShapes,
  foldBatchNorm,
  selectCim,
  legalizeCim,
  quantizeWeights,
  calibrate,
  place,
  emitPlan,
];
