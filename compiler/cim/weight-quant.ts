/** Weight scales at a granularity, chosen by max-abs or squared-error search (design §4). */
import type { Granularity } from '../../plan/types.js';
import { roundHalfEvenInt } from '../../base/rounding.js';
import type { CimMapping } from './annotations.js';
import { keyCount } from './key-count.js';

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
export function weightKeys(m: Pick<CimMapping, 'channelsPerGroup' | 'rowTiles' | 'weightBlock'>, granularity: Granularity): Int32Array {
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

/** Offset in `m.weights` ([groups][Ng][K]) of the first row of row tile t for local channel ol: its rows follow contiguously. */
export function tileChannelStart(m: Pick<CimMapping, 'rowTiles' | 'channelsPerGroup' | 'geometry'>, t: number, ol: number): number {
  const tile = m.rowTiles[t];
  return (tile.group * m.channelsPerGroup + ol) * m.geometry.rowsPerGroup + tile.rowStart;
}

const mseClipRatios = Array.from({ length: 31 }, (_, i) => 1 - i * 0.02); // 1.00 … 0.40

/** One scale per key: max|w|/qmax, or the clipped scale with least squared error. */
export function chooseWeightScales(m: Pick<CimMapping, 'channelsPerGroup' | 'rowTiles' | 'geometry' | 'weights'>, keys: Int32Array, range: WeightRange, method: 'maxabs' | 'mse'): Float64Array {
  const count = keyCount(keys);
  const maxAbs = new Float64Array(count);
  const ng = m.channelsPerGroup;
  const w = m.weights;
  // Plain numbers per tile (no property loads in the loops: mapping objects differ in shape between layers).
  const tiles = m.rowTiles.length;
  const rowsPerGroup = m.geometry.rowsPerGroup;
  const tileRows = Int32Array.from(m.rowTiles, (tile) => tile.rowCount);
  const tileStart = Float64Array.from(m.rowTiles, (_, t) => tileChannelStart(m, t, 0));
  // Kernel order: the rows of one (row tile, channel) are contiguous.
  for (let t = 0; t < tiles; t++) {
    const rows = tileRows[t];
    for (let ol = 0; ol < ng; ol++) {
      const start = tileStart[t] + ol * rowsPerGroup;
      let max = 0;
      for (let i = start, end = start + rows; i < end; i++) { const a = Math.abs(w[i]); if (a > max) max = a; }
      const key = keys[t * ng + ol];
      if (max > maxAbs[key]) maxAbs[key] = max;
    }
  }
  const scales = new Float64Array(count);
  for (let k = 0; k < count; k++) scales[k] = maxAbs[k] > 0 ? maxAbs[k] / range.qmax : 1;
  if (method === 'maxabs') return scales;

  const ratios = mseClipRatios.length;
  const err = new Float64Array(count * ratios);
  const trial = new Float64Array(ratios);
  for (let t = 0; t < tiles; t++) {
    const rows = tileRows[t];
    for (let ol = 0; ol < ng; ol++) {
      const k = keys[t * ng + ol];
      if (maxAbs[k] === 0) continue;
      for (let c = 0; c < ratios; c++) trial[c] = scales[k] * mseClipRatios[c];
      const start = tileStart[t] + ol * rowsPerGroup;
      for (let i = start, end = start + rows; i < end; i++) {
        const x = w[i];
        for (let c = 0; c < ratios; c++) {
          const s = trial[c];
          const d = x - s * quantizeWeight(x, s, range);
          err[k * ratios + c] += d * d;
        }
      }
    }
  }
  for (let k = 0; k < count; k++) {
    let best = 0;
    for (let c = 1; c < ratios; c++) if (err[k * ratios + c] < err[k * ratios + best]) best = c;
    scales[k] *= mseClipRatios[best];
  }
  return scales;
}

/** q = clamp(round(w / scale), qmin, qmax), half to even; a zero result may be −0 (stored as integer 0). */
export function quantizeWeight(w: number, scale: number, range: WeightRange): number {
  const q = roundHalfEvenInt(w / scale);
  return q < range.qmin ? range.qmin : q > range.qmax ? range.qmax : q;
}
