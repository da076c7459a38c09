/** DIR/results.csv: one row per record, by grid index, with the varied values as columns. */
import type { SweepDefinition } from './definition.js';
import type { SweepRecord } from './record.js';
import { byIndex } from './results-file.js';
import { variedValues } from './varied.js';

const cell = (v: string | number | undefined): string => {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const metricColumns = ['accuracy', 'floatAccuracy', 'agreement', 'samples', 'energyPj', 'latencyNs', 'inferencesPerSecond', 'areaMm2', 'topsPerWatt', 'adcEnergyShare', 'arrays'] as const;

export function resultsCsv(def: SweepDefinition, records: readonly SweepRecord[]): string {
  const axes = def.axes.map((a) => a.name);
  const head = ['index', ...axes, 'status', ...metricColumns, 'error', 'key', 'command'];
  const rows = byIndex(records).map((r) => {
    const v = variedValues(def, r);
    return [r.index, ...axes.map((a) => v.get(a)), r.status, ...metricColumns.map((m) => r.metrics?.[m]), r.error ? `${r.error.code}: ${r.error.message}` : '', r.key, r.command];
  });
  return [head, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}
