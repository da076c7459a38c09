/** ADC steps Δ (in MAC units) per column, shared at a granularity. */
import type { CimMapping } from './annotations.js';

export type PsumGranularity = 'layer' | 'array' | 'column';

/** Granularity key of each column. */
export function adcKeys(m: CimMapping, granularity: PsumGranularity): Int32Array {
  const n = m.columns.array.length;
  const keys = new Int32Array(n);
  for (let c = 0; c < n; c++) keys[c] = granularity === 'layer' ? 0 : granularity === 'array' ? m.columns.array[c] : c;
  return keys;
}

/**
 * The analytic estimate used before calibration: inputs per cycle uniform on 0 … 2^d − 1 and
 * independent, so M has mean μ·Σu and deviation σ·√Σu² (Σu, Σu² per column are given); the ADC range covers mean + 3σ (never
 * more than the full scale), shared by the columns of a key (the widest wins).
 */
export function analyticClipTop(sumU: Float64Array, sumU2: Float64Array, dacBits: number): Float64Array {
  const n = sumU.length;
  const xmax = 2 ** dacBits - 1;
  const mean = xmax / 2;
  const sd = Math.sqrt((2 ** (2 * dacBits) - 1) / 12);
  const top = new Float64Array(n);
  for (let c = 0; c < n; c++) top[c] = Math.min(xmax * sumU[c], mean * sumU[c] + 3 * sd * Math.sqrt(sumU2[c]));
  return top;
}

/** Steps from per-column clip tops: the key's widest top over the ADC's L − 1 steps, at least 1. */
export function stepsFromClipTops(clipTop: Float64Array, keys: Int32Array, levels: number): Float64Array {
  const keyCount = keys.reduce((a, k) => Math.max(a, k + 1), 0);
  const keyTop = new Float64Array(keyCount);
  for (let c = 0; c < clipTop.length; c++) keyTop[keys[c]] = Math.max(keyTop[keys[c]], clipTop[c]);
  const steps = new Float64Array(clipTop.length);
  for (let c = 0; c < clipTop.length; c++) steps[c] = levels === 0 ? 1 : Math.max(1, keyTop[keys[c]] / (levels - 1));
  return steps;
}
