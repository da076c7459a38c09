/**
 * One-node ONNX models for checking runtime kernels against onnxruntime.
 *
 *   const err = await checkOp('Conv', [input('X', [1, 3, 8, 8]), input('W', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
 *
 * builds a model with one node, feeds seeded random inputs to onnxruntime and to the runtime
 * kernel, and compares every output: same dtype and shape, exact for integer/bool outputs,
 * max |ours − ref| ≤ tol·max(1, max |ref|) for floats. Returns the worst relative error.
 *
 * Attribute values: a plain number is an INT, number[] INTS, string STRING, string[] STRINGS,
 * { float } FLOAT, { floats } FLOATS, { tensor } TENSOR.
 */
import onnxProto from 'onnx-proto';
import { uniformSource } from '../../base/random.js';
import * as ort from 'onnxruntime-node';
import { digitalKernels } from '../../runtime/reference/ops/index.js';
import type { RtAttr } from '../../runtime/reference/ops/types.js';
import { makeTensor, type RtData, type RtDType, type RtTensor } from '../../base/rt-tensor.js';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;

export const onnxCode: Record<RtDType, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float64: 11, uint4: 21, int4: 22,
};

export type TestAttr =
  | number | number[] | string | string[]
  | { float: number } | { floats: number[] } | { tensor: RtTensor };

export interface OpInput {
  name: string;
  dtype: RtDType;
  shape: number[];
  /** Fixed values; otherwise seeded uniform values in `range`. */
  data?: ArrayLike<number | bigint>;
  /** Range of random values (default [-1, 1); integer types draw integers in [lo, hi)). */
  range?: [number, number];
}

export interface OpOutput {
  name: string;
  dtype?: RtDType;
}

/** A seeded PRNG giving floats in [0, 1) (the runtime's own). */
export const seeded = uniformSource;

export const input = (name: string, shape: number[], extra: Partial<OpInput> = {}): OpInput => ({ name, dtype: 'float32', shape, ...extra });
export const ints = (name: string, values: number[], dtype: RtDType = 'int64'): OpInput => ({ name, dtype, shape: [values.length], data: values });
export const floats = (name: string, values: number[], shape: number[] = [values.length]): OpInput => ({ name, dtype: 'float32', shape, data: values });
export const scalar = (name: string, value: number, dtype: RtDType = 'int64'): OpInput => ({ name, dtype, shape: [], data: [value] });

const irVersionByOpset: [number, number][] = [[8, 3], [9, 4], [10, 5], [11, 6], [14, 7], [18, 8], [20, 9], [22, 10], [99, 11]];

/** A tensor as ONNX raw data: 4-bit values packed two per byte, the first in the low nibble. */
export function tensorProto(t: RtTensor, name?: string): onnxProto.onnx.ITensorProto {
  if (t.dtype === 'int4' || t.dtype === 'uint4') {
    const packed = new Uint8Array(Math.ceil(t.data.length / 2));
    for (let i = 0; i < t.data.length; i++) packed[i >> 1] |= (Number(t.data[i]) & 15) << (4 * (i & 1));
    return { name, dims: [...t.shape], dataType: onnxCode[t.dtype], rawData: packed };
  }
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { name, dims: [...t.shape], dataType: onnxCode[t.dtype], rawData: bytes };
}

function attribute(name: string, a: TestAttr): onnxProto.onnx.IAttributeProto {
  if (typeof a === 'number') return { name, type: AT.INT, i: a };
  if (typeof a === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(a) };
  if (Array.isArray(a)) {
    if (a.every((v): v is string => typeof v === 'string')) return { name, type: AT.STRINGS, strings: a.map((s) => new TextEncoder().encode(s)) };
    return { name, type: AT.INTS, ints: a as number[] };
  }
  if ('float' in a) return { name, type: AT.FLOAT, f: a.float };
  if ('floats' in a) return { name, type: AT.FLOATS, floats: a.floats };
  return { name, type: AT.TENSOR, t: tensorProto(a.tensor) };
}

/** The attribute as the plan carries it (floats as float32 values, tensors decoded). */
function runtimeAttr(a: TestAttr): RtAttr {
  if (typeof a === 'number' || typeof a === 'string' || Array.isArray(a)) return a as RtAttr;
  if ('float' in a) return Math.fround(a.float);
  if ('floats' in a) return a.floats.map(Math.fround);
  return a.tensor;
}

/** Serialized one-node model; inputs given as null are omitted (''). */
export function singleOpModel(
  opType: string, inputs: (OpInput | null)[], outputs: OpOutput[], attrs: Record<string, TestAttr>, opset: number,
): Uint8Array {
  const irVersion = irVersionByOpset.find(([max]) => opset <= max)![1];
  const valueInfo = (name: string, dtype?: RtDType, shape?: number[]): onnxProto.onnx.IValueInfoProto => (dtype ? {
    name,
    type: { tensorType: { elemType: onnxCode[dtype], ...(shape ? { shape: { dim: shape.map((d) => ({ dimValue: d })) } } : {}) } },
  } : { name });
  const model: onnxProto.onnx.IModelProto = {
    irVersion,
    producerName: 'cimc-test',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'single',
      node: [{
        name: 'node', opType, input: inputs.map((i) => i?.name ?? ''), output: outputs.map((o) => o.name),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }],
      input: inputs.filter((i): i is OpInput => i !== null).map((i) => valueInfo(i.name, i.dtype, i.shape)),
      output: outputs.map((o) => valueInfo(o.name, o.dtype)),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Seeded data for an input spec. */
export function materialize(spec: OpInput, seed: number): RtTensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const rnd = seeded(seed);
  const [lo, hi] = spec.range ?? (spec.dtype === 'bool' ? [0, 2] : spec.dtype === 'float32' || spec.dtype === 'float64' ? [-1, 1] : [-5, 5]);
  const value = (i: number): number => {
    if (spec.data) return Number(spec.data[i]);
    const u = lo + (hi - lo) * rnd();
    return spec.dtype === 'float32' || spec.dtype === 'float64' ? u : Math.floor(u);
  };
  let data: RtData;
  switch (spec.dtype) {
    case 'float32': data = Float32Array.from({ length: n }, (_, i) => value(i)); break;
    case 'float64': data = Float64Array.from({ length: n }, (_, i) => value(i)); break;
    case 'int64': data = BigInt64Array.from({ length: n }, (_, i) => BigInt(value(i))); break;
    case 'int32': data = Int32Array.from({ length: n }, (_, i) => value(i)); break;
    case 'int16': data = Int16Array.from({ length: n }, (_, i) => value(i)); break;
    case 'uint16': data = Uint16Array.from({ length: n }, (_, i) => value(i)); break;
    case 'int8': case 'int4': data = Int8Array.from({ length: n }, (_, i) => value(i)); break;
    case 'uint8': case 'uint4': data = Uint8Array.from({ length: n }, (_, i) => value(i)); break;
    case 'bool': data = Uint8Array.from({ length: n }, (_, i) => (value(i) ? 1 : 0)); break;
  }
  return makeTensor(spec.dtype, spec.shape, data);
}

// onnxruntime-node 1.30 cannot return int4/uint4 outputs (it aborts the process): cast them in the model.
const ortType: Record<RtDType, ort.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int4: 'int4', uint4: 'uint4', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16',
  int32: 'int32', int64: 'int64', bool: 'bool',
};

const rtTypeOfOrt: Record<string, RtDType> = {
  float32: 'float32', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', int64: 'int64', bool: 'bool',
};

export async function runModel(bytes: Uint8Array, feeds: Record<string, RtTensor>): Promise<Record<string, RtTensor>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(ortType[t.dtype], t.data as ort.Tensor.DataType, [...t.shape]);
    }
    const results = await session.run(ortFeeds);
    const out: Record<string, RtTensor> = {};
    for (const name of session.outputNames) {
      const r = results[name];
      const dtype = rtTypeOfOrt[r.type];
      if (!dtype) throw new Error(`output ${name} has type ${r.type}`);
      out[name] = makeTensor(dtype, [...r.dims], r.data as RtData);
    }
    return out;
  } finally {
    await session.release();
  }
}

export interface CheckOptions {
  opset?: number;
  /** Output names (default ['Y']); give several for multi-output ops. */
  outputs?: string[];
  /** Relative float tolerance (default 1e-5). */
  tol?: number;
  seed?: number;
}

/** Largest |a − b| / max(1, max |a|) (a = reference); NaN must match NaN; Infinity otherwise. */
export function relError(ref: ArrayLike<number | bigint>, got: ArrayLike<number | bigint>): number {
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const x = Number(ref[i]), y = Number(got[i]);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    if (Number.isFinite(x)) maxRef = Math.max(maxRef, Math.abs(x));
    if (x === y) continue;
    const d = Math.abs(x - y);
    if (!Number.isFinite(d)) return Infinity;
    maxDiff = Math.max(maxDiff, d);
  }
  return maxDiff / Math.max(1, maxRef);
}

/** Builds, runs and compares one op; throws with details on a mismatch; returns the worst error. */
export async function checkOp(
  opType: string, inputs: (OpInput | null)[], attrs: Record<string, TestAttr> = {}, options: CheckOptions = {},
): Promise<number> {
  const opset = options.opset ?? 17;
  const outputNames = options.outputs ?? ['Y'];
  const seed = options.seed ?? 1;
  const tensors = inputs.map((spec, i) => (spec ? materialize(spec, seed * 1000 + i) : undefined));
  const feeds: Record<string, RtTensor> = {};
  inputs.forEach((spec, i) => { if (spec) feeds[spec.name] = tensors[i]!; });
  const bytes = singleOpModel(opType, inputs, outputNames.map((name) => ({ name })), attrs, opset);
  const reference = await runModel(bytes, feeds);
  const kernel = digitalKernels[opType];
  if (!kernel) throw new Error(`no kernel for ${opType}`);
  const rtAttrs: Record<string, RtAttr> = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, runtimeAttr(v)]));
  const ours = kernel(tensors, rtAttrs, { node: 'node', opset, opType, outputCount: outputNames.length });
  let worst = 0;
  outputNames.forEach((name, k) => {
    const ref = reference[name], got = ours[k];
    const where = `${opType} opset ${opset} output ${name}`;
    if (!got) throw new Error(`${where}: kernel produced no output ${k}`);
    if (got.dtype !== ref.dtype) throw new Error(`${where}: dtype ${got.dtype}, onnxruntime ${ref.dtype}`);
    if (got.shape.join(',') !== ref.shape.join(',')) throw new Error(`${where}: shape [${got.shape}], onnxruntime [${ref.shape}]`);
    const isFloat = ref.dtype === 'float32' || ref.dtype === 'float64';
    const err = relError(ref.data, got.data);
    const tol = isFloat ? options.tol ?? 1e-5 : 0;
    if (!(err <= tol)) {
      let at = 0;
      for (let i = 0; i < ref.data.length; i++) if (Number(ref.data[i]) !== Number(got.data[i]) && !(Number.isNaN(Number(ref.data[i])) && Number.isNaN(Number(got.data[i])))) { at = i; break; }
      throw new Error(`${where}: error ${err} > ${tol}; first difference at ${at}: onnxruntime ${ref.data[at]}, ours ${got.data[at]}`);
    }
    if (isFloat) worst = Math.max(worst, err);
  });
  return worst;
}
