/** The value text of every axis at a record, from the grid order (the record stores checked values). */
import type { SweepDefinition } from './definition.js';
import type { SweepRecord } from './record.js';

export function variedValues(def: Pick<SweepDefinition, 'axes'>, r: Pick<SweepRecord, 'index'>): Map<string, string> {
  const out = new Map<string, string>();
  let rest = r.index;
  for (let k = def.axes.length - 1; k >= 0; k--) {
    const a = def.axes[k];
    out.set(a.name, a.values[rest % a.values.length]);
    rest = Math.floor(rest / a.values.length);
  }
  return new Map(def.axes.map((a) => [a.name, out.get(a.name)!]));
}
