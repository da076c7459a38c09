/**
 * A reference-runtime worker (chunk-pool.ts): opens the plan once over the shared sidecar bytes,
 * then runs or evaluates the chunks of each task it is sent, in order, and sends back their
 * results (buffers transferred) or the error the task raised.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openPlan } from '../../../plan/reader.js';
import { executableFromPlan, runChunk } from '../executor.js';
import { evaluateChunk } from '../evaluate.js';
import { realRows } from '../../batch.js';
import { toWorkerError, type ChunkResults, type ChunkWorkerSetup, type FromWorker, type ToWorker } from './chunk-protocol.js';

const setup = workerData as ChunkWorkerSetup;
const port = parentPort!;
const loaded = openPlan(setup.plan, setup.file, new Uint8Array(setup.sidecar));
const exe = executableFromPlan(loaded, { variation: setup.variation });
const b = setup.batching;

port.on('message', (m: ToWorker) => {
  let reply: FromWorker;
  const transfer: ArrayBuffer[] = [];
  try {
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
