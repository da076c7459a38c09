/** The sweep's one progress line on a terminal: points done/total, ETA and the best accuracy so far. */
import type { SweepRecord } from '../../sweep/record.js';

export interface SweepProgress {
  update(r: SweepRecord, done: number, total: number): void;
  stop(): void;
}

export function sweepProgress(quiet: boolean): SweepProgress {
  if (quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
  const start = Date.now();
  let ranHere = 0;
  let first = -1;
  let best = -Infinity;
  let shown = false;
  return {
    update(r, done, total) {
      ranHere++;
      if (first < 0) first = done - 1;
      if (r.metrics && r.metrics.accuracy > best) best = r.metrics.accuracy;
      const perPoint = (Date.now() - start) / ranHere;
      const eta = Math.round((perPoint * (total - done)) / 1000);
      const bestText = Number.isFinite(best) ? `best ${(100 * best).toFixed(2)}%` : 'no accuracy yet';
      process.stderr.write(`\rsweep ${done}/${total}  ETA ${eta}s  ${bestText}\x1b[K`);
      shown = true;
    },
    stop() { if (shown) process.stderr.write('\n'); },
  };
}
