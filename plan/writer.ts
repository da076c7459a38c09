/** Writes a plan and its sidecar atomically: both are written to temporary files, then renamed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../base/diagnostics.js';
import type { BuiltPlan } from './built-plan.js';

/** The sidecar file name for a plan file: `x.json` → `x.bin`. */
export function sidecarNameFor(planFile: string): string {
  const base = path.basename(planFile);
  return (base.endsWith('.json') ? base.slice(0, -5) : base) + '.bin';
}

export function serializePlan(built: Pick<BuiltPlan, 'plan'>): string {
  return JSON.stringify(built.plan, null, 1) + '\n';
}

/**
 * Writes PLAN.json and its sidecar PLAN.bin next to it (the sidecar name always follows the
 * plan's file name, so two plans in one folder never share a sidecar).
 */
export function writePlan(built: BuiltPlan, planFile: string): void {
  const dir = path.dirname(path.resolve(planFile));
  let plan = built.plan;
  if (plan.buffers.length) plan = { ...plan, buffers: [{ ...plan.buffers[0], uri: sidecarNameFor(planFile) }] };
  const text = serializePlan({ plan });
  const stamp = `${process.pid}.${Date.now()}`;
  const writes: { tmp: string; final: string; data: string | readonly Uint8Array[] }[] = [];
  if (plan.buffers.length) {
    writes.push({ tmp: path.join(dir, `.${plan.buffers[0].uri}.${stamp}.tmp`), final: path.join(dir, plan.buffers[0].uri), data: built.sidecarChunks });
  }
  writes.push({ tmp: path.join(dir, `.${path.basename(planFile)}.${stamp}.tmp`), final: path.resolve(planFile), data: text });
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const w of writes) {
      if (typeof w.data === 'string') fs.writeFileSync(w.tmp, w.data);
      else writeChunks(w.tmp, w.data);
    }
    for (const w of writes) fs.renameSync(w.tmp, w.final);
  } catch (e) {
    for (const w of writes) fs.rmSync(w.tmp, { force: true });
    throw new CimcError('CIM5002', `cannot write ${planFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: planFile });
  }
}

/** Writes the pieces one after another with gathered writes (no joined copy of the sidecar). */
function writeChunks(file: string, chunks: readonly Uint8Array[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    const batch = 512; // below IOV_MAX (1024 on Linux)
    for (let i = 0; i < chunks.length; i += batch) {
      let pending = chunks.slice(i, i + batch).filter((c) => c.byteLength > 0);
      while (pending.length) {
        let written = fs.writevSync(fd, pending as NodeJS.ArrayBufferView[]);
        // A short write: drop what went out, resume inside the first partly written piece.
        while (pending.length && written >= pending[0].byteLength) { written -= pending[0].byteLength; pending = pending.slice(1); }
        if (pending.length && written > 0) pending = [pending[0].subarray(written), ...pending.slice(1)];
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
