#!/usr/bin/env node
/**
 * Compares two folders of plans made by scripts/plan-snapshots.sh: files byte for byte, and,
 * where a plan differs, again by content, so a refactoring or a format change can be shown to
 * change nothing else:
 *   - every tensor is read through the plan reader (dist/plan/reader.js) and compared by its
 *     values, however stored (sidecar or base64, packed, deflated: plan version 3);
 *   - a layer without `dequantFactor` (version 3) gets the factors a reader derives;
 *   - a layer's `weightMatrix` is compared when both plans carry it, else left out (version 3
 *     keeps it only with --keep-float-weights);
 *   - the version-2 format changes are undone when the BEFORE plan is version 1 (FLOAT
 *     attributes written as {float}/{floats}, layers' `replicas`, the target's `cost` figures);
 *   - planVersion, buffers and the tensors' storage fields are not compared.
 *   node scripts/compare-plans.mjs BEFORE_DIR AFTER_DIR      (needs `npm run build` first)
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadPlan } = await import(path.join(root, 'dist', 'plan', 'reader.js'));
const { derivedDequantFactors } = await import(path.join(root, 'dist', 'plan', 'dequant-factor.js'));

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node scripts/compare-plans.mjs BEFORE_DIR AFTER_DIR');
  process.exit(2);
}

/** A version-2 (or later) plan as version 1 wrote it. */
function asVersion1(plan) {
  delete plan.target.cost;
  for (const l of plan.layers) delete l.replicas;
  for (const s of plan.schedule) {
    if (s.kind !== 'digital') continue;
    for (const [k, a] of Object.entries(s.attrs)) {
      if (a && typeof a === 'object' && !Array.isArray(a)) {
        if ('float' in a) s.attrs[k] = a.float;
        else if ('floats' in a) s.attrs[k] = a.floats;
      }
    }
  }
  return plan;
}

const isTensorRef = (v) => v && typeof v === 'object' && typeof v.dtype === 'string' && Array.isArray(v.shape) && ('base64' in v || 'byteOffset' in v);
const digest = (dtype, shape, values) => ({ dtype, shape, values: createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex') });

/** The plan with every tensor replaced by { dtype, shape, sha256 of its decoded values }. */
function byContent(loaded) {
  const plan = structuredClone(loaded.plan);
  const decode = (v, where) => {
    if (isTensorRef(v)) return digest(v.dtype, v.shape, loaded.tensor(v, where));
    if (Array.isArray(v)) return v.map((x, i) => decode(x, `${where}/${i}`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x, `${where}/${k}`)]));
    return v;
  };
  plan.layers = plan.layers.map((l, i) => {
    const at = `/layers/${i}`;
    const out = decode(l, at);
    if (!l.dequantFactor) {
      const columns = Object.fromEntries(['rowTile', 'outChannel', 'slice', 'polarity'].map((k) => [k, loaded.tensor(l.columns[k], `${at}/columns/${k}`)]));
      const ng = l.geometry.kind === 'conv' ? l.geometry.outChannels / l.geometry.groups : l.geometry.outFeatures;
      const factors = derivedDequantFactors({ bits: l.bits, columns, rowTiles: l.rowTiles, channelsPerGroup: ng }, loaded.tensor(l.weightScale, `${at}/weightScale`), loaded.tensor(l.adcStep, `${at}/adcStep`));
      out.dequantFactor = digest('float64', [factors.length], factors);
    }
    return out;
  });
  plan.constants = decode(plan.constants, '/constants');
  plan.schedule = decode(plan.schedule, '/schedule');
  delete plan.planVersion;
  delete plan.buffers;
  return plan;
}

let failed = 0;
for (const name of fs.readdirSync(before).sort()) {
  const a = fs.readFileSync(path.join(before, name));
  const bFile = path.join(after, name);
  if (!fs.existsSync(bFile)) { console.log(`${name}: missing in ${after}`); failed++; continue; }
  if (a.equals(fs.readFileSync(bFile))) { console.log(`${name}: identical`); continue; }
  if (name.endsWith('.bin')) {
    // Read through its plan below; a sidecar that differs under an identical plan cannot be right.
    const json = name.replace(/\.bin$/, '.json');
    const samePlan = fs.existsSync(path.join(before, json)) && fs.existsSync(path.join(after, json)) && fs.readFileSync(path.join(before, json)).equals(fs.readFileSync(path.join(after, json)));
    console.log(`${name}: ${samePlan ? 'DIFFERENT (under an identical plan)' : 'differs (compared through its plan)'}`);
    if (samePlan) failed++;
    continue;
  }
  if (!name.endsWith('.json')) { console.log(`${name}: DIFFERENT`); failed++; continue; }
  const old = loadPlan(path.join(before, name));
  const now = loadPlan(bFile);
  const x = byContent(old);
  const y = byContent(now);
  if (old.plan.planVersion === 1) asVersion1(y);
  for (const [i, l] of x.layers.entries()) {
    if (!('weightMatrix' in l) || !y.layers[i] || !('weightMatrix' in y.layers[i])) { delete l.weightMatrix; if (y.layers[i]) delete y.layers[i].weightMatrix; }
  }
  const same = isDeepStrictEqual(x, y);
  console.log(`${name}: ${same ? `same content (version ${old.plan.planVersion} → ${now.plan.planVersion}, tensors compared by value)` : 'DIFFERENT'}`);
  if (!same) failed++;
}
process.exit(failed ? 1 : 0);
