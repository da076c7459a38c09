/**
 * `evaluate()` (runtime/reference/evaluate.ts) and `cimc run` on the ORT engine, a chunk of the
 * plan's batch at a time (runtime/batch.ts), with the same result shape and the same chunk
 * figures summed in the same order. Two sessions (CIM and float) each expose every CIM layer's
 * output as an extra graph output. With `jobs` > 1 the chunks go to worker threads, each with its
 * own sessions of one intra-op thread (workers/ort-chunk-worker.ts): onnxruntime-node runs a
 * session on the calling thread, so worker threads are what uses more cores.
 */
import { labelsFor, OutputStack, planBatching, realRows, tensorSamples, type Chunk, type PlanBatching, type SampleSource } from '../batch.js';
import { chunkPredictions, addSquaredError, EvalTally, type ChunkEval, type EvalResult } from '../reference/evaluate.js';
import { runChunkTasks } from '../reference/run-samples.js';
import type { LoadedPlan } from '../../plan/reader.js';
import { makeTensor, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import type { VariationSpec } from '../reference/variation.js';
import { OrtEngine } from './session.js';

export interface EvaluateOrtOptions {
  limit?: number;
  onSample?(i: number, n: number): void;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
  /** Worker threads, each with its own sessions (default 1: this thread). */
  jobs?: number;
}

const sourceOf = (inputs: RtTensor | SampleSource): SampleSource => ('read' in inputs ? inputs : tensorSamples(inputs));

/** The worker script of the ORT engine's chunk pool. */
const workerScript = new URL('./workers/ort-chunk-worker.js', import.meta.url);

/** The sessions eval reads: the CIM path and the float path, each with every CIM layer's output. */
export interface EvalEngines {
  cim: OrtEngine;
  flt: OrtEngine;
  layerOutputs: string[];
  release(): Promise<void>;
}

export async function evalEngines(loaded: LoadedPlan, variation: VariationSpec | undefined, intraOpNumThreads: number | undefined): Promise<EvalEngines> {
  const layerOutputs = loaded.plan.schedule.flatMap((s) => (s.kind === 'cim' ? [s.outputs[0]] : []));
  const common = { extraOutputs: layerOutputs, intraOpNumThreads };
  const cim = await OrtEngine.create(loaded, { ...common, variation });
  const flt = await OrtEngine.create(loaded, { ...common, float: true });
  return { cim, flt, layerOutputs, release: async () => { await cim.release(); await flt.release(); } };
}

/** One chunk's eval figures on the ORT engine (as evaluateChunk gives them on the reference). */
export async function evaluateChunkOrt(e: EvalEngines, loaded: LoadedPlan, b: PlanBatching, chunk: Chunk): Promise<ChunkEval> {
  const out = loaded.plan.outputs[0];
  const feeds = { [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) };
  const fout = await e.flt.run(feeds);
  const cout = await e.cim.run(feeds);
  const signal = new Float64Array(e.layerOutputs.length);
  const noise = new Float64Array(e.layerOutputs.length);
  e.layerOutputs.forEach((name, k) => {
    const rows = (t: RtTensor) => realRows(toFloat32(t), t.shape, b.batch, chunk.real);
    addSquaredError(rows(fout[name]), rows(cout[name]), signal, noise, k);
  });
  return {
    cim: chunkPredictions(toFloat32(cout[out.name]), out.shape, b.batch, chunk.real),
    float: chunkPredictions(toFloat32(fout[out.name]), out.shape, b.batch, chunk.real),
    signal, noise,
  };
}

/** One chunk's real rows of every plan output. */
export async function runChunkOrt(engine: OrtEngine, loaded: LoadedPlan, b: PlanBatching, chunk: Chunk): Promise<Float32Array[]> {
  const r = await engine.run({ [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) });
  return loaded.plan.outputs.map((o) => realRows(toFloat32(r[o.name]), o.shape, b.batch, chunk.real).slice());
}

export async function evaluateOrt(loaded: LoadedPlan, inputs: RtTensor | SampleSource, labels: RtTensor, options: EvaluateOrtOptions = {}): Promise<EvalResult> {
  const source = sourceOf(inputs);
  const b = planBatching(loaded.plan, source.shape, 'inputs');
  const y = labelsFor(labels, b.count);
  const n = Math.min(b.count, options.limit ?? Infinity);
  const tally = new EvalTally(loaded.plan.schedule.flatMap((s) => (s.kind === 'cim' ? [s.name] : [])), y, true);
  let engines: EvalEngines | undefined;
  try {
    await runChunkTasks<ChunkEval>({ loaded, b, variation: options.variation, script: workerScript }, source, n, { jobs: options.jobs, onSample: options.onSample },
      (chunks) => ({ kind: 'eval', chunks, compareFloat: true }),
      async (chunk) => evaluateChunkOrt((engines ??= await evalEngines(loaded, options.variation, options.intraOpNumThreads)), loaded, b, chunk),
      (r) => (r.kind === 'eval' ? r.evals : []),
      (chunk, e) => tally.add(chunk.from, e));
    return tally.result();
  } finally {
    await engines?.release();
  }
}

export interface RunOrtOptions {
  float?: boolean;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
  /** Worker threads, each with its own session (default 1: this thread). */
  jobs?: number;
  onSample?(i: number, n: number): void;
}

/** Every plan output for all samples of `inputs`, stacked [N, …], run a chunk at a time (`cimc run --engine ort`). */
export async function runSamplesOrt(loaded: LoadedPlan, inputs: RtTensor | SampleSource, options: RunOrtOptions = {}): Promise<RtTensor[]> {
  const source = sourceOf(inputs);
  const b = planBatching(loaded.plan, source.shape, 'input');
  const float = options.float ?? false;
  const stacks = loaded.plan.outputs.map((o) => new OutputStack(o.shape, b.batch));
  let engine: OrtEngine | undefined;
  try {
    await runChunkTasks<Float32Array[]>({ loaded, b, variation: options.variation, script: workerScript }, source, b.count, { jobs: options.jobs, onSample: options.onSample },
      (chunks) => ({ kind: 'run', chunks, float }),
      async (chunk) => runChunkOrt((engine ??= await OrtEngine.create(loaded, { float, variation: options.variation, intraOpNumThreads: options.intraOpNumThreads })), loaded, b, chunk),
      (r) => (r.kind === 'run' ? r.outputs : []),
      (chunk, ys) => ys.forEach((y, k) => stacks[k].add(y, chunk.real)));
    return stacks.map((s) => s.tensor());
  } finally {
    await engine?.release();
  }
}
