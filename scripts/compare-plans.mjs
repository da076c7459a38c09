#!/usr/bin/env node
/**
 * Compares two folders of plans made by scripts/plan-snapshots.sh: sidecars byte for byte, plan
 * JSON byte for byte, and, where the JSON differs, again after undoing the format changes of plan
 * version 2 (FLOAT attributes written as {float}/{floats}, layers' `replicas`, the target's `cost`
 * figures, planVersion itself), so a refactoring can be shown to change nothing else.
 *   node scripts/compare-plans.mjs BEFORE_DIR AFTER_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node scripts/compare-plans.mjs BEFORE_DIR AFTER_DIR');
  process.exit(2);
}

/** A version-2 plan as version 1 wrote it. */
function asVersion1(plan) {
  plan.planVersion = 1;
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

let failed = 0;
for (const name of fs.readdirSync(before).sort()) {
  const a = fs.readFileSync(path.join(before, name));
  const bFile = path.join(after, name);
  if (!fs.existsSync(bFile)) { console.log(`${name}: missing in ${after}`); failed++; continue; }
  const b = fs.readFileSync(bFile);
  if (a.equals(b)) { console.log(`${name}: identical`); continue; }
  if (!name.endsWith('.json')) { console.log(`${name}: DIFFERENT`); failed++; continue; }
  const old = JSON.parse(a.toString('utf8'));
  const now = asVersion1(JSON.parse(b.toString('utf8')));
  const same = isDeepStrictEqual(now, old) && JSON.stringify(now, null, 1) + '\n' === a.toString('utf8');
  console.log(`${name}: ${same ? 'identical after undoing the version-2 format changes' : 'DIFFERENT'}`);
  if (!same) failed++;
}
process.exit(failed ? 1 : 0);
