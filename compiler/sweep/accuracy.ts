/**
 * Top-1 predictions of a plan on the sweep's samples, on either engine, with the loops of
 * `cimc eval` (runtime/reference/evaluate.ts, runtime/ort-engine/evaluate-ort.ts), so a point's
 * accuracy is the number `cimc eval --limit N` prints for its plan. The float path is run once
 * per sweep (the baseline) and every point runs only its CIM path.
 */
import type { LoadedPlan } from '../../plan/reader.js';
import type { RtTensor } from '../../base/rt-tensor.js';
import { chunkCount, labelsFor, planBatching, readChunk, tensorSamples } from '../../runtime/batch.js';
import { executableFromPlan, runChunk } from '../../runtime/reference/executor.js';
import { chunkPredictions } from '../../runtime/reference/evaluate.js';

export type Engine = 'ref' | 'ort';

export interface EvalData {
  inputs: RtTensor;
  labels: RtTensor;
  limit?: number;
}

/**
 * Predictions of the first `limit` samples (CIM path, or float with `float`), a chunk of the
 * plan's batch at a time as `cimc eval` runs them (runtime/batch.ts), so batch-N plans too.
 */
export async function predictions(loaded: LoadedPlan, data: EvalData, engine: Engine, float = false): Promise<number[]> {
  const b = planBatching(loaded.plan, data.inputs.shape, 'inputs');
  labelsFor(data.labels, b.count);
  const n = Math.min(b.count, data.limit ?? Infinity);
  const source = tensorSamples(data.inputs);
  const out = loaded.plan.outputs[0];
  const chunks = chunkCount(b, n);
  const result: number[] = [];
  const take = (value: Float32Array, real: number) => result.push(...chunkPredictions(value, out.shape, b.batch, real));
  if (engine === 'ref') {
    const exe = executableFromPlan(loaded);
    for (let c = 0; c < chunks; c++) {
      const chunk = readChunk(b, source, c, n);
      take(runChunk(exe, b, chunk, { float })[0], chunk.real);
    }
    return result;
  }
  const { OrtEngine } = await import('../../runtime/ort-engine/index.js');
  const { runChunkOrt } = await import('../../runtime/ort-engine/evaluate-ort.js');
  const session = await OrtEngine.create(loaded, { float, intraOpNumThreads: 1 });
  try {
    for (let c = 0; c < chunks; c++) {
      const chunk = readChunk(b, source, c, n);
      take((await runChunkOrt(session, loaded, b, chunk))[0], chunk.real);
    }
  } finally {
    await session.release();
  }
  return result;
}

export interface Accuracy {
  accuracy: number;
  floatAccuracy: number;
  agreement: number;
  samples: number;
}

export function accuracyOf(cim: readonly number[], float: readonly number[], labels: RtTensor): Accuracy {
  const y = labelsFor(labels, Number(labels.shape[0]));
  const n = cim.length;
  let correct = 0;
  let floatCorrect = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (cim[i] === y[i]) correct++;
    if (float[i] === y[i]) floatCorrect++;
    if (cim[i] === float[i]) agree++;
  }
  return { accuracy: correct / n, floatAccuracy: floatCorrect / n, agreement: agree / n, samples: n };
}
