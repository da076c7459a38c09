/**
 * `cimc run` and `cimc eval` on the reference runtime: N samples, read a chunk at a time from
 * their source, in chunks of the plan's batch (runtime/batch.ts), on this thread (jobs 1) or on
 * `jobs` worker threads (workers/chunk-pool.ts). Tasks are runs of consecutive chunks whose
 * results are taken in order, so the outputs and figures are those of one thread, bit for bit,
 * and at most two tasks per worker are held in memory at once.
 */
import { chunkCount, inOrder, labelsFor, OutputStack, planBatching, readChunk, type Chunk, type PlanBatching, type SampleSource } from '../batch.js';
import type { LoadedPlan } from '../../plan/reader.js';
import type { RtTensor } from '../../base/rt-tensor.js';
import { executableFromPlan, runChunk, type Executable } from './executor.js';
import { EvalTally, evaluateChunk, type ChunkEval, type EvalResult } from './evaluate.js';
import type { VariationSpec } from './variation.js';
import { ChunkPool, sharedBytes, sharedFloatWeights } from './workers/chunk-pool.js';
import type { ChunkResults, ChunkTask } from './workers/chunk-protocol.js';

export interface SampleRunOptions {
  /** Worker threads (default 1: this thread only). */
  jobs?: number;
  variation?: VariationSpec;
  onSample?(done: number, n: number): void;
}

/**
 * Samples per task handed to a worker: about four tasks per worker (the last ones share out the
 * tail), at most 32 samples. Fewer, longer tasks measured faster per sample (ResNet-20, 128
 * images on 2 workers: 8.1 s wall with 2 tasks per worker, 9.3 s with 16), so the tasks are no
 * smaller than balancing needs.
 */
const samplesPerTask = (count: number, workers: number): number => Math.min(32, Math.max(1, Math.ceil(count / (4 * workers))));

interface Plan extends TaskPlan {
  /** The plan made executable on this thread, when it runs here (not for workers). */
  exe(): Executable;
}

/** What runChunkTasks needs of a plan: the plan, its batching, and (for workers) the variation and worker script. */
export interface TaskPlan {
  loaded: LoadedPlan;
  b: PlanBatching;
  variation: VariationSpec | undefined;
  /** Prepares this thread before it runs chunks itself (one job). */
  prepare?(): void;
  /** The workers' script (default: the reference runtime's, workers/chunk-worker.ts). */
  script?: URL;
}

/**
 * Runs the chunks of the first `count` samples here (one job) or as tasks of consecutive chunks
 * on a pool of workers; `take` gets each chunk's result, in order (both engines use it).
 */
export async function runChunkTasks<R>(
  p: TaskPlan, source: SampleSource, count: number, options: SampleRunOptions,
  task: (chunks: Chunk[]) => ChunkTask, here: (chunk: Chunk) => R | Promise<R>, fromPool: (r: ChunkResults) => R[], take: (chunk: Chunk, r: R) => void,
): Promise<void> {
  const chunks = chunkCount(p.b, count);
  const workers = Math.min(options.jobs ?? 1, chunks);
  const perTask = Math.max(1, Math.floor(samplesPerTask(count, workers) / p.b.batch));
  const tasks = Math.ceil(chunks / perTask);
  const done = (chunk: Chunk) => options.onSample?.(chunk.from + chunk.real, count);
  if (workers <= 1) {
    p.prepare?.();
    for (let c = 0; c < chunks; c++) {
      const chunk = readChunk(p.b, source, c, count);
      take(chunk, await here(chunk));
      done(chunk);
    }
    return;
  }
  const pool = new ChunkPool({ plan: p.loaded.plan, file: p.loaded.file, sidecar: sharedBytes(p.loaded.sidecar), floatWeights: sharedFloatWeights(p.loaded.floatWeights), variation: p.variation, batching: p.b }, workers, p.script);
  try {
    // The chunks' positions, kept here: their data moves to the workers.
    const placed = new Map<number, { from: number; real: number; index: number }[]>();
    await inOrder(tasks, 2 * workers, (t) => {
      const chunksOf = Array.from({ length: Math.min(perTask, chunks - t * perTask) }, (_, i) => readChunk(p.b, source, t * perTask + i, count));
      placed.set(t, chunksOf.map(({ from, real, index }) => ({ from, real, index })));
      return pool.run(task(chunksOf));
    }, (t, r) => {
      fromPool(r).forEach((res, i) => {
        const chunk = { ...placed.get(t)![i], data: new Float32Array(0) };
        take(chunk, res);
        done(chunk);
      });
      placed.delete(t);
    });
  } finally {
    await pool.close();
  }
}

function open(loaded: LoadedPlan, dataShape: readonly number[], what: string, variation: VariationSpec | undefined): Plan {
  let exe: Executable | undefined;
  const make = () => (exe ??= executableFromPlan(loaded, { variation }));
  return { loaded, variation, b: planBatching(loaded.plan, dataShape, what), exe: make, prepare: make };
}

/** Every plan output for all samples, stacked [N, …]. */
export async function runSamples(loaded: LoadedPlan, source: SampleSource, options: SampleRunOptions & { float?: boolean } = {}): Promise<RtTensor[]> {
  const p = open(loaded, source.shape, 'input', options.variation);
  const float = options.float ?? false;
  const stacks = p.loaded.plan.outputs.map((o) => new OutputStack(o.shape, p.b.batch));
  await runChunkTasks<Float32Array[]>(p, source, p.b.count, options,
    (chunks) => ({ kind: 'run', chunks, float }),
    (chunk) => runChunk(p.exe(), p.b, chunk, { float }),
    (r) => (r.kind === 'run' ? r.outputs : []),
    (chunk, ys) => ys.forEach((y, k) => stacks[k].add(y, chunk.real)));
  return stacks.map((s) => s.tensor());
}

/** evaluate() (evaluate.ts) over a sample source, on `jobs` threads. */
export async function evaluateSamples(
  loaded: LoadedPlan, source: SampleSource, labels: RtTensor,
  options: SampleRunOptions & { limit?: number; compareFloat?: boolean } = {},
): Promise<EvalResult> {
  const p = open(loaded, source.shape, 'inputs', options.variation);
  const compareFloat = options.compareFloat ?? true;
  const n = Math.min(p.b.count, options.limit ?? Infinity);
  const tally = new EvalTally(p.loaded.plan.schedule.flatMap((s) => (s.kind === 'cim' ? [s.name] : [])), labelsFor(labels, p.b.count), compareFloat);
  await runChunkTasks<ChunkEval>(p, source, n, options,
    (chunks) => ({ kind: 'eval', chunks, compareFloat }),
    (chunk) => evaluateChunk(p.exe(), p.b, chunk, compareFloat),
    (r) => (r.kind === 'eval' ? r.evals : []),
    (chunk, e) => tally.add(chunk.from, e));
  return tally.result();
}
