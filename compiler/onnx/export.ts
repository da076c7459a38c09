/**
 * ONNX back end: IR Graph → ONNX bytes (the inverse of onnx-import.ts).
 *
 * - Constants become initializers (raw_data, little-endian); float16/bfloat16 constants, held
 *   widened in Float32Array, are rounded back (nearest-even) to their dtype; strings use
 *   string_data.
 * - Graph inputs and outputs carry value_info from `graph.values` (dtype and shape; symbolic
 *   dims as dim_param, the importer's placeholder `?<value>:<axis>` as an unknown dim); the
 *   other typed values produced by nodes are written as `value_info`.
 * - Attributes of every kind, subgraphs included (their constants become their initializers).
 * - The opset imports are the graph's; ir_version is the lowest one that knows that opset.
 *
 * The output is deterministic: the same graph gives the same bytes (nodes, constants and
 * attributes are written in the graph's own order; no timestamps).
 */
import * as fs from 'node:fs';
import type onnxProto from 'onnx-proto';
import { CimcError } from '../../base/diagnostics.js';
import type { Attr, Dim, Graph, ValueType } from '../ir/ir.js';
import { onnx } from '../../base/onnx-proto.js';
import { dtypeByteSize, hasRawLayout, onnxCodeByDType, sizeOf, type Tensor } from '../../base/tensor.js';

type IModelProto = onnxProto.onnx.IModelProto;
type IGraphProto = onnxProto.onnx.IGraphProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IDimension = onnxProto.onnx.TensorShapeProto.IDimension;

export interface ExportOptions {
  /** ModelProto.producer_name; default 'cimc'. */
  producer?: string;
}

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

export function exportOnnxBytes(graph: Graph, options: ExportOptions = {}): Uint8Array {
  const irVersion = irVersionFor(graph.opsetImports);
  const domains = Object.keys(graph.opsetImports).sort();
  const model: IModelProto = {
    irVersion,
    producerName: options.producer ?? 'cimc',
    opsetImport: domains.map((domain) => ({ domain, version: graph.opsetImports[domain] })),
    graph: exportGraph(graph, { listConstantsAsInputs: irVersion < 4 }),
  };
  return onnx.ModelProto.encode(model).finish();
}

export function exportOnnxFile(graph: Graph, file: string, options: ExportOptions = {}): void {
  const bytes = exportOnnxBytes(graph, options);
  try {
    fs.writeFileSync(file, bytes);
  } catch (e) {
    throw new CimcError('CIM5002', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}

// ---- graphs -------------------------------------------------------------------

interface GraphExportOptions {
  /** IR version < 4 wants every initializer listed as a graph input too (main graph only). */
  listConstantsAsInputs: boolean;
}

function exportGraph(graph: Graph, options: GraphExportOptions): IGraphProto {
  const constants = [...graph.constants];
  const inputs = graph.inputs.map((name) => valueInfo(name, graph.values.get(name)));
  if (options.listConstantsAsInputs) {
    for (const [name, t] of constants) if (!graph.inputs.includes(name)) inputs.push(valueInfo(name, { dtype: t.dtype, shape: t.shape }));
  }
  const outputs = graph.outputs.map((name) => valueInfo(name, graph.typeOf(name)));

  // Types of intermediate values, in the order nodes produce them.
  const listed = new Set<string>([...graph.inputs, ...graph.outputs, ...graph.constants.keys()]);
  const internal: IValueInfoProto[] = [];
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      if (!o || listed.has(o)) continue;
      listed.add(o);
      const t = graph.values.get(o);
      if (t && (t.dtype !== undefined || t.shape !== undefined)) internal.push(valueInfo(o, t));
    }
  }

  const nodes: INodeProto[] = graph.nodes.map((n) => {
    const node: INodeProto = {
      name: n.name,
      opType: n.opType,
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: Object.entries(n.attrs).map(([name, a]) => exportAttribute(name, a)),
    };
    if (n.domain) node.domain = n.domain;
    return node;
  });

  return {
    name: graph.name,
    node: nodes,
    initializer: constants.map(([name, t]) => exportTensor(t, name)),
    input: inputs,
    output: outputs,
    valueInfo: internal,
  };
}

function exportDim(name: string, axis: number, d: Dim): IDimension {
  if (typeof d === 'number') return { dimValue: d };
  // The importer names an unknown dim `?<value>:<axis>`; write it back as unknown.
  if (d === `?${name}:${axis}`) return {};
  return { dimParam: d };
}

function valueInfo(name: string, type: ValueType | undefined): IValueInfoProto {
  if (!type) return { name };
  const tensorType: onnxProto.onnx.TypeProto.ITensor = {};
  if (type.dtype !== undefined) tensorType.elemType = onnxCodeByDType[type.dtype];
  if (type.shape !== undefined) tensorType.shape = { dim: type.shape.map((d, axis) => exportDim(name, axis, d)) };
  return { name, type: { tensorType } };
}

// ---- attributes -----------------------------------------------------------------

function exportAttribute(name: string, a: Attr): IAttributeProto {
  const subgraph = (g: Graph): IGraphProto => exportGraph(g, { listConstantsAsInputs: false });
  switch (a.kind) {
    case 'int': return { name, type: AT.INT, i: a.value };
    case 'float': return { name, type: AT.FLOAT, f: a.value };
    case 'string': return { name, type: AT.STRING, s: utf8.encode(a.value) };
    case 'ints': return { name, type: AT.INTS, ints: [...a.value] };
    case 'floats': return { name, type: AT.FLOATS, floats: [...a.value] };
    case 'strings': return { name, type: AT.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor': return { name, type: AT.TENSOR, t: exportTensor(a.value) };
    case 'tensors': return { name, type: AT.TENSORS, tensors: a.value.map((t) => exportTensor(t)) };
    case 'graph': return { name, type: AT.GRAPH, g: subgraph(a.value) };
    case 'graphs': return { name, type: AT.GRAPHS, graphs: a.value.map(subgraph) };
  }
}

// ---- tensors --------------------------------------------------------------------

/** A TensorProto with raw_data (string tensors: string_data). */
export function exportTensor(t: Tensor, name?: string): ITensorProto {
  const proto: ITensorProto = { dims: [...t.shape], dataType: onnxCodeByDType[t.dtype] };
  if (name !== undefined) proto.name = name;
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new Error(`exportTensor ${name ?? ''}: ${t.data.length} values for shape [${t.shape.join(',')}]`);
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
