/**
 * `--jobs N` for the reference runtime: N worker threads that each open the plan once (over one
 * shared copy of the sidecar bytes) and run the tasks handed to them, a task going to the worker
 * with the fewest under way. A task's own error (a CimcError, or any other) comes back as the
 * worker raised it; a worker that dies or cannot start fails every task it holds, and every later
 * one, with CIM5005, so nothing waits forever.
 */
import { Worker } from 'node:worker_threads';
import { CimcError } from '../../../base/diagnostics.js';
import { closeMessage, fromWorkerError, type ChunkResults, type ChunkTask, type ChunkWorkerSetup, type FromWorker, type ToWorker } from './chunk-protocol.js';

interface Waiting {
  resolve(r: ChunkResults): void;
  reject(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The plan's sidecar as shared memory, copied once for every worker. */
export function sharedBytes(bytes: Uint8Array): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(bytes);
  return shared;
}

/** Float weights in shared memory, so every worker reads the one copy. */
export function sharedFloatWeights(weights: ReadonlyMap<string, Float32Array> | undefined): Array<[string, Float32Array]> | undefined {
  if (!weights) return undefined;
  return [...weights].map(([name, w]) => {
    const shared = new Float32Array(new SharedArrayBuffer(w.byteLength));
    shared.set(w);
    return [name, shared];
  });
}

export class ChunkPool {
  private nextTask = 0;
  private failure: CimcError | undefined;
  private closing = false;
  private readonly workers: PoolWorker[];

  constructor(setup: ChunkWorkerSetup, size: number, script = new URL('./chunk-worker.js', import.meta.url)) {
    this.workers = Array.from({ length: size }, () => {
      const w: PoolWorker = { worker: new Worker(script, { workerData: setup }), waiting: new Map() };
      w.worker.on('message', (m: FromWorker) => {
        const waiting = w.waiting.get(m.task);
        if (!waiting) return;
        w.waiting.delete(m.task);
        if ('error' in m) waiting.reject(fromWorkerError(m.error));
        else waiting.resolve(m.results);
      });
      w.worker.on('error', (e) => this.fail(`a worker thread failed: ${firstLine(e)}`));
      w.worker.on('exit', (code) => { if (!this.closing) this.fail(`a worker thread stopped (exit code ${code}) before its work was done`); });
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  private fail(message: string): void {
    this.failure ??= new CimcError('CIM5005', message);
    for (const w of this.workers) {
      for (const waiting of w.waiting.values()) waiting.reject(this.failure);
      w.waiting.clear();
    }
  }

  /** Runs a task on the least busy worker; its chunk buffers are moved there, not copied. */
  run(task: ChunkTask): Promise<ChunkResults> {
    if (this.failure) return Promise.reject(this.failure);
    const w = this.workers.reduce((best, x) => (x.waiting.size < best.waiting.size ? x : best));
    const id = this.nextTask++;
    const msg: ToWorker = { task: id, ...task };
    const transfer = task.chunks.map((c) => c.data.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const owned = new Set<ArrayBuffer>();
    const movable = task.chunks.every((c) => c.data.byteOffset === 0 && c.data.byteLength === c.data.buffer.byteLength && !owned.has(c.data.buffer as ArrayBuffer) && owned.add(c.data.buffer as ArrayBuffer));
    return new Promise<ChunkResults>((resolve, reject) => {
      w.waiting.set(id, { resolve, reject });
      try {
        w.worker.postMessage(msg, movable ? transfer : []);
      } catch (e) {
        w.waiting.delete(id);
        reject(new CimcError('CIM5005', `a task could not be sent to a worker thread: ${firstLine(e)}`));
      }
    });
  }

  /**
   * Ends the workers: each is asked to finish and free what it holds (an ORT worker releases its
   * sessions — terminating a thread inside onnxruntime aborts the whole process), and one that has
   * not ended within a few seconds is terminated.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void w.worker.terminate().then(() => resolve()); }, 5000);
      w.worker.once('exit', () => { clearTimeout(timer); resolve(); });
      try {
        w.worker.postMessage(closeMessage);
      } catch {
        clearTimeout(timer);
        void w.worker.terminate().then(() => resolve());
      }
    })));
  }
}
