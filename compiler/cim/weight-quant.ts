/** Weight scales at a granularity, chosen by max-abs or squared-error search (design §4). */
import type { Granularity } from '../../plan/types.js';
import { roundHalfEvenInt } from '../../base/rounding.js';
import type { CimMapping } from './annotations.js';

export interface WeightRange {
  qmin: number;
  qmax: number;
  /** Cell offset added before slicing (offset encoding: 2^(b−1)). */
  weightOffset: number;
}

export function weightRange(bits: number, encoding: 'differential' | 'offset'): WeightRange {
  if (encoding === 'differential') return { qmin: -(2 ** bits - 1), qmax: 2 ** bits - 1, weightOffset: 0 };
  return { qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1, weightOffset: 2 ** (bits - 1) };
}

/** Granularity key of each (row tile, local output channel). */
export function weightKeys(m: CimMapping, granularity: Granularity): Int32Array {
  const ng = m.channelsPerGroup;
  const keys = new Int32Array(m.rowTiles.length * ng);
  for (let t = 0; t < m.rowTiles.length; t++) {
    for (let ol = 0; ol < ng; ol++) {
      const i = t * ng + ol;
      switch (granularity) {
        case 'layer': keys[i] = 0; break;
        case 'channel': keys[i] = m.rowTiles[t].group * ng + ol; break;
        case 'array': keys[i] = m.weightBlock[i]; break;
        case 'column': keys[i] = i; break;
      }
    }
  }
  return keys;
}

/** Visits every weight of (row tile t, local channel ol). */
function forEachWeight(m: CimMapping, t: number, ol: number, f: (w: number) => void): void {
  const tile = m.rowTiles[t];
  const ng = m.channelsPerGroup;
  const base = tile.group * m.geometry.rowsPerGroup * ng;
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) f(m.matrix[base + r * ng + ol]);
}

const mseClipRatios = Array.from({ length: 31 }, (_, i) => 1 - i * 0.02); // 1.00 … 0.40

/** One scale per key: max|w|/qmax, or the clipped scale with least squared error. */
export function chooseWeightScales(m: CimMapping, keys: Int32Array, range: WeightRange, method: 'maxabs' | 'mse'): Float64Array {
  const keyCount = keys.reduce((a, k) => Math.max(a, k + 1), 0);
  const maxAbs = new Float64Array(keyCount);
  const ng = m.channelsPerGroup;
  // Row-major over the matrix (rows outer, channels inner): sequential reads on big layers.
  const k = m.geometry.rowsPerGroup;
  const tileMax = new Float64Array(ng);
  for (let t = 0; t < m.rowTiles.length; t++) {
    const tile = m.rowTiles[t];
    const base = tile.group * k * ng;
    tileMax.fill(0);
    for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
      const row = base + r * ng;
      for (let ol = 0; ol < ng; ol++) { const a = Math.abs(m.matrix[row + ol]); if (a > tileMax[ol]) tileMax[ol] = a; }
    }
    for (let ol = 0; ol < ng; ol++) { const key = keys[t * ng + ol]; if (tileMax[ol] > maxAbs[key]) maxAbs[key] = tileMax[ol]; }
  }
  const scales = new Float64Array(keyCount);
  for (let k = 0; k < keyCount; k++) scales[k] = maxAbs[k] > 0 ? maxAbs[k] / range.qmax : 1;
  if (method === 'maxabs') return scales;

  const err = new Float64Array(keyCount * mseClipRatios.length);
  for (let t = 0; t < m.rowTiles.length; t++) {
    for (let ol = 0; ol < ng; ol++) {
      const k = keys[t * ng + ol];
      if (maxAbs[k] === 0) continue;
      forEachWeight(m, t, ol, (w) => {
        for (let c = 0; c < mseClipRatios.length; c++) {
          const s = scales[k] * mseClipRatios[c];
          const d = w - s * quantizeWeight(w, s, range);
          err[k * mseClipRatios.length + c] += d * d;
        }
      });
    }
  }
  for (let k = 0; k < keyCount; k++) {
    let best = 0;
    for (let c = 1; c < mseClipRatios.length; c++) if (err[k * mseClipRatios.length + c] < err[k * mseClipRatios.length + best]) best = c;
    scales[k] *= mseClipRatios[best];
  }
  return scales;
}

/** q = clamp(round(w / scale), qmin, qmax), half to even; a zero result may be −0 (stored as integer 0). */
export function quantizeWeight(w: number, scale: number, range: WeightRange): number {
  const q = roundHalfEvenInt(w / scale);
  return q < range.qmin ? range.qmin : q > range.qmax ? range.qmax : q;
}
