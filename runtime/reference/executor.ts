/** Executes a plan: digital steps in float32, CIM layers with the exact kernel (design §4). */
import { CimcError, isCimcError } from '../../base/diagnostics.js';
import { prepareCimLayer, runCimLayer, type CimForwardOptions, type CimLayerData, type PreparedCimLayer } from './cim-layer.js';
import { lookupKernel } from './ops/index.js';
import type { DigitalKernel, RtAttr } from './ops/types.js';
import type { LoadedPlan, PlanTypedArray } from '../../plan/reader.js';
import type { CimLayer, PlanValue, TensorRef } from '../../plan/types.js';
import { readStepAttrs } from '../../plan/attrs.js';
import { derivedDequantFactors } from '../../plan/dequant-factor.js';
import { fromTypedArray, makeTensor, toFloat32, type RtTensor } from '../../base/rt-tensor.js';
import { cellPerturbation, type VariationSpec } from './variation.js';
import { chunkCount, OutputStack, planBatching, readChunk, tensorSamples, type Chunk, type PlanBatching } from '../batch.js';

export type ExecStep =
  | { kind: 'digital'; name: string; opType: string; inputs: string[]; outputs: string[]; attrs: Record<string, RtAttr>; kernel: DigitalKernel }
  | { kind: 'cim'; name: string; opType: string; input: string; output: string; layer: PreparedCimLayer; outputShape: number[] };

export interface Executable {
  opset: number;
  inputs: PlanValue[];
  outputs: PlanValue[];
  constants: Map<string, RtTensor>;
  steps: ExecStep[];
}

export interface ExecuteOptions extends Pick<CimForwardOptions, 'float'> {
  /** Sees every value as it is produced (per-layer error, calibration). */
  observe?(name: string, value: RtTensor): void;
  /** Per-CIM-layer options (calibration hooks). */
  cimOptions?(layer: string): CimForwardOptions | undefined;
}

type ArrayKind<T> = { new (length: number): T; name: string };

/** The decoded tensor, checked to be of the array kind a field must have. */
function expectKind<T extends PlanTypedArray>(a: PlanTypedArray, kind: ArrayKind<T>, what: string): T {
  if (!(a instanceof kind)) throw new CimcError('CIM4002', `${what} must be ${kind.name.replace('Array', '').toLowerCase()}`);
  return a;
}

/**
 * A plan layer's tensors decoded. A version-3 plan may leave out the dequantization factors
 * (derived here, bit-identical to the compiler's: plan/dequant-factor.ts) and the float weights
 * (taken from `loaded.floatWeights` when supplied; only the float path reads them).
 */
export function cimLayerDataFromPlan(loaded: LoadedPlan, l: CimLayer, index: number): CimLayerData {
  const at = `/layers/${index}`;
  const t = <T extends PlanTypedArray>(ref: TensorRef, what: string, kind: ArrayKind<T>): T => expectKind(loaded.tensor(ref, `${at}/${what}`), kind, `${at}/${what}`);
  const ng = l.geometry.kind === 'conv' ? l.geometry.outChannels / l.geometry.groups : l.geometry.outFeatures;
  const columns = {
    rowTile: t(l.columns.rowTile, 'columns/rowTile', Int32Array),
    outChannel: t(l.columns.outChannel, 'columns/outChannel', Int32Array),
    slice: t(l.columns.slice, 'columns/slice', Int32Array),
    polarity: t(l.columns.polarity, 'columns/polarity', Int32Array),
  };
  const adcStep = t(l.adcStep, 'adcStep', Float64Array);
  const weightScale = t(l.weightScale, 'weightScale', Float64Array);
  return {
    name: l.name,
    geometry: l.geometry,
    bits: l.bits,
    rowTiles: l.rowTiles,
    channelsPerGroup: ng,
    activation: l.activation,
    weightOffset: l.weights.weightOffset,
    columns,
    cells: t(l.cells, 'cells', Uint8Array),
    adcStep,
    dequantFactor: l.dequantFactor
      ? t(l.dequantFactor, 'dequantFactor', Float64Array)
      : derivedDequantFactors({ bits: l.bits, columns, rowTiles: l.rowTiles, channelsPerGroup: ng }, weightScale, adcStep),
    weightScale,
    weightSum: t(l.weightSum, 'weightSum', Int32Array),
    bias: l.bias ? t(l.bias, 'bias', Float32Array) : undefined,
    weightMatrix: l.weightMatrix ? t(l.weightMatrix, 'weightMatrix', Float32Array) : loaded.floatWeights?.get(l.name),
  };
}

export interface LoadOptions {
  variation?: VariationSpec;
}

/** Turns a loaded plan into steps ready to run (tensors decoded, kernels looked up, layers checked). */
export function executableFromPlan(loaded: LoadedPlan, options: LoadOptions = {}): Executable {
  const { plan } = loaded;
  const constants = new Map<string, RtTensor>();
  for (const [name, ref] of Object.entries(plan.constants)) {
    constants.set(name, fromTypedArray(ref.dtype, ref.shape, loaded.tensor(ref, `/constants/${name}`)));
  }
  const steps: ExecStep[] = plan.schedule.map((s, i): ExecStep => {
    if (s.kind === 'cim') {
      const l = plan.layers[s.layer];
      if (!l) throw new CimcError('CIM4002', `step ${s.name} names layer ${s.layer}, the plan has ${plan.layers.length}`, { file: loaded.file, field: `/schedule/${i}/layer` });
      const data = cimLayerDataFromPlan(loaded, l, s.layer);
      const perturb = options.variation && options.variation.sigma > 0 ? cellPerturbation(options.variation, s.layer, l.bits.cell) : undefined;
      let layer: PreparedCimLayer;
      try {
        layer = prepareCimLayer(data, perturb);
      } catch (e) {
        throw isCimcError(e) ? e.inFile(loaded.file) : e;
      }
      return { kind: 'cim', name: s.name, opType: s.opType, input: s.inputs[0], output: s.outputs[0], layer, outputShape: l.geometry.outputShape };
    }
    const kernel = lookupKernel(s.opType, s.domain);
    if (!kernel) {
      throw new CimcError('CIM4005', `no runtime kernel for ${s.domain ? `${s.domain}::` : ''}${s.opType}`, { file: loaded.file, node: s.name, opType: s.opType });
    }
    // The kernels read numbers whatever their kind (INT or FLOAT), so only tensors need decoding.
    const attrs: Record<string, RtAttr> = {};
    for (const [k, a] of Object.entries(readStepAttrs(s, i, loaded.file, loaded.plan.planVersion))) {
      attrs[k] = a.kind === 'tensor' ? fromTypedArray(a.value.dtype, a.value.shape, loaded.tensor(a.value, `/schedule/${i}/attrs/${k}`)) : a.value;
    }
    return { kind: 'digital', name: s.name, opType: s.opType, inputs: s.inputs, outputs: s.outputs, attrs, kernel };
  });
  checkScheduleDataflow(loaded);
  return { opset: plan.model.opset, inputs: plan.inputs, outputs: plan.outputs, constants, steps };
}

/** Every step reads values that exist by then (inputs, constants, earlier outputs); every plan output is produced. */
function checkScheduleDataflow(loaded: LoadedPlan): void {
  const { plan, file } = loaded;
  const available = new Set<string>([...plan.inputs.map((v) => v.name), ...Object.keys(plan.constants)]);
  plan.schedule.forEach((s, i) => {
    s.inputs.forEach((name, k) => {
      if (name && !available.has(name)) {
        throw new CimcError('CIM4002', `step ${s.name} reads '${name}', which no input, constant or earlier step provides`, { file, field: `/schedule/${i}/inputs/${k}` });
      }
    });
    for (const name of s.outputs) if (name) available.add(name);
  });
  plan.outputs.forEach((o, k) => {
    if (!available.has(o.name)) throw new CimcError('CIM4002', `output '${o.name}' is produced by no step`, { file, field: `/outputs/${k}` });
  });
}

function lastUses(exe: Executable): Map<string, number> {
  const last = new Map<string, number>();
  exe.steps.forEach((s, i) => {
    for (const v of s.kind === 'cim' ? [s.input] : s.inputs) if (v) last.set(v, i);
  });
  for (const o of exe.outputs) last.set(o.name, Infinity);
  return last;
}

/** A typed array or buffer larger than the engine can allocate. */
function isAllocationFailure(e: unknown): e is RangeError {
  return e instanceof RangeError && /Invalid typed array length|Array buffer allocation failed|Invalid array length/.test(e.message);
}

/** Runs one inference; feeds must have the plan's input shapes. */
export function execute(exe: Executable, feeds: Record<string, RtTensor>, options: ExecuteOptions = {}): Record<string, RtTensor> {
  const env = new Map<string, RtTensor>(exe.constants);
  for (const input of exe.inputs) {
    const t = feeds[input.name];
    if (!t) throw new CimcError('CIM4004', `missing input '${input.name}'`);
    if (t.shape.length !== input.shape.length || t.shape.some((d, i) => d !== input.shape[i])) {
      throw new CimcError('CIM4004', `input '${input.name}' has shape [${t.shape.join(',')}], the plan was compiled for [${input.shape.join(',')}]`);
    }
    env.set(input.name, t);
  }
  const last = lastUses(exe);
  exe.steps.forEach((s, i) => {
    if (s.kind === 'cim') {
      const x = env.get(s.input);
      if (!x) throw new CimcError('CIM4005', `value '${s.input}' is not available`, { node: s.name });
      const extra = options.cimOptions?.(s.name);
      const y = runCimLayer(s.layer, toFloat32(x), { float: options.float, ...extra });
      const out = makeTensor('float32', s.outputShape, y);
      env.set(s.output, out);
      options.observe?.(s.output, out);
    } else {
      const ins = s.inputs.map((n) => {
        if (!n) return undefined;
        const v = env.get(n);
        if (!v) throw new CimcError('CIM4005', `value '${n}' is not available`, { node: s.name, opType: s.opType });
        return v;
      });
      let outs: (RtTensor | undefined)[];
      try {
        outs = s.kernel(ins, s.attrs, { node: s.name, opset: exe.opset, opType: s.opType, outputCount: s.outputs.length });
      } catch (e) {
        // Attributes of a tampered plan (pads of 2^31) can size a result beyond any typed array.
        if (isAllocationFailure(e)) throw new CimcError('CIM4005', `the result is too large to allocate (${e.message})`, { node: s.name, opType: s.opType });
        throw e;
      }
      s.outputs.forEach((name, k) => {
        if (!name) return;
        const v = outs[k];
        if (!v) throw new CimcError('CIM4005', `kernel produced no output ${k}`, { node: s.name, opType: s.opType });
        env.set(name, v);
        options.observe?.(name, v);
      });
    }
    for (const v of s.kind === 'cim' ? [s.input] : s.inputs) {
      if (v && last.get(v) === i && !exe.constants.has(v)) env.delete(v);
    }
  });
  const result: Record<string, RtTensor> = {};
  for (const o of exe.outputs) result[o.name] = env.get(o.name)!;
  return result;
}

/** Runs one chunk (runtime/batch.ts) and returns each plan output, checked to have its declared shape. */
export function runChunk(exe: Executable, b: PlanBatching, chunk: Chunk, options: ExecuteOptions = {}): Float32Array[] {
  const r = execute(exe, { [b.input.name]: makeTensor('float32', b.input.shape, chunk.data) }, options);
  return exe.outputs.map((o, k) => {
    const y = r[o.name];
    if (y.shape.length !== o.shape.length || y.shape.some((d, j) => d !== o.shape[j])) {
      throw new CimcError('CIM4005', `output '${o.name}' came out [${y.shape.join(',')}], the plan declares [${o.shape.join(',')}]`, { field: `/outputs/${k}` });
    }
    return toFloat32(y);
  });
}

/**
 * Runs N samples along the first axis of the one input, a chunk of the plan's batch at a time
 * (runtime/batch.ts); outputs are stacked to [N, …].
 */
export function executeBatch(exe: Executable, batch: RtTensor, options: ExecuteOptions & { onSample?(i: number, n: number): void } = {}): RtTensor[] {
  const b = planBatching(exe, batch.shape);
  const source = tensorSamples(batch);
  const stacks = exe.outputs.map((o) => new OutputStack(o.shape, b.batch));
  for (let c = 0; c < chunkCount(b, b.count); c++) {
    const chunk = readChunk(b, source, c, b.count);
    runChunk(exe, b, chunk, options).forEach((y, k) => stacks[k].add(y, chunk.real));
    options.onSample?.(chunk.from + chunk.real, b.count);
  }
  return stacks.map((s) => s.tensor());
}
