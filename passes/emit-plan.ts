/** emit-plan: the plan JSON (+ binary sidecar), schema-checked and deterministic. */
import { replicateOptions } from './replicate.js';
import * as path from 'node:path';
import { CimcError } from '../base/diagnostics.js';
import { definePass, requireTarget } from '../compiler/pass-manager/pass.js';
import { defineOptions, type PassOption } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { buildPlan, type BuiltPlan } from '../compiler/emit/build-plan.js';
import { checkPlanSchema } from '../plan/reader.js';
import { cimcVersion } from '../base/version.js';
import { calibrateOptions } from './calibrate.js';
import './import-onnx.js';
import { inferShapesOptions } from './infer-shapes.js';
import { legalizeCimOptions } from './legalize-cim.js';
import { quantizeWeightsOptions } from './quantize-weights.js';
import { selectCimOptions } from './select-cim.js';

declare module '../compiler/ir/ir.js' {
  interface GraphAnnotations {
    /** The emitted plan (emit-plan). */
    plan?: BuiltPlan;
  }
}

const { tiling, encoding, sliceLayout, packGroups, weightBits, actBits, dacBits, adcBits } = legalizeCimOptions;

/**
 * The options the plan's `options` record holds: only what changes the result, as given (not
 * checked: they were, by the passes that read them), in a stable key order that plans keep.
 */
export const recordedOptions: readonly PassOption[] = [
  tiling, encoding, sliceLayout, packGroups, ...Object.values(quantizeWeightsOptions),
  weightBits, actBits, dacBits, adcBits, selectCimOptions.keepDigital, inferShapesOptions.inputShapes,
  calibrateOptions.adcRange, calibrateOptions.calibSamples, replicateOptions.arrayBudget,
];

export const recordedOptionNames: readonly string[] = recordedOptions.map((o) => o.name);

/** The options emit-plan reads: their one declaration (flags, explain, types and checks come from it). */
export const emitPlanOptions = defineOptions({
  embed: { type: 'boolean', default: false, flag: '--embed', description: 'embed tensors as base64 in the JSON instead of a sidecar .bin file' },
  keepFloatWeights: {
    type: 'boolean', default: false, flag: '--keep-float-weights',
    description: "store each CIM layer's float weights in the plan (the float path then needs no model; the sidecar grows by the model's weights)",
  },
  sidecarUri: {
    type: 'string', default: 'plan.bin', flag: false,
    description: "the sidecar's file name the plan refers to (the CLI takes it from -o: PLAN.json → PLAN.bin)",
  },
});

export const emitPlan = definePass({
  name: 'emit-plan',
  summary: 'Build the plan JSON and its binary sidecar, deterministically, and check it against schemas/plan.schema.json.',
  requires: [fact('cim-placed')],
  provides: [fact('plan')],
  requiresTarget: true,
  options: Object.values(emitPlanOptions),
  run(graph, ctx) {
    const target = requireTarget(ctx);
    const options: Record<string, unknown> = {};
    for (const k of recordedOptionNames) if (ctx.options[k] !== undefined) options[k] = ctx.options[k];
    const embed = readOption(ctx.options, emitPlanOptions.embed);
    const sidecarUri = readOption(ctx.options, emitPlanOptions.sidecarUri);
    const keepFloatWeights = readOption(ctx.options, emitPlanOptions.keepFloatWeights);
    const calibration = graph.annotations.calibration;
    const built = buildPlan({
      graph, target, options,
      model: { file: ctx.modelPath ? path.basename(ctx.modelPath) : '(memory)', sha256: graph.annotations.modelSha256 ?? '' },
      generator: `cimc ${cimcVersion}`,
      embed, sidecarUri, keepFloatWeights,
      calibration: calibration
        ? { method: 'calibrated', samples: calibration.samples, note: `activation scales and ADC steps (${calibration.adcRange}) measured on ${calibration.samples} calibration inputs` }
        : { method: 'analytic', note: 'no calibration data: activation scales are computed per input at run time (max |x|) and ADC steps from an analytic estimate (uniform inputs, mean + 3 std); compile with --calib for measured values' },
    });
    checkPlanSchema(built.plan, '(emitted plan)');
    return { graph: graph.with({ annotations: { ...graph.annotations, plan: built } }), changed: true };
  },
});
