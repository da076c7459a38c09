/** emit-plan: the plan JSON (+ binary sidecar), schema-checked and deterministic. */
import * as path from 'node:path';
import { definePass, requireTarget } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { buildPlan, type BuiltPlan } from '../compiler/emit/build-plan.js';
import { checkPlanSchema } from '../plan/reader.js';
import { cimcVersion } from '../base/version.js';
import './calibrate.js';
import './import-onnx.js';

declare module '../compiler/ir/ir.js' {
  interface GraphAnnotations {
    /** The emitted plan (emit-plan). */
    plan?: BuiltPlan;
  }
}

/** Options recorded in the plan: only what changes the result, in a stable key order. */
export const recordedOptionNames = [
  'tiling', 'encoding', 'sliceLayout', 'packGroups', 'weightGranularity', 'weightScale', 'psumGranularity',
  'weightBits', 'actBits', 'dacBits', 'adcBits', 'keepDigital', 'inputShapes', 'adcRange', 'calibSamples',
] as const;

export const emitPlan = definePass({
  name: 'emit-plan',
  summary: 'Build the plan JSON and its binary sidecar, deterministically, and check it against schemas/plan.schema.json.',
  requires: [fact('cim-placed')],
  provides: [fact('plan')],
  requiresTarget: true,
  options: [
    { name: 'embed', type: 'boolean', default: false, description: 'embed tensors as base64 instead of a sidecar .bin file' },
  ],
  run(graph, ctx) {
    const target = requireTarget(ctx);
    const options: Record<string, unknown> = {};
    for (const k of recordedOptionNames) if (ctx.options[k] !== undefined) options[k] = ctx.options[k];
    const embed = ctx.options.embed === true;
    const sidecarUri = typeof ctx.options.sidecarUri === 'string' ? ctx.options.sidecarUri : 'plan.bin';
    const calibration = graph.annotations.calibration;
    const built = buildPlan({
      graph, target, options,
      model: { file: ctx.modelPath ? path.basename(ctx.modelPath) : '(memory)', sha256: graph.annotations.modelSha256 ?? '' },
      generator: `cimc ${cimcVersion}`,
      embed, sidecarUri,
      calibration: calibration
        ? { method: 'calibrated', samples: calibration.samples, note: `activation scales and ADC steps (${calibration.adcRange}) measured on ${calibration.samples} calibration inputs` }
        : { method: 'analytic', note: 'no calibration data: activation scales are computed per input at run time (max |x|) and ADC steps from an analytic estimate (uniform inputs, mean + 3 std); compile with --calib for measured values' },
    });
    checkPlanSchema(built.plan, '(emitted plan)');
    return { graph: graph.with({ annotations: { ...graph.annotations, plan: built } }), changed: true };
  },
});
