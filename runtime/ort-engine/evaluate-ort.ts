/**
 * `evaluate()` (runtime/reference/evaluate.ts) on the ORT engine: top-1 accuracy of the CIM path and the
 * float path, their agreement and per-layer SQNR, with the same result shape. Two sessions (CIM
 * and float) each expose every CIM layer's output as an extra graph output.
 */
import { labelsFor, sampleBatch } from '../batch.js';
import type { EvalResult } from '../reference/evaluate.js';
import type { LoadedPlan } from '../../plan/reader.js';
import { argmax, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import type { VariationSpec } from '../reference/variation.js';
import { OrtEngine } from './session.js';

export interface EvaluateOrtOptions {
  limit?: number;
  onSample?(i: number, n: number): void;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
}

export async function evaluateOrt(loaded: LoadedPlan, inputs: RtTensor, labels: RtTensor, options: EvaluateOrtOptions = {}): Promise<EvalResult> {
  const { plan } = loaded;
  const batch = sampleBatch(plan.inputs, inputs, 'inputs');
  const y = labelsFor(labels, batch.count);
  const cimSteps = plan.schedule.filter((s) => s.kind === 'cim');
  const layerOutputs = cimSteps.map((s) => s.outputs[0]);
  const outName = plan.outputs[0].name;
  const common = { extraOutputs: layerOutputs, intraOpNumThreads: options.intraOpNumThreads };
  const cim = await OrtEngine.create(loaded, { ...common, variation: options.variation });
  const flt = await OrtEngine.create(loaded, { ...common, float: true });
  try {
    const n = Math.min(batch.count, options.limit ?? Infinity);
    const signal = new Float64Array(layerOutputs.length);
    const noise = new Float64Array(layerOutputs.length);
    let correct = 0;
    let floatCorrect = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const feeds = { [batch.input.name]: batch.sample(i) };
      const fout = await flt.run(feeds);
      const cout = await cim.run(feeds);
      layerOutputs.forEach((name, k) => {
        const ref = toFloat32(fout[name]);
        const got = toFloat32(cout[name]);
        let s = 0;
        let e = 0;
        for (let j = 0; j < ref.length; j++) { const r = ref[j]; const d = r - got[j]; s += r * r; e += d * d; }
        signal[k] += s;
        noise[k] += e;
      });
      const pf = argmax(toFloat32(fout[outName]));
      const pc = argmax(toFloat32(cout[outName]));
      if (pc === y[i]) correct++;
      if (pf === y[i]) floatCorrect++;
      if (pc === pf) agree++;
      options.onSample?.(i + 1, n);
    }
    return {
      accuracy: correct / n,
      floatAccuracy: floatCorrect / n,
      agreement: agree / n,
      samples: n,
      layers: cimSteps.map((s, k) => ({ name: s.name, sqnrDb: noise[k] === 0 ? Infinity : 10 * Math.log10(signal[k] / noise[k]) })),
    };
  } finally {
    await cim.release();
    await flt.release();
  }
}
