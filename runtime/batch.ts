/** Batches along the first axis for plans compiled with batch 1 (run, eval, both engines). */
import { CimcError } from '../base/diagnostics.js';
import type { PlanValue } from '../plan/types.js';
import { makeTensor, toFloat32, toNumbers, type RtTensor } from '../base/rt-tensor.js';

export interface SampleBatch {
  /** The plan's one input. */
  input: PlanValue;
  /** Samples in the batch. */
  count: number;
  /** Sample i as a tensor of the plan's input shape. */
  sample(i: number): RtTensor;
}

/** Checks that `batch` is [N, …] of the plan's single batch-1 input and hands out its samples. */
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
