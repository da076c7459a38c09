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

/**
 * The plan as JSON text: one space of indent per level, and any object or array whose one-line
 * form fits in `inlineWidth` characters (a tensor reference, an array's entry, a shape, a row
 * tile) on one line — a third smaller than a number per line, and easier to read.
 */
export function serializePlan(built: Pick<BuiltPlan, 'plan'>): string {
  return inlineShortBlocks(JSON.stringify(built.plan, null, 1)) + '\n';
}

const inlineWidth = 100;

/**
 * Joins each block of JSON.stringify(…, null, 1) text whose one-line form fits in inlineWidth
 * onto one line, innermost first. Only whitespace between tokens changes: in that layout a line
 * ending in `[` or `{` opens a block and one starting with `]` or `}` closes it (a string never
 * spans lines), so the blocks are found from the lines alone.
 */
function inlineShortBlocks(text: string): string {
  const out: string[] = [];
  /** Index in `out` of each open block's first line; a line at depth d is indented d spaces. */
  const open: number[] = [];
  for (const line of text.split('\n')) {
    const d = open.length;
    const c = line.charCodeAt(d - 1 < 0 ? 0 : d - 1);
    if (d && (c === 0x5d || c === 0x7d)) { // ']' or '}' at the closing line's indent, d − 1
      const start = open.pop()!;
      const inner = out.length - start - 1;
      // Its one-line length, counted before any string is built (most blocks are far too long).
      let length = out[start].length - (d - 1) + (line.length - (d - 1)) + Math.max(0, inner - 1);
      for (let i = start + 1; i < out.length && length <= inlineWidth; i++) length += out[i].length - d;
      if (length <= inlineWidth) {
        let joined = out[start];
        for (let i = start + 1; i < out.length; i++) joined += (i > start + 1 ? ' ' : '') + out[i].slice(d);
        out.length = start;
        out.push(joined + line.slice(d - 1));
        continue;
      }
    }
    out.push(line);
    const last = line.charCodeAt(line.length - 1);
    if (last === 0x5b || last === 0x7b) open.push(out.length - 1); // ends in '[' or '{'
  }
  return out.join('\n');
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
