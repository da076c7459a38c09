/**
 * The sweep's text table: every point by index with its varied values, accuracy, energy (µJ per
 * inference), latency, area and status, and which points are on the Pareto front of accuracy
 * (higher) against energy per inference (lower).
 */
import type { SweepDefinition } from './definition.js';
import { paretoFront } from './pareto.js';
import type { SweepRecord } from './record.js';
import { byIndex } from './results-file.js';
import { variedValues } from './varied.js';

/** The ok points not beaten on both accuracy and energy by another ok point. */
export function accuracyEnergyFront(records: readonly SweepRecord[]): SweepRecord[] {
  const ok = records.filter((r) => r.status === 'ok' && r.metrics && Number.isFinite(r.metrics.energyPj));
  return paretoFront(ok, [
    { value: (r) => r.metrics!.accuracy, better: 'higher' },
    { value: (r) => r.metrics!.energyPj, better: 'lower' },
  ]);
}

const fixed = (v: number | undefined, digits: number): string => (v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export function formatSweepTable(def: SweepDefinition, records: readonly SweepRecord[]): string {
  const sorted = byIndex(records);
  const front = new Set(accuracyEnergyFront(sorted).map((r) => r.index));
  const axes = def.axes.map((a) => a.name);
  const head = ['index', ...axes, 'accuracy %', 'energy µJ', 'latency µs', 'area mm²', 'status', 'pareto'];
  const rows = sorted.map((r) => {
    const v = variedValues(def, r);
    const m = r.metrics;
    return [
      String(r.index), ...axes.map((a) => v.get(a) ?? ''),
      fixed(m && 100 * m.accuracy, 2), fixed(m && m.energyPj / 1e6, 4), fixed(m && m.latencyNs / 1e3, 2), fixed(m?.areaMm2, 3),
      r.status === 'ok' ? 'ok' : `error ${r.error?.code ?? ''}`, front.has(r.index) ? '*' : '',
    ];
  });
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 || (k > axes.length && k < head.length - 2) ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  const m0 = sorted.find((r) => r.metrics)?.metrics;
  const missing = def.gridSize - new Set(sorted.map((r) => r.index)).size;
  out.push('');
  out.push(`${sorted.length} of ${def.gridSize} points${missing ? ` (${missing} not run yet)` : ''}; float accuracy ${fixed(m0 && 100 * m0.floatAccuracy, 2)}% on ${m0?.samples ?? '-'} samples`);
  out.push(`Pareto front (accuracy ↑, energy per inference ↓): ${[...front].sort((a, b) => a - b).join(', ') || 'none'}  (marked *)`);
  return out.join('\n') + '\n';
}
