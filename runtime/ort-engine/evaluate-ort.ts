/**
 * `evaluate()` (runtime/reference/evaluate.ts) and `cimc run` on the ORT engine, a chunk of the
 * plan's batch at a time (runtime/batch.ts), with the same result shape and the same chunk
 * figures summed in the same order. Two sessions (CIM and float) each expose every CIM layer's
 * output as an extra graph output.
 */
import { chunkCount, labelsFor, OutputStack, planBatching, readChunk, realRows, tensorSamples, type SampleSource } from '../batch.js';
import { chunkPredictions, addSquaredError, EvalTally, type EvalResult } from '../reference/evaluate.js';
import type { LoadedPlan } from '../../plan/reader.js';
import { makeTensor, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import type { VariationSpec } from '../reference/variation.js';
import { OrtEngine } from './session.js';

export interface EvaluateOrtOptions {
  limit?: number;
  onSample?(i: number, n: number): void;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
}

const sourceOf = (inputs: RtTensor | SampleSource): SampleSource => ('read' in inputs ? inputs : tensorSamples(inputs));

export async function evaluateOrt(loaded: LoadedPlan, inputs: RtTensor | SampleSource, labels: RtTensor, options: EvaluateOrtOptions = {}): Promise<EvalResult> {
  const { plan } = loaded;
  const source = sourceOf(inputs);
  const b = planBatching(plan, source.shape, 'inputs');
  const y = labelsFor(labels, b.count);
  const cimSteps = plan.schedule.filter((s) => s.kind === 'cim');
  const layerOutputs = cimSteps.map((s) => s.outputs[0]);
  const out = plan.outputs[0];
  const common = { extraOutputs: layerOutputs, intraOpNumThreads: options.intraOpNumThreads };
  const cim = await OrtEngine.create(loaded, { ...common, variation: options.variation });
  const flt = await OrtEngine.create(loaded, { ...common, float: true });
  try {
    const n = Math.min(b.count, options.limit ?? Infinity);
    const tally = new EvalTally(cimSteps.map((s) => s.name), y, true);
    for (let c = 0; c < chunkCount(b, n); c++) {
      const chunk = readChunk(b, source, c, n);
      const feeds = { [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) };
      const fout = await flt.run(feeds);
      const cout = await cim.run(feeds);
      const signal = new Float64Array(layerOutputs.length);
      const noise = new Float64Array(layerOutputs.length);
      layerOutputs.forEach((name, k) => {
        const rows = (t: RtTensor) => realRows(toFloat32(t), t.shape, b.batch, chunk.real);
        addSquaredError(rows(fout[name]), rows(cout[name]), signal, noise, k);
      });
      tally.add(chunk.from, {
        cim: chunkPredictions(toFloat32(cout[out.name]), out.shape, b.batch, chunk.real),
        float: chunkPredictions(toFloat32(fout[out.name]), out.shape, b.batch, chunk.real),
        signal, noise,
      });
      options.onSample?.(chunk.from + chunk.real, n);
    }
    return tally.result();
  } finally {
    await cim.release();
    await flt.release();
  }
}

export interface RunOrtOptions {
  float?: boolean;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
  onSample?(i: number, n: number): void;
}

/** Every plan output for all samples of `inputs`, stacked [N, …], run a chunk at a time (`cimc run --engine ort`). */
export async function runSamplesOrt(loaded: LoadedPlan, inputs: RtTensor | SampleSource, options: RunOrtOptions = {}): Promise<RtTensor[]> {
  const { plan } = loaded;
  const source = sourceOf(inputs);
  const b = planBatching(plan, source.shape, 'input');
  const engine = await OrtEngine.create(loaded, { float: options.float, variation: options.variation, intraOpNumThreads: options.intraOpNumThreads });
  try {
    const stacks = plan.outputs.map((o) => new OutputStack(o.shape, b.batch));
    for (let c = 0; c < chunkCount(b, b.count); c++) {
      const chunk = readChunk(b, source, c, b.count);
      const r = await engine.run({ [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) });
      plan.outputs.forEach((o, k) => stacks[k].add(toFloat32(r[o.name]), chunk.real));
      options.onSample?.(chunk.from + chunk.real, b.count);
    }
    return stacks.map((s) => s.tensor());
  } finally {
    await engine.release();
  }
}
