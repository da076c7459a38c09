/**
 * The one ONNX writer: a plain description of a model → ModelProto bytes (onnx-proto.ts).
 * compiler/onnx/export.ts turns the compiler's IR into this description; the ORT engine
 * (runtime/ort-engine) builds it directly, so the runtime writes ONNX without the compiler.
 *
 * - Initializers are written with raw_data, little-endian; float16/bfloat16 tensors, held
 *   widened in Float32Array (tensor.ts), are rounded back (nearest-even) to their dtype;
 *   strings use string_data.
 * - Value types: dtype and shape, each optional; a dim is a number, a symbolic name
 *   (dim_param) or null (unknown: neither).
 * - Attributes are typed (ONNX checks INT vs FLOAT), subgraphs included.
 * - ir_version is the lowest one that knows the opset imports; below 4 every initializer of the
 *   main graph is listed as a graph input too, as those versions require.
 *
 * The output is deterministic: the same description gives the same bytes (everything is written
 * in the description's own order; no timestamps).
 */
import type onnxProto from 'onnx-proto';
import { onnx } from './onnx-proto.js';
import { dtypeByteSize, hasRawLayout, isPacked4Bit, onnxCodeByDType, pack4Bit, sizeOf, type DType, type Tensor } from './tensor.js';

/** A dimension: a size, a symbolic name (dim_param), or null for unknown. */
export type OnnxDim = number | string | null;

/** A value's name and, when known, its tensor type (either part may be missing). */
export interface OnnxValue {
  readonly name: string;
  /** Absent: the value_info carries no type at all. */
  readonly type?: { readonly dtype?: DType; readonly shape?: readonly OnnxDim[] };
}

export type OnnxAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly kind: 'graph'; readonly value: OnnxGraph }
  | { readonly kind: 'graphs'; readonly value: readonly OnnxGraph[] };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, OnnxAttr>>;
}

export interface OnnxGraph {
  readonly name: string;
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  /** Initializers by name, in the order written. */
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Nodes in a topological order. */
  readonly nodes: readonly OnnxNode[];
  /** Types of intermediate values (ONNX value_info). */
  readonly valueInfo?: readonly OnnxValue[];
}

export interface OnnxModel {
  /** Opset version by domain ('' = ai.onnx). */
  readonly opsetImports: Readonly<Record<string, number>>;
  readonly graph: OnnxGraph;
  /** ModelProto.producer_name; default 'cimc'. */
  readonly producer?: string;
}

type IGraphProto = onnxProto.onnx.IGraphProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IDimension = onnxProto.onnx.TensorShapeProto.IDimension;

const utf8 = new TextEncoder();
const AT = onnx.AttributeProto.AttributeType;

/**
 * Lowest ir_version of an ONNX release that defines each default-domain opset
 * (onnx/helper.py VERSION_TABLE): [highest opset, ir_version].
 */
const irVersionByOpset: readonly (readonly [number, number])[] = [
  [8, 3], [9, 4], [10, 5], [11, 6], [14, 7], [18, 8], [20, 9], [22, 10], [23, 11],
];
/** The same for the ai.onnx.ml domain. */
const irVersionByMlOpset: readonly (readonly [number, number])[] = [
  [1, 3], [2, 6], [3, 8], [4, 9], [5, 10],
];

function lookupIrVersion(table: readonly (readonly [number, number])[], opset: number): number {
  for (const [maxOpset, ir] of table) if (opset <= maxOpset) return ir;
  return table[table.length - 1][1];
}

/** The ir_version written for a set of opset imports ('' = ai.onnx). */
export function irVersionFor(opsetImports: Readonly<Record<string, number>>): number {
  let ir = lookupIrVersion(irVersionByOpset, opsetImports[''] ?? 1);
  const ml = opsetImports['ai.onnx.ml'];
  if (ml !== undefined) ir = Math.max(ir, lookupIrVersion(irVersionByMlOpset, ml));
  if (opsetImports['ai.onnx.training'] !== undefined) ir = Math.max(ir, 7);
  return ir;
}

/** The ModelProto bytes of a model description. */
export function writeOnnxModel(model: OnnxModel): Uint8Array {
  const irVersion = irVersionFor(model.opsetImports);
  const domains = Object.keys(model.opsetImports).sort();
  return onnx.ModelProto.encode({
    irVersion,
    producerName: model.producer ?? 'cimc',
    opsetImport: domains.map((domain) => ({ domain, version: model.opsetImports[domain] })),
    graph: graphProto(model.graph, irVersion < 4),
  }).finish();
}

// ---- graphs -------------------------------------------------------------------

/** listInitializersAsInputs: IR version < 4 wants every initializer as a graph input too (main graph only). */
function graphProto(graph: OnnxGraph, listInitializersAsInputs: boolean): IGraphProto {
  const inputs = graph.inputs.map(valueInfoProto);
  if (listInitializersAsInputs) {
    const names = new Set(graph.inputs.map((v) => v.name));
    for (const [name, t] of graph.initializers) {
      if (!names.has(name)) inputs.push(valueInfoProto({ name, type: { dtype: t.dtype, shape: t.shape } }));
    }
  }
  return {
    name: graph.name,
    node: graph.nodes.map((n) => {
      const node: onnxProto.onnx.INodeProto = {
        name: n.name,
        opType: n.opType,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
      };
      if (n.domain) node.domain = n.domain;
      return node;
    }),
    initializer: [...graph.initializers].map(([name, t]) => tensorProto(t, name)),
    input: inputs,
    output: graph.outputs.map(valueInfoProto),
    valueInfo: (graph.valueInfo ?? []).map(valueInfoProto),
  };
}

function dimProto(d: OnnxDim): IDimension {
  if (d === null) return {};
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

function valueInfoProto(v: OnnxValue): IValueInfoProto {
  if (!v.type) return { name: v.name };
  const tensorType: onnxProto.onnx.TypeProto.ITensor = {};
  if (v.type.dtype !== undefined) tensorType.elemType = onnxCodeByDType[v.type.dtype];
  if (v.type.shape !== undefined) tensorType.shape = { dim: v.type.shape.map(dimProto) };
  return { name: v.name, type: { tensorType } };
}

// ---- attributes -----------------------------------------------------------------

function attributeProto(name: string, a: OnnxAttr): IAttributeProto {
  const subgraph = (g: OnnxGraph): IGraphProto => graphProto(g, false);
  switch (a.kind) {
    case 'int': return { name, type: AT.INT, i: a.value };
    case 'float': return { name, type: AT.FLOAT, f: a.value };
    case 'string': return { name, type: AT.STRING, s: utf8.encode(a.value) };
    case 'ints': return { name, type: AT.INTS, ints: [...a.value] };
    case 'floats': return { name, type: AT.FLOATS, floats: [...a.value] };
    case 'strings': return { name, type: AT.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor': return { name, type: AT.TENSOR, t: tensorProto(a.value) };
    case 'tensors': return { name, type: AT.TENSORS, tensors: a.value.map((t) => tensorProto(t)) };
    case 'graph': return { name, type: AT.GRAPH, g: subgraph(a.value) };
    case 'graphs': return { name, type: AT.GRAPHS, graphs: a.value.map(subgraph) };
  }
}

// ---- tensors --------------------------------------------------------------------

/** A TensorProto with raw_data (string tensors: string_data). */
export function tensorProto(t: Tensor, name?: string): ITensorProto {
  const proto: ITensorProto = { dims: [...t.shape], dataType: onnxCodeByDType[t.dtype] };
  if (name !== undefined) proto.name = name;
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new Error(`tensorProto ${name ?? ''}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
  if (t.dtype === 'string') {
    proto.stringData = (t.data as string[]).map((s) => utf8.encode(s));
    return proto;
  }
  proto.rawData = rawBytes(t);
  return proto;
}

/** Little-endian bytes of a numeric tensor in its ONNX dtype. */
export function rawBytes(t: Tensor): Uint8Array {
  if (hasRawLayout(t.dtype, t.data)) {
    // Already the right bytes: one copy instead of a DataView write per element (52 MB of ORT
    // engine weights for ResNet-18 took 290 ms that way).
    const d = t.data;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
  }
  if (isPacked4Bit(t.dtype)) return pack4Bit(t.data as unknown as ArrayLike<number>);
  const n = t.data.length;
  const bytes = new Uint8Array(n * dtypeByteSize[t.dtype]);
  const view = new DataView(bytes.buffer);
  const d = t.data;
  const num = (i: number): number => Number(d[i]);
  switch (t.dtype) {
    case 'float32': for (let i = 0; i < n; i++) view.setFloat32(i * 4, num(i), true); break;
    case 'float64': for (let i = 0; i < n; i++) view.setFloat64(i * 8, num(i), true); break;
    case 'float16': for (let i = 0; i < n; i++) view.setUint16(i * 2, floatToHalfBits(num(i)), true); break;
    case 'bfloat16': for (let i = 0; i < n; i++) view.setUint16(i * 2, floatToBfloat16Bits(num(i)), true); break;
    case 'int8': for (let i = 0; i < n; i++) view.setInt8(i, num(i)); break;
    case 'uint8': for (let i = 0; i < n; i++) view.setUint8(i, num(i)); break;
    case 'bool': for (let i = 0; i < n; i++) view.setUint8(i, num(i) ? 1 : 0); break;
    case 'int16': for (let i = 0; i < n; i++) view.setInt16(i * 2, num(i), true); break;
    case 'uint16': for (let i = 0; i < n; i++) view.setUint16(i * 2, num(i), true); break;
    case 'int32': for (let i = 0; i < n; i++) view.setInt32(i * 4, num(i), true); break;
    case 'uint32': for (let i = 0; i < n; i++) view.setUint32(i * 4, num(i), true); break;
    case 'int64': for (let i = 0; i < n; i++) view.setBigInt64(i * 8, toBigInt(d[i]), true); break;
    case 'uint64': for (let i = 0; i < n; i++) view.setBigUint64(i * 8, toBigInt(d[i]), true); break;
    case 'string': throw new Error('rawBytes: string tensors have no raw form');
  }
  return bytes;
}

function toBigInt(v: number | bigint | string): bigint {
  return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float → IEEE half bits, round to nearest even (overflow → ±Inf, NaN stays NaN). */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: mant·2^(exp−150) = m·2^−24 → m = mant >> (14 − e).
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++; // a carry into the exponent is right
  return sign | half;
}

/** float → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function floatToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if (Number.isNaN(value)) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
