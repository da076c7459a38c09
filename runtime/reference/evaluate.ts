/** Accuracy of a plan's CIM path against its float path, with per-layer output SQNR. */
import { execute, type Executable } from './executor.js';
import { labelsFor, sampleBatch } from '../batch.js';
import { argmax, toFloat32, type RtTensor } from '../../base/rt-tensor.js';

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

/** Without compareFloat, floatAccuracy and agreement are NaN and layers is empty. */
export function evaluate(exe: Executable, inputs: RtTensor, labels: RtTensor, options: EvaluateOptions = {}): EvalResult {
  const compareFloat = options.compareFloat ?? true;
  const batch = sampleBatch(exe.inputs, inputs, 'inputs');
  const y = labelsFor(labels, batch.count);
  const n = Math.min(batch.count, options.limit ?? Infinity);
  const input = batch.input;
  const cimLayers = exe.steps.filter((s) => s.kind === 'cim').map((s) => (s.kind === 'cim' ? s.output : ''));
  const signal = new Map<string, number>(cimLayers.map((l) => [l, 0]));
  const noise = new Map<string, number>(cimLayers.map((l) => [l, 0]));
  const outName = exe.outputs[0].name;
  let correct = 0;
  let floatCorrect = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const sample = batch.sample(i);
    const floatValues = new Map<string, Float32Array>();
    const fout = compareFloat ? execute(exe, { [input.name]: sample }, { float: true, observe: (name, v) => { if (signal.has(name)) floatValues.set(name, toFloat32(v)); } }) : undefined;
    const cout = execute(exe, { [input.name]: sample }, {
      observe: (name, v) => {
        const ref = floatValues.get(name);
        if (!ref) return;
        const got = toFloat32(v);
        let s = 0;
        let e = 0;
        for (let k = 0; k < ref.length; k++) { const r = ref[k]; const d = r - got[k]; s += r * r; e += d * d; }
        signal.set(name, signal.get(name)! + s);
        noise.set(name, noise.get(name)! + e);
      },
    });
    const co = toFloat32(cout[outName]);
    const pc = argmax(co, 0, co.length);
    const pf = fout ? argmax(toFloat32(fout[outName]), 0, co.length) : -1;
    if (pc === y[i]) correct++;
    if (pf === y[i]) floatCorrect++;
    if (pc === pf) agree++;
    options.onSample?.(i + 1, n);
  }
  const names = new Map(exe.steps.flatMap((s) => (s.kind === 'cim' ? [[s.output, s.name] as const] : [])));
  return {
    accuracy: correct / n,
    floatAccuracy: compareFloat ? floatCorrect / n : NaN,
    agreement: compareFloat ? agree / n : NaN,
    samples: n,
    layers: !compareFloat ? [] : cimLayers.map((l) => ({ name: names.get(l)!, sqnrDb: noise.get(l)! === 0 ? Infinity : 10 * Math.log10(signal.get(l)! / noise.get(l)!) })),
  };

}
