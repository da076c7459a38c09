/**
 * Axis scales of the sweep charts: linear, or log10 when the values span more than 10× (energy
 * and area of a sweep often differ by orders of magnitude), with round tick values.
 */
import { tickStep } from '../../report/html/svg-charts.js';

export interface Scale {
  log: boolean;
  /** Pixel position of a value. */
  at(v: number): number;
  ticks: number[];
}

const round = (v: number): number => Number(v.toPrecision(12));

/** Domain [lo, hi] of the values with a margin, never empty. */
function padded(lo: number, hi: number, margin: number): [number, number] {
  if (hi > lo) {
    const m = (hi - lo) * margin;
    return [lo - m, hi + m];
  }
  const m = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - m, hi + m];
}

function linearTicks(lo: number, hi: number, count: number): number[] {
  const step = tickStep(hi - lo, count);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(round(k * step));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const mantissas = hi - lo < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of mantissas) {
      const v = round(m * 10 ** e);
      const l = Math.log10(v);
      if (l >= lo - 1e-9 && l <= hi + 1e-9) out.push(v);
    }
  }
  return out;
}

/**
 * A scale from the values onto [p0, p1] (p1 < p0 for a y axis). Log when every value is positive and
 * the largest is more than 10× the smallest; `include` values widen the domain (e.g. a reference line).
 */
export function scaleFor(values: readonly number[], p0: number, p1: number, options: { allowLog?: boolean; include?: readonly number[]; ticks?: number } = {}): Scale {
  const all = [...values, ...(options.include ?? [])].filter(Number.isFinite);
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 1;
  const log = (options.allowLog ?? true) && lo > 0 && hi / lo > 10;
  if (log) {
    const [a, b] = padded(Math.log10(lo), Math.log10(hi), 0.06);
    return { log, at: (v) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0), ticks: logTicks(a, b) };
  }
  const [a, b] = padded(lo, hi, 0.08);
  return { log, at: (v) => p0 + ((v - a) / (b - a)) * (p1 - p0), ticks: linearTicks(a, b, options.ticks ?? 5) };
}
