/**
 * A `cimc sweep -j N` worker thread: rebuilds the sweep from its request (with the same
 * --plugin passes), then runs the points whose grid indices the main thread sends, one at a time,
 * and sends back each record. It lives with the CLI because it loads plugins as the CLI does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { builtinOptions } from '../../passes/compile-options.js';
import { createCompiler } from '../driver/create-compiler.js';
import { loadPlugins } from './plugin-loader.js';
import { prepareSweep } from '../sweep/prepare.js';
import { pointJobs } from '../sweep/run-sweep.js';
import { localPointEnv } from '../sweep/point-runner.js';
import { runPoint } from '../sweep/run-point.js';
import type { FromWorker, ToWorker, WorkerSetup } from '../sweep/worker-pool.js';
import { allOptions } from '../sweep/prepare.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const compiler = createCompiler({ plugins: await loadPlugins([...setup.plugins]) });
const prepared = prepareSweep({ ...setup.request, compiler, options: allOptions(builtinOptions.map((r) => r.option), compiler) });
const jobs = new Map(pointJobs(prepared).map((j) => [j.grid.index, j]));
const env = localPointEnv(prepared, setup.plansDir, setup.baseline);

port.on('message', (m: ToWorker) => {
  const job = jobs.get(m.index);
  const reply = (r: FromWorker) => port.postMessage(r);
  if (!job) {
    reply({ crash: `no grid point ${m.index}` });
    return;
  }
  runPoint(job, env).then((record) => reply({ record }), (e: unknown) => reply({ crash: e instanceof Error ? e.message : String(e) }));
});
