/** `--shard i/N`: the points whose index % N == i, so N independent jobs cover the grid exactly once. */
import { CimcError } from '../../base/diagnostics.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new CimcError('CIM5003', `--shard takes i/N with 0 ≤ i < N, got '${text}'`, { field: '--shard' });
  return { index, count };
}

export const inShard = (index: number, shard: Shard | undefined): boolean => !shard || index % shard.count === shard.index;
