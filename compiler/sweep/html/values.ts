/**
 * How the sweep page reads and writes the numbers of a record: an axis's value in a point, the
 * metrics in display units, and their text (fixed precision, no locale: the page is deterministic).
 */
import type { SweepMetrics, SweepPoint, SweepRecord } from '../record.js';
import type { SweepAxis } from './definition.js';

type PointValue = SweepPoint['options'][string];

/** `adc-bits` or `--adc-bits` → `adcBits`. */
export function camelCase(name: string): string {
  return name.replace(/^-+/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The value a point has on an axis (`target`, `cost`, or an option by either spelling). */
export function axisValue(point: SweepPoint, axis: SweepAxis): PointValue | undefined {
  const name = axis.name.replace(/^-+/, '');
  if (name === 'target') return point.target;
  if (name === 'cost') return point.cost ?? 'target figures';
  return point.options[name] ?? point.options[camelCase(name)];
}

export function valueText(v: PointValue | undefined): string {
  if (v === undefined) return '–';
  return typeof v === 'object' ? v.join(',') : String(v);
}

/** One metric of a point as the page shows it: its name, unit, value and text. */
export interface Measure {
  key: string;
  head: string;
  title: string;
  value(m: SweepMetrics): number;
  text(x: number): string;
}

/** x with `digits` significant digits, without exponent for ordinary magnitudes. */
export function sig(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e15) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1);
}

export const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;

export const accuracy: Measure = { key: 'accuracy', head: 'accuracy', title: 'top-1 accuracy of the CIM path', value: (m) => m.accuracy, text: (x) => pct(x) };
export const agreement: Measure = { key: 'agreement', head: 'agreement', title: 'fraction of samples where the CIM top-1 equals the float top-1', value: (m) => m.agreement, text: (x) => pct(x) };
export const energy: Measure = { key: 'energy', head: 'energy µJ', title: 'energy per inference, µJ', value: (m) => m.energyPj / 1e6, text: (x) => sig(x) };
export const latency: Measure = { key: 'latency', head: 'latency µs', title: 'latency per inference, µs', value: (m) => m.latencyNs / 1e3, text: (x) => sig(x) };
export const throughput: Measure = { key: 'throughput', head: 'inferences/s', title: 'inferences per second', value: (m) => m.inferencesPerSecond, text: (x) => sig(x) };
export const area: Measure = { key: 'area', head: 'area mm²', title: 'chip area, mm²', value: (m) => m.areaMm2, text: (x) => sig(x) };
export const topsPerWatt: Measure = { key: 'tops-w', head: 'TOPS/W', title: 'tera-operations per second per watt', value: (m) => m.topsPerWatt, text: (x) => sig(x) };
export const adcShare: Measure = { key: 'adc-share', head: 'ADC share', title: 'share of the energy spent in ADCs', value: (m) => m.adcEnergyShare, text: (x) => pct(x) };

/** Table columns after the axes, in order. */
export const tableMeasures: readonly Measure[] = [accuracy, agreement, energy, latency, throughput, area, topsPerWatt, adcShare];

/** Records in grid order (stable for equal indices), so the page does not depend on input order. */
export function inGridOrder(records: readonly SweepRecord[]): SweepRecord[] {
  return records.map((r, i) => ({ r, i })).sort((a, b) => a.r.index - b.r.index || a.i - b.i).map((x) => x.r);
}

/** A record with its metrics (status ok). */
export type OkRecord = SweepRecord & { metrics: SweepMetrics };

export function isOk(r: SweepRecord): r is OkRecord {
  return r.status === 'ok' && r.metrics !== undefined;
}
