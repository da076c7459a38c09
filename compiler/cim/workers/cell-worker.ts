/**
 * A quantization worker (compiler/cim/workers/cell-pool.ts): claims layers from the shared
 * counter, runs scalesAndCells on each and sends the result back through its port (the cell
 * buffers transferred, not copied). Any failure is reported as such and the layer is left to
 * the main thread, which redoes it, so errors are raised there exactly as without workers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { scalesAndCells, type CellInput } from '../layer-cells.js';
import type { Granularity } from '../../../plan/types.js';
import { claim, control, type CellJobs, type CellReply } from './cell-protocol.js';

const { port, ctrl: ctrlBuffer } = workerData as { port: MessagePort; ctrl: SharedArrayBuffer };
const ctrl = new Int32Array(ctrlBuffer);

port.on('message', (msg: CellJobs) => {
  const { layers, granularity, method } = msg as { layers: CellInput[]; granularity: Granularity; method: 'maxabs' | 'mse' };
  for (;;) {
    if (Atomics.load(ctrl, control.stop) !== 0) break;
    const job = claim(ctrl, layers.length, true);
    if (job < 0) break;
    let reply: CellReply;
    try {
      const r = scalesAndCells(layers[job], granularity, method);
      reply = { job, result: r };
      port.postMessage(reply, [r.cells.buffer, r.cellOffset.buffer, r.sumU.buffer, r.sumU2.buffer, r.weightSum.buffer, r.weightScale.buffer] as ArrayBuffer[]);
    } catch (e) {
      reply = { job, failed: String(e instanceof Error ? e.message : e) };
      port.postMessage(reply);
    }
    Atomics.add(ctrl, control.done, 1);
    Atomics.notify(ctrl, control.done);
  }
  port.close();
  parentPort?.close();
});
