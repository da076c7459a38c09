/** The cost of a plan, from the plan alone (its target carries the cost figures it was compiled with). */
import type { Plan } from '../../plan/types.js';
import type { CostSpec } from '../../targets/cost.js';
import type { CostLayer } from './events.js';
import { modelCost, type CostReport, type CostTarget } from './model.js';

const elements = (shape: readonly number[] | undefined): number => (shape ?? []).reduce((a, b) => a * b, 1);

/** The plan's cost figures: a loaded target holds them as an object (a name is resolved at load). */
export function planCostSpec(plan: Plan): CostSpec | undefined {
  const c = (plan.target as { cost?: unknown }).cost;
  return c && typeof c === 'object' ? (c as CostSpec) : undefined;
}

/** What the cost model needs of every matrix layer of the plan, crossbar or digital. */
export function costLayersOfPlan(plan: Plan): CostLayer[] {
  const shapes = new Map<string, number[]>();
  for (const v of [...plan.inputs, ...plan.values, ...plan.outputs]) shapes.set(v.name, v.shape);
  const cimByName = new Map(plan.layers.map((l) => [l.name, l]));
  const digitalByName = new Map(plan.schedule.filter((s) => s.kind === 'digital').map((s) => [s.name, s]));
  return plan.report.layers.map((r): CostLayer => {
    const cim = r.cim ? cimByName.get(r.name) : undefined;
    if (cim) {
      return {
        name: r.name, opType: r.opType, macs: r.macs, replicas: cim.replicas ?? 1,
        layout: { geometry: cim.geometry, bits: cim.bits, arrays: cim.arrays },
        inputElements: elements(cim.geometry.inputShape), outputElements: elements(cim.geometry.outputShape),
      };
    }
    const step = digitalByName.get(r.name);
    return {
      name: r.name, opType: r.opType, macs: r.macs, replicas: 1,
      inputElements: elements(step ? shapes.get(step.inputs[0]) : undefined),
      outputElements: elements(step ? shapes.get(step.outputs[0]) : undefined),
    };
  });
}

/** Samples per run of the plan: its first input's leading dimension. */
export function planBatch(plan: Plan): number {
  const d = plan.inputs[0]?.shape[0];
  return typeof d === 'number' && d >= 1 ? d : 1;
}

/** The plan's cost with its own figures, or with `cost` in their place; undefined without figures. */
export function planCost(plan: Plan, cost: CostSpec | undefined = planCostSpec(plan)): CostReport | undefined {
  if (!cost) return undefined;
  const t = plan.target as unknown as CostTarget;
  return modelCost({ layers: costLayersOfPlan(plan), target: t, cost, batch: planBatch(plan) });
}
