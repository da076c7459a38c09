/** Accuracy of a plan's CIM path against its float path, with per-layer output SQNR. */
import { CimcError } from '../compiler/diagnostics.js';
import { execute, type Executable } from './executor.js';
import { makeTensor, toFloat32, toNumbers, type RtTensor } from './tensor.js';

export interface EvalResult {
  accuracy: number;
  floatAccuracy: number;
  agreement: number;
  samples: number;
  layers: { name: string; sqnrDb: number }[];
}

function argmax(a: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (a[i] > a[best]) best = i;
  return best - from;
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
  if (exe.inputs.length !== 1) throw new CimcError('CIM4004', `the plan has ${exe.inputs.length} inputs; eval needs exactly one`);
  const input = exe.inputs[0];
  const per = input.shape.slice(1);
  if (input.shape[0] !== 1 || inputs.shape.length !== input.shape.length || inputs.shape.slice(1).some((d, i) => d !== per[i])) {
    throw new CimcError('CIM4004', `inputs have shape [${inputs.shape.join(',')}], the plan expects [N,${per.join(',')}] (compiled with batch 1)`);
  }
  const y = toNumbers(labels);
  if (labels.shape.length !== 1 || y.length !== inputs.shape[0]) {
    throw new CimcError('CIM4004', `labels have shape [${labels.shape.join(',')}], expected [${inputs.shape[0]}]`);
  }
  const n = Math.min(inputs.shape[0], options.limit ?? Infinity);
  const size = per.reduce((a, b) => a * b, 1);
  const x = toFloat32(inputs);
  const cimLayers = exe.steps.filter((s) => s.kind === 'cim').map((s) => (s.kind === 'cim' ? s.output : ''));
  const signal = new Map<string, number>(cimLayers.map((l) => [l, 0]));
  const noise = new Map<string, number>(cimLayers.map((l) => [l, 0]));
  const outName = exe.outputs[0].name;
  let correct = 0;
  let floatCorrect = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const sample = makeTensor('float32', input.shape, x.slice(i * size, (i + 1) * size));
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
