/**
 * Top-1 predictions of a plan on the sweep's samples, on either engine, with the loops of
 * `cimc eval` (runtime/reference/evaluate.ts, runtime/ort-engine/evaluate-ort.ts), so a point's
 * accuracy is the number `cimc eval --limit N` prints for its plan. The float path is run once
 * per sweep (the baseline) and every point runs only its CIM path.
 */
import type { LoadedPlan } from '../../plan/reader.js';
import { argmax, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import { labelsFor, sampleBatch } from '../../runtime/batch.js';
import { executableFromPlan, execute } from '../../runtime/reference/executor.js';

export type Engine = 'ref' | 'ort';

export interface EvalData {
  inputs: RtTensor;
  labels: RtTensor;
  limit?: number;
}

/** Predictions of the first `limit` samples (CIM path, or float with `float`). */
export async function predictions(loaded: LoadedPlan, data: EvalData, engine: Engine, float = false): Promise<number[]> {
  const batch = sampleBatch(loaded.plan.inputs, data.inputs, 'inputs');
  labelsFor(data.labels, batch.count);
  const n = Math.min(batch.count, data.limit ?? Infinity);
  const out: number[] = [];
  const outName = loaded.plan.outputs[0].name;
  if (engine === 'ref') {
    const exe = executableFromPlan(loaded);
    for (let i = 0; i < n; i++) out.push(argmax(toFloat32(execute(exe, { [batch.input.name]: batch.sample(i) }, { float })[outName])));
    return out;
  }
  const { OrtEngine } = await import('../../runtime/ort-engine/index.js');
  const session = await OrtEngine.create(loaded, { float, intraOpNumThreads: 1 });
  try {
    for (let i = 0; i < n; i++) out.push(argmax(toFloat32((await session.run({ [batch.input.name]: batch.sample(i) }))[outName])));
  } finally {
    await session.release();
  }
  return out;
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
