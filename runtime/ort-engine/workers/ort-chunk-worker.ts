/**
 * An ORT-engine worker (runtime/reference/workers/chunk-pool.ts drives it, as it drives the
 * reference runtime's): opens the plan once over the shared sidecar bytes, creates its sessions
 * (one intra-op thread each) when a task first needs them, and runs or evaluates the chunks of
 * each task in order, sending back their results or the error the task raised.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedPlan } from '../../../plan/reader.js';
import { closeMessage, isClose, openSetupPlan, fromWorkerError, toWorkerError, type ChunkResults, type ChunkWorkerSetup, type FromWorker, type ToWorker, type WorkerError } from '../../reference/workers/chunk-protocol.js';
import { OrtEngine } from '../session.js';
import { evalEngines, evaluateChunkOrt, runChunkOrt, type EvalEngines } from '../evaluate-ort.js';

const setup = workerData as ChunkWorkerSetup;
const port = parentPort!;
const b = setup.batching;
let opened: LoadedPlan | WorkerError;
try {
  opened = openSetupPlan(setup);
} catch (e) {
  opened = toWorkerError(e);
}

const runEngines = new Map<boolean, Promise<OrtEngine>>();
let evals: Promise<EvalEngines> | undefined;

async function handle(m: ToWorker): Promise<{ results: ChunkResults; transfer: ArrayBuffer[] }> {
  if (!('plan' in opened)) throw fromWorkerError(opened);
  const loaded = opened;
  if (m.kind === 'run') {
    if (!runEngines.has(m.float)) runEngines.set(m.float, OrtEngine.create(loaded, { float: m.float, variation: setup.variation, intraOpNumThreads: 1 }));
    const engine = await runEngines.get(m.float)!;
    const outputs: Float32Array[][] = [];
    for (const c of m.chunks) outputs.push(await runChunkOrt(engine, loaded, b, c));
    return { results: { kind: 'run', outputs }, transfer: outputs.flat().map((y) => y.buffer as ArrayBuffer) };
  }
  evals ??= evalEngines(loaded, setup.variation, 1);
  const e = await evals;
  const results: ChunkResults = { kind: 'eval', evals: [] };
  for (const c of m.chunks) results.evals.push(await evaluateChunkOrt(e, loaded, b, c));
  return { results, transfer: [] };
}

// One task at a time, in the order they arrive (each task's sessions are awaited inside).
let queue: Promise<void> = Promise.resolve();
/** Releases every session this worker made (none may be alive when the thread ends). */
async function releaseAll(): Promise<void> {
  const engines = await Promise.allSettled([...runEngines.values()]);
  for (const e of engines) if (e.status === 'fulfilled') await e.value.release();
  if (evals) { const e = await evals.catch(() => undefined); await e?.release(); }
}

port.on('message', (m: ToWorker | typeof closeMessage) => {
  if (isClose(m)) {
    queue = queue.then(releaseAll).catch(() => undefined).then(() => port.close());
    return;
  }
  queue = queue.then(async () => {
    let reply: FromWorker;
    let transfer: ArrayBuffer[] = [];
    try {
      const r = await handle(m);
      reply = { task: m.task, results: r.results };
      transfer = r.transfer;
    } catch (e) {
      reply = { task: m.task, error: toWorkerError(e) };
    }
    port.postMessage(reply, transfer);
  });
});
