/** Writes a plan and its sidecar atomically: both are written to temporary files, then renamed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../diagnostics.js';
import type { BuiltPlan } from './build-plan.js';

/** The sidecar file name for a plan file: `x.json` → `x.bin`. */
export function sidecarNameFor(planFile: string): string {
  const base = path.basename(planFile);
  return (base.endsWith('.json') ? base.slice(0, -5) : base) + '.bin';
}

export function serializePlan(built: BuiltPlan): string {
  return JSON.stringify(built.plan, null, 1) + '\n';
}

/**
 * Writes PLAN.json and its sidecar PLAN.bin next to it (the sidecar name always follows the
 * plan's file name, so two plans in one folder never share a sidecar).
 */
export function writePlan(built: BuiltPlan, planFile: string): void {
  const dir = path.dirname(path.resolve(planFile));
  if (built.plan.buffers.length) {
    built = { ...built, plan: { ...built.plan, buffers: [{ ...built.plan.buffers[0], uri: sidecarNameFor(planFile) }] } };
  }
  const text = serializePlan(built);
  const stamp = `${process.pid}.${Date.now()}`;
  const writes: { tmp: string; final: string; data: string | Uint8Array }[] = [];
  if (built.plan.buffers.length) {
    writes.push({ tmp: path.join(dir, `.${built.plan.buffers[0].uri}.${stamp}.tmp`), final: path.join(dir, built.plan.buffers[0].uri), data: built.sidecar });
  }
  writes.push({ tmp: path.join(dir, `.${path.basename(planFile)}.${stamp}.tmp`), final: path.resolve(planFile), data: text });
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const w of writes) fs.writeFileSync(w.tmp, w.data);
    for (const w of writes) fs.renameSync(w.tmp, w.final);
  } catch (e) {
    for (const w of writes) fs.rmSync(w.tmp, { force: true });
    throw new CimcError('CIM5002', `cannot write ${planFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: planFile });
  }
}
