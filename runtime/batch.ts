/**
 * Batching along the first axis (run, eval, both engines). N samples [N, …sample] run through a
 * plan compiled for batch B (its one input [B, …sample]) in chunks of B: chunk c holds samples
 * c·B … min(N, (c+1)·B) − 1, the last one padded to B with copies of its last sample, and the
 * padded samples' outputs are dropped. Samples are read a chunk at a time (`SampleSource`: a
 * tensor, or an .npy file by byte offset), so a run holds only the chunks under way.
 */
import { CimcError } from '../base/diagnostics.js';
import type { NpyRows } from '../base/npy.js';
import type { PlanValue } from '../plan/types.js';
import { makeTensor, toFloat32, toNumbers, type RtTensor } from '../base/rt-tensor.js';

/** Samples along the first axis, read a range at a time. */
export interface SampleSource {
  /** [N, …sample]. */
  readonly shape: readonly number[];
  /** Samples [from, to) as float32, flat. */
  read(from: number, to: number): Float32Array;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The samples of a tensor held in memory. */
export function tensorSamples(t: RtTensor): SampleSource {
  let x: Float32Array | undefined;
  const per = t.shape.length > 0 ? sizeOf(t.shape.slice(1)) : 1;
  return { shape: t.shape, read: (from, to) => (x ??= toFloat32(t)).slice(from * per, to * per) };
}

/** The samples of an .npy file, read by rows (base/npy.ts openNpyRows). */
export function npySamples(rows: NpyRows): SampleSource {
  return { shape: rows.shape, read: (from, to) => toFloat32(rows.read(from, to)) };
}

/** How a plan's one input and its outputs split into samples. */
export interface PlanBatching {
  input: PlanValue;
  /** B: samples per run (the input's first dimension). */
  batch: number;
  /** Elements of one sample of the input. */
  sampleSize: number;
  /** Samples in the data. */
  count: number;
}

/**
 * Elements per sample of a value of `shape` in a batch-B run: a value leading with B holds B
 * samples along its first axis; in a batch-1 plan any value is the one sample's. Otherwise
 * undefined: the value cannot be split by sample.
 */
export function elementsPerSample(shape: readonly number[], batch: number): number | undefined {
  if (shape.length > 0 && shape[0] === batch) return sizeOf(shape) / batch;
  return batch === 1 ? sizeOf(shape) : undefined;
}

/**
 * Checks the plan (one input; with B > 1, outputs that lead with B) and that `dataShape` is
 * [N, …] of its input's sample shape; `what` names the data in the error.
 */
export function planBatching(plan: { inputs: readonly PlanValue[]; outputs: readonly PlanValue[] }, dataShape: readonly number[], what = 'input'): PlanBatching {
  if (plan.inputs.length !== 1) throw new CimcError('CIM4004', `the plan has ${plan.inputs.length} inputs; batch runs need exactly one`);
  const input = plan.inputs[0];
  const batch = input.shape[0];
  if (input.shape.length === 0 || !(batch >= 1)) throw new CimcError('CIM4004', `the plan's input '${input.name}' has shape [${input.shape.join(',')}]: batch runs need a first (batch) axis`);
  plan.outputs.forEach((o, k) => {
    if (elementsPerSample(o.shape, batch) === undefined) {
      throw new CimcError('CIM4004', `output '${o.name}' has shape [${o.shape.join(',')}]: in a plan compiled for batch ${batch} every output must lead with the batch to be split by sample`, { field: `/outputs/${k}` });
    }
  });
  const perSample = input.shape.slice(1);
  if (dataShape.length !== input.shape.length || dataShape.slice(1).some((d, i) => d !== perSample[i])) {
    throw new CimcError('CIM4004', `${what} ${what.endsWith('s') ? 'have' : 'has'} shape [${dataShape.join(',')}], expected [N,${perSample.join(',')}]`);
  }
  return { input, batch, sampleSize: sizeOf(perSample), count: dataShape[0] };
}

/** One run's worth of samples: `real` of them from `from` on, padded to the plan's batch. */
export interface Chunk {
  index: number;
  from: number;
  real: number;
  /** [B, …sample], flat. */
  data: Float32Array;
}

/** Chunks of the first `count` samples (count ≤ N). */
export const chunkCount = (b: PlanBatching, count: number): number => Math.ceil(count / b.batch);

/** Chunk `index` of the first `count` samples, padded with copies of its last sample. */
export function readChunk(b: PlanBatching, source: SampleSource, index: number, count: number): Chunk {
  const from = index * b.batch;
  const real = Math.min(b.batch, count - from);
  const read = source.read(from, from + real);
  if (real === b.batch) return { index, from, real, data: read };
  const data = new Float32Array(b.batch * b.sampleSize);
  data.set(read);
  const last = read.subarray((real - 1) * b.sampleSize);
  for (let i = real; i < b.batch; i++) data.set(last, i * b.sampleSize);
  return { index, from, real, data };
}

/** The first `real` samples' part of a value of `shape` from one chunk (all of it when not split by sample). */
export function realRows(value: Float32Array, shape: readonly number[], batch: number, real: number): Float32Array {
  const per = elementsPerSample(shape, batch);
  return per === undefined ? value : value.subarray(0, real * per);
}

/** One output's samples, chunk by chunk, stacked into [N, …] (a batch-1 plan's [1, …rest] → [N, …rest]). */
export class OutputStack {
  private readonly parts: Float32Array[] = [];
  private readonly perSample: number;
  constructor(private readonly shape: readonly number[], private readonly batch: number) {
    this.perSample = elementsPerSample(shape, batch)!;
  }
  /** Appends a chunk's value (of the plan's shape); only its real samples are kept. */
  add(value: Float32Array, real: number): void {
    this.parts.push(value.slice(0, real * this.perSample));
  }
  tensor(): RtTensor {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const flat = new Float32Array(total);
    let at = 0;
    for (const p of this.parts) { flat.set(p, at); at += p.length; }
    const rest = this.shape[0] === this.batch ? this.shape.slice(1) : this.shape;
    return makeTensor('float32', [total / this.perSample, ...rest], flat);
  }
}

/**
 * Runs `count` jobs, at most `inFlight` under way (a finished job makes room at once, whatever
 * its place), and hands their results to `take` in job order; a job's error is raised when its
 * turn comes, as a loop would raise it, and no job starts after that.
 */
export function inOrder<R>(count: number, inFlight: number, start: (i: number) => Promise<R>, take: (i: number, r: R) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const finished = new Map<number, { ok: true; value: R } | { ok: false; error: unknown }>();
    let next = 0;
    let taken = 0;
    let running = 0;
    let stopped = false;
    const stop = (e: unknown) => { stopped = true; reject(e); };
    const pump = (): void => {
      while (!stopped && finished.has(taken)) {
        const r = finished.get(taken)!;
        finished.delete(taken);
        if (!r.ok) return stop(r.error);
        try { take(taken, r.value); } catch (e) { return stop(e); }
        taken++;
      }
      if (stopped) return;
      if (taken === count) return resolve();
      while (next < count && running < inFlight) {
        const i = next++;
        running++;
        let p: Promise<R>;
        try { p = start(i); } catch (e) { p = Promise.reject(e); }
        p.then((value) => { running--; finished.set(i, { ok: true, value }); pump(); }, (error: unknown) => { running--; finished.set(i, { ok: false, error }); pump(); });
      }
    };
    pump();
  });
}

export interface SampleBatch {
  /** The plan's one input. */
  input: PlanValue;
  /** Samples in the batch. */
  count: number;
  /** Sample i as a tensor of the plan's input shape. */
  sample(i: number): RtTensor;
}

/** Sample by sample, for batch-1 plans (the sweep's predictions): checks `batch` is [N, …] of the plan's input. */
export function sampleBatch(inputs: readonly PlanValue[], batch: RtTensor, what = 'input'): SampleBatch {
  if (inputs.length !== 1) throw new CimcError('CIM4004', `the plan has ${inputs.length} inputs; batch runs need exactly one`);
  const input = inputs[0];
  const perSample = input.shape.slice(1);
  if (input.shape[0] !== 1) throw new CimcError('CIM4004', `the plan's input '${input.name}' has batch ${input.shape[0]}; compile with batch 1 to run batches`);
  if (batch.shape.length !== input.shape.length || batch.shape.slice(1).some((d, i) => d !== perSample[i])) {
    throw new CimcError('CIM4004', `${what} ${what.endsWith('s') ? 'have' : 'has'} shape [${batch.shape.join(',')}], expected [N,${perSample.join(',')}]`);
  }
  const size = perSample.reduce((a, b) => a * b, 1);
  const x = toFloat32(batch);
  return { input, count: batch.shape[0], sample: (i) => makeTensor('float32', input.shape, x.slice(i * size, (i + 1) * size)) };
}

/** Class labels [N] (int64/int32/uint8) as numbers. */
export function labelsFor(labels: RtTensor, count: number): number[] {
  const y = toNumbers(labels);
  if (labels.shape.length !== 1 || y.length !== count) {
    throw new CimcError('CIM4004', `labels have shape [${labels.shape.join(',')}], expected [${count}]`);
  }
  return y;
}

/** Per-sample outputs (each of shape [1, …rest]) stacked into [N, …rest]. */
export function stackSamples(parts: readonly Float32Array[], sampleShape: readonly number[]): RtTensor {
  const rest = sampleShape.slice(1);
  const flat = new Float32Array(parts.length * rest.reduce((a, b) => a * b, 1));
  parts.forEach((a, i) => flat.set(a, i * a.length));
  return makeTensor('float32', [parts.length, ...rest], flat);
}
