/**
 * Accuracy of a plan's CIM path against its float path, with per-layer output SQNR, a chunk of
 * the plan's batch at a time (runtime/batch.ts). A chunk's figures (`ChunkEval`) are summed in
 * chunk order by `EvalTally`, whichever thread or engine computed them, so the result does not
 * depend on how the chunks were shared out.
 */
import { execute, type Executable } from './executor.js';
import { chunkCount, elementsPerSample, labelsFor, planBatching, readChunk, realRows, tensorSamples, type Chunk, type PlanBatching } from '../batch.js';
import { argmax, makeTensor, toFloat32, type RtTensor } from '../../base/rt-tensor.js';

export interface EvalResult {
  accuracy: number;
  floatAccuracy: number;
  agreement: number;
  samples: number;
  layers: { name: string; sqnrDb: number }[];
}

export interface EvaluateOptions {
  /** Evaluate only the first `limit` samples. */
  limit?: number;
  /** Also run the float path (float accuracy, agreement, SQNR); default true. */
  compareFloat?: boolean;
  onSample?(i: number, n: number): void;
}

/** One chunk's figures, over its real samples only. */
export interface ChunkEval {
  /** Top-1 class of each real sample: CIM path, float path (empty without the float path). */
  cim: Int32Array;
  float: Int32Array;
  /** Per CIM layer (schedule order): Σ float², Σ (float − CIM)² over the layer's output (empty without the float path). */
  signal: Float64Array;
  noise: Float64Array;
}

/** Top-1 class of each of the first `real` samples of the first output's chunk value. */
export function chunkPredictions(value: Float32Array, shape: readonly number[], batch: number, real: number): Int32Array {
  const per = elementsPerSample(shape, batch)!;
  return Int32Array.from({ length: real }, (_, i) => argmax(value, i * per, (i + 1) * per));
}

/** Adds Σ ref² and Σ (ref − got)² of one layer's output to signal[k], noise[k]. */
export function addSquaredError(ref: Float32Array, got: Float32Array, signal: Float64Array, noise: Float64Array, k: number): void {
  let s = 0;
  let e = 0;
  for (let j = 0; j < ref.length; j++) { const r = ref[j]; const d = r - got[j]; s += r * r; e += d * d; }
  signal[k] += s;
  noise[k] += e;
}

/** Runs one chunk on the CIM path and (compareFloat) the float path. */
export function evaluateChunk(exe: Executable, b: PlanBatching, chunk: Chunk, compareFloat: boolean): ChunkEval {
  const cimSteps = exe.steps.flatMap((s) => (s.kind === 'cim' ? [s] : []));
  const layerIndex = new Map(cimSteps.map((s, k) => [s.output, k]));
  const shapes = cimSteps.map((s) => s.outputShape);
  const feeds = { [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) };
  const out = exe.outputs[0];
  const signal = new Float64Array(compareFloat ? cimSteps.length : 0);
  const noise = new Float64Array(signal.length);
  const floatValues = new Map<number, Float32Array>();
  let float: Int32Array = new Int32Array(0);
  if (compareFloat) {
    const fout = execute(exe, feeds, { float: true, observe: (name, v) => { const k = layerIndex.get(name); if (k !== undefined) floatValues.set(k, realRows(toFloat32(v), shapes[k], b.batch, chunk.real)); } });
    float = chunkPredictions(toFloat32(fout[out.name]), out.shape, b.batch, chunk.real);
  }
  const cout = execute(exe, feeds, {
    observe: (name, v) => {
      const k = layerIndex.get(name);
      const ref = k === undefined ? undefined : floatValues.get(k);
      if (k !== undefined && ref) addSquaredError(ref, realRows(toFloat32(v), shapes[k], b.batch, chunk.real), signal, noise, k);
    },
  });
  return { cim: chunkPredictions(toFloat32(cout[out.name]), out.shape, b.batch, chunk.real), float, signal, noise };
}

/** Sums chunk figures in chunk order into an EvalResult. */
export class EvalTally {
  private correct = 0;
  private floatCorrect = 0;
  private agree = 0;
  private samples = 0;
  private readonly signal: Float64Array;
  private readonly noise: Float64Array;
  constructor(private readonly layerNames: readonly string[], private readonly labels: readonly number[], private readonly compareFloat: boolean) {
    this.signal = new Float64Array(compareFloat ? layerNames.length : 0);
    this.noise = new Float64Array(this.signal.length);
  }
  add(from: number, e: ChunkEval): void {
    for (let i = 0; i < e.cim.length; i++) {
      const y = this.labels[from + i];
      if (e.cim[i] === y) this.correct++;
      if (this.compareFloat && e.float[i] === y) this.floatCorrect++;
      if (this.compareFloat && e.cim[i] === e.float[i]) this.agree++;
    }
    this.samples += e.cim.length;
    for (let k = 0; k < this.signal.length; k++) { this.signal[k] += e.signal[k]; this.noise[k] += e.noise[k]; }
  }
  /** Without compareFloat, floatAccuracy and agreement are NaN and layers is empty. */
  result(): EvalResult {
    const n = this.samples;
    return {
      accuracy: this.correct / n,
      floatAccuracy: this.compareFloat ? this.floatCorrect / n : NaN,
      agreement: this.compareFloat ? this.agree / n : NaN,
      samples: n,
      layers: !this.compareFloat ? [] : this.layerNames.map((name, k) => ({ name, sqnrDb: this.noise[k] === 0 ? Infinity : 10 * Math.log10(this.signal[k] / this.noise[k]) })),
    };
  }
}

/** Names of the plan's CIM steps, in schedule order (the layers of an EvalResult). */
export const cimLayerNames = (exe: Executable): string[] => exe.steps.flatMap((s) => (s.kind === 'cim' ? [s.name] : []));

/** Without compareFloat, floatAccuracy and agreement are NaN and layers is empty. */
export function evaluate(exe: Executable, inputs: RtTensor, labels: RtTensor, options: EvaluateOptions = {}): EvalResult {
  const compareFloat = options.compareFloat ?? true;
  const b = planBatching(exe, inputs.shape, 'inputs');
  const y = labelsFor(labels, b.count);
  const n = Math.min(b.count, options.limit ?? Infinity);
  const source = tensorSamples(inputs);
  const tally = new EvalTally(cimLayerNames(exe), y, compareFloat);
  for (let c = 0; c < chunkCount(b, n); c++) {
    const chunk = readChunk(b, source, c, n);
    tally.add(chunk.from, evaluateChunk(exe, b, chunk, compareFloat));
    options.onSample?.(chunk.from + chunk.real, n);
  }
  return tally.result();
}
