/**
 * A reference-runtime worker (chunk-pool.ts): opens the plan once over the shared sidecar bytes,
 * then runs or evaluates the chunks of each task it is sent, in order, and sends back their
 * results (buffers transferred) or the error the task raised. A plan that cannot be opened
 * answers every task with that error, as the main thread would have raised it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executableFromPlan, runChunk, type Executable } from '../executor.js';
import { evaluateChunk } from '../evaluate.js';
import { realRows } from '../../batch.js';
import { closeMessage, isClose, openSetupPlan, fromWorkerError, toWorkerError, type ChunkResults, type ChunkWorkerSetup, type FromWorker, type ToWorker, type WorkerError } from './chunk-protocol.js';

const setup = workerData as ChunkWorkerSetup;
const port = parentPort!;
const b = setup.batching;
let opened: Executable | WorkerError;
try {
  opened = executableFromPlan(openSetupPlan(setup), { variation: setup.variation });
} catch (e) {
  opened = toWorkerError(e);
}

port.on('message', (m: ToWorker | typeof closeMessage) => {
  if (isClose(m)) { port.close(); return; }
  let reply: FromWorker;
  const transfer: ArrayBuffer[] = [];
  try {
    if (!('steps' in opened)) throw fromWorkerError(opened);
    const exe = opened;
    let results: ChunkResults;
    if (m.kind === 'run') {
      const outputs = m.chunks.map((c) => runChunk(exe, b, c, { float: m.float }).map((y, k) => realRows(y, exe.outputs[k].shape, b.batch, c.real).slice()));
      for (const o of outputs) for (const y of o) transfer.push(y.buffer as ArrayBuffer);
      results = { kind: 'run', outputs };
    } else {
      results = { kind: 'eval', evals: m.chunks.map((c) => evaluateChunk(exe, b, c, m.compareFloat)) };
    }
    reply = { task: m.task, results };
  } catch (e) {
    reply = { task: m.task, error: toWorkerError(e) };
  }
  port.postMessage(reply, transfer);
});
