/**
 * `-j N`: N worker threads, each with its own compiler, staged prefix and ORT sessions, each
 * running one point at a time; the main thread hands out grid indices and appends the records
 * they send back. A worker rebuilds the sweep from its serializable request (prepareSweep is
 * deterministic), so only an index crosses per point and the grid is never sent.
 */
import { Worker } from 'node:worker_threads';
import type { PointRunner } from './point-runner.js';
import type { SweepRequest } from './prepare.js';
import type { SweepRecord } from './record.js';
import type { PointJob } from './run-point.js';

/** What a worker needs to rebuild the sweep: the request without the in-memory compiler. */
export type WorkerRequest = Omit<SweepRequest, 'compiler' | 'options'>;

export interface WorkerSetup {
  request: WorkerRequest;
  /** --plugin specs, loaded again in each worker. */
  plugins: readonly string[];
  baseline?: readonly number[];
  plansDir?: string;
}

export type ToWorker = { index: number };
export type FromWorker = { record: SweepRecord } | { crash: string };

export function workerPool(script: URL, setup: WorkerSetup, size: number): PointRunner {
  const idle: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const all = Array.from({ length: size }, () => new Worker(script, { workerData: setup }));
  idle.push(...all);
  const take = (): Promise<Worker> => new Promise((resolve) => {
    const w = idle.pop();
    if (w) resolve(w);
    else waiting.push(resolve);
  });
  const give = (w: Worker): void => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  return {
    parallel: size,
    async run(job: PointJob): Promise<SweepRecord> {
      const w = await take();
      try {
        return await new Promise<SweepRecord>((resolve, reject) => {
          const onMessage = (m: FromWorker) => {
            w.off('error', onError);
            if ('record' in m) resolve(m.record);
            else reject(new Error(m.crash));
          };
          const onError = (e: Error) => { w.off('message', onMessage); reject(e); };
          w.once('message', onMessage);
          w.once('error', onError);
          w.postMessage({ index: job.grid.index } satisfies ToWorker);
        });
      } finally {
        give(w);
      }
    },
    async close() {
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
