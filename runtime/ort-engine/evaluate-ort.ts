/**
 * `evaluate()` (runtime/evaluate.ts) on the ORT engine: top-1 accuracy of the CIM path and the
 * float path, their agreement and per-layer SQNR, with the same result shape. Two sessions (CIM
 * and float) each expose every CIM layer's output as an extra graph output.
 */
import { CimcError } from '../../compiler/diagnostics.js';
import type { EvalResult } from '../evaluate.js';
import type { LoadedPlan } from '../plan-reader.js';
import { makeTensor, toFloat32, toNumbers, type RtTensor } from '../tensor.js';
import type { VariationSpec } from '../variation.js';
import { OrtEngine } from './session.js';

export interface EvaluateOrtOptions {
  limit?: number;
  onSample?(i: number, n: number): void;
  variation?: VariationSpec;
  intraOpNumThreads?: number;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

export async function evaluateOrt(loaded: LoadedPlan, inputs: RtTensor, labels: RtTensor, options: EvaluateOrtOptions = {}): Promise<EvalResult> {
  const { plan } = loaded;
  if (plan.inputs.length !== 1) throw new CimcError('CIM4004', `the plan has ${plan.inputs.length} inputs; eval needs exactly one`);
  const input = plan.inputs[0];
  const per = input.shape.slice(1);
  if (input.shape[0] !== 1 || inputs.shape.length !== input.shape.length || inputs.shape.slice(1).some((d, i) => d !== per[i])) {
    throw new CimcError('CIM4004', `inputs have shape [${inputs.shape.join(',')}], the plan expects [N,${per.join(',')}] (compiled with batch 1)`);
  }
  const y = toNumbers(labels);
  if (labels.shape.length !== 1 || y.length !== inputs.shape[0]) {
    throw new CimcError('CIM4004', `labels have shape [${labels.shape.join(',')}], expected [${inputs.shape[0]}]`);
  }
  const cimSteps = plan.schedule.filter((s) => s.kind === 'cim');
  const layerOutputs = cimSteps.map((s) => s.outputs[0]);
  const outName = plan.outputs[0].name;
  const common = { extraOutputs: layerOutputs, intraOpNumThreads: options.intraOpNumThreads };
  const cim = await OrtEngine.create(loaded, { ...common, variation: options.variation });
  const flt = await OrtEngine.create(loaded, { ...common, float: true });
  try {
    const n = Math.min(inputs.shape[0], options.limit ?? Infinity);
    const size = per.reduce((a, b) => a * b, 1);
    const x = toFloat32(inputs);
    const signal = new Float64Array(layerOutputs.length);
    const noise = new Float64Array(layerOutputs.length);
    let correct = 0;
    let floatCorrect = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const feeds = { [input.name]: makeTensor('float32', input.shape, x.slice(i * size, (i + 1) * size)) };
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
