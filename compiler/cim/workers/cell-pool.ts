/**
 * scalesAndCells for many layers on both cores: one worker thread and the main thread claim
 * layers from a shared counter (the main thread biggest first, the worker smallest first),
 * while the compile stays synchronous (the main thread waits with Atomics.wait and takes the
 * worker's replies with receiveMessageOnPort).
 *
 * The results are those of the single-threaded loop bit for bit (the same function on the same
 * inputs). Only layers whose weights sit in shared memory (allocSharedFloats, as fold-batchnorm
 * stores folded weights) go to the worker — others would have to be copied to it — and only
 * when there is enough work to pay for starting a worker (~40 ms). A worker that fails to
 * start just never claims a layer; a layer that fails or stalls in the worker is redone on the
 * main thread, so its error is raised exactly as without workers and nothing hangs.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Granularity } from '../../../plan/types.js';
import { scalesAndCells, type CellInput, type ScalesAndCells } from '../layer-cells.js';
import { claim, control, type CellJobs, type CellReply } from './cell-protocol.js';

/** Weights the worker's share must reach before one is started (about its start-up time's worth). */
export const minWorkerWeights = 2_000_000;

const isShared = (m: CellInput) => m.weights.buffer instanceof SharedArrayBuffer;

/** Only the fields scalesAndCells reads, so that posting a layer copies nothing else (and never reads a lazy matrix). */
function plainInput(m: CellInput): CellInput {
  const { bits, encoding, columns, rowTiles, channelsPerGroup, geometry, weights, weightBlock } = m;
  return { bits, encoding, columns, rowTiles, channelsPerGroup, geometry, weights, weightBlock };
}

function startWorker(ctrl: Int32Array, jobs: CellJobs): { worker: Worker; port: MessageChannel['port1'] } | undefined {
  const { port1, port2 } = new MessageChannel();
  try {
    const worker = new Worker(new URL('./cell-worker.js', import.meta.url), { workerData: { port: port2, ctrl: ctrl.buffer }, transferList: [port2] });
    worker.on('error', () => { /* a worker that cannot start claims nothing; its layers run here */ });
    worker.unref();
    port1.postMessage(jobs);
    return { worker, port: port1 };
  } catch {
    port1.close();
    return undefined;
  }
}

/** scalesAndCells of every layer, in order; `threads` > 1 lets one worker share the work. */
export function scalesAndCellsOfLayers(layers: readonly CellInput[], granularity: Granularity, method: 'maxabs' | 'mse', threads: number): ScalesAndCells[] {
  const results: (ScalesAndCells | undefined)[] = new Array(layers.length);
  const shared = layers.map((m, i) => i).filter((i) => isShared(layers[i])).sort((a, b) => layers[b].weights.length - layers[a].weights.length);
  const sharedWeights = shared.reduce((n, i) => n + layers[i].weights.length, 0);
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * control.length));
  const pool = threads > 1 && shared.length > 1 && sharedWeights >= 2 * minWorkerWeights
    ? startWorker(ctrl, { layers: shared.map((i) => plainInput(layers[i])), granularity, method })
    : undefined;
  if (!pool) return layers.map((m) => scalesAndCells(m, granularity, method));

  // Here first: the layers only this thread can do, while the worker starts; then claim with it.
  let ownWeights = 0;
  const t0 = performance.now();
  const sharedSet = new Set(shared);
  for (let i = 0; i < layers.length; i++) if (!sharedSet.has(i)) { results[i] = scalesAndCells(layers[i], granularity, method); ownWeights += layers[i].weights.length; }
  let ownClaims = 0;
  for (;;) {
    const job = claim(ctrl, shared.length, false);
    if (job < 0) break;
    const i = shared[job];
    results[i] = scalesAndCells(layers[i], granularity, method);
    ownWeights += layers[i].weights.length;
    ownClaims++;
  }
  const nsPerWeight = ownWeights > 0 ? (1e6 * (performance.now() - t0)) / ownWeights : 50;

  // The worker's claims: wait for its replies, giving up on one that takes far longer than this thread would.
  let pending = shared.length - ownClaims;
  const take = (reply: CellReply) => {
    const i = shared[reply.job];
    if (reply.result && results[i] === undefined) results[i] = reply.result;
    pending--;
  };
  let last = performance.now();
  const patienceMs = 1000 + (10 * nsPerWeight * layers[shared[0]].weights.length) / 1e6;
  while (pending > 0) {
    const msg = receiveMessageOnPort(pool.port);
    if (msg) { take(msg.message as CellReply); last = performance.now(); continue; }
    const done = Atomics.load(ctrl, control.done);
    if (performance.now() - last > patienceMs) break;
    Atomics.wait(ctrl, control.done, done, 20);
  }
  Atomics.store(ctrl, control.stop, 1);
  pool.port.close();
  void pool.worker.terminate();
  // Failed, stalled or lost layers: done here, so any error is this thread's own.
  return layers.map((m, i) => results[i] ?? scalesAndCells(m, granularity, method));
}
