/**
 * ONNX front end: bytes → IR Graph.
 *
 * Initializers and Constant nodes both become constants; external data is read from files
 * confined to the model's folder; If/Loop/Scan subgraphs are imported recursively.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../../base/diagnostics.js';
import { Graph, type Attr, type Dim, type Node, type ValueType } from '../ir/ir.js';
import { onnx, longToBigInt, longToNumber, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../base/onnx-proto.js';
import { allocStorage, bfloat16ToFloat, halfToFloat, isPacked4Bit, rawByteLength, unpack4Bit, hasRawLayout, onnxDTypeByCode, sizeOf, type DType, type Tensor } from '../../base/tensor.js';

export const minSupportedOpset = 7;
export const maxSupportedOpset = 21;

export interface ImportOptions {
  /** File the bytes came from (for diagnostics and external data). */
  modelPath?: string;
  /** Where external data files are looked up; defaults to the model's folder. */
  baseDir?: string;
}

const utf8 = new TextDecoder('utf-8');
const decodeString = (b: Uint8Array | null | undefined): string => (b ? utf8.decode(b) : '');

interface Scope {
  file?: string;
  baseDir?: string;
  realBaseDir?: string;
}

/** The bytes of a model file, or CIM1001 naming it. */
export function readModelFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new CimcError('CIM1001', `cannot read model: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}

export function importOnnxFile(file: string): Graph {
  return importOnnxBytes(readModelFile(file), { modelPath: file });
}

export function importOnnxBytes(bytes: Uint8Array, options: ImportOptions = {}): Graph {
  const file = options.modelPath;
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new CimcError('CIM1001', `not a valid ONNX protobuf (${firstLine(e)})`, { file });
  }
  if (!model.graph) throw new CimcError('CIM1001', 'model has no graph', { file, field: '/graph' });

  const opsetImports: Record<string, number> = {};
  for (const imp of model.opsetImport ?? []) {
    const domain = imp.domain === 'ai.onnx' ? '' : (imp.domain ?? '');
    opsetImports[domain] = longToNumber(imp.version);
  }
  if (opsetImports[''] === undefined) {
    throw new CimcError('CIM1002', 'model has no opset import for the default ONNX domain', { file, field: '/opset_import' });
  }
  const opset = opsetImports[''];
  if (opset < minSupportedOpset || opset > maxSupportedOpset) {
    throw new CimcError('CIM1002', `opset ${opset} is outside the supported range ${minSupportedOpset}-${maxSupportedOpset}`, { file, field: '/opset_import' });
  }
  const baseDir = options.baseDir ?? (file ? path.dirname(path.resolve(file)) : undefined);
  const scope: Scope = { file, baseDir };
  const graph = importGraph(model.graph, opset, opsetImports, scope, new Set());
  if (graph.outputs.length === 0) throw new CimcError('CIM1005', 'the graph declares no outputs', { file, field: '/graph/output' });
  return graph;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function importGraph(g: GraphProto, opset: number, opsetImports: Record<string, number>, scope: Scope, outer: ReadonlySet<string>): Graph {
  const constants = new Map<string, Tensor>();
  const values = new Map<string, ValueType>();
  const file = scope.file;

  for (const [i, t] of (g.initializer ?? []).entries()) {
    const name = t.name ?? '';
    if (!name) throw new CimcError('CIM1003', `initializer #${i} has no name`, { file, field: `/graph/initializer/${i}` });
    constants.set(name, decodeTensor(t, scope, `initializer ${name}`));
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new CimcError('CIM1007', 'sparse initializers are not supported', { file, field: '/graph/sparse_initializer' });
  }

  const readValueInfo = (vi: ValueInfoProto): void => {
    const name = vi.name ?? '';
    if (!name) return;
    const t = valueTypeOf(vi);
    if (t) values.set(name, t);
  };
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (constants.has(name)) continue; // old exporters list initializers as inputs too
    readValueInfo(vi);
    inputs.push(name);
  }
  for (const vi of g.valueInfo ?? []) readValueInfo(vi);
  const outputs: string[] = [];
  for (const vi of g.output ?? []) {
    readValueInfo(vi);
    outputs.push(vi.name ?? '');
  }

  // Names visible to subgraphs: everything in this scope and the enclosing ones.
  const visible = new Set<string>(outer);
  for (const k of constants.keys()) visible.add(k);
  for (const i of inputs) visible.add(i);
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) visible.add(o);

  const nodes: Node[] = [];
  const usedNames = new Set<string>();
  const protoNodes = g.node ?? [];
  for (let index = 0; index < protoNodes.length; index++) {
    const np = protoNodes[index];
    const opType = np.opType ?? '';
    let name = np.name || `${opType || 'node'}_${index}`;
    if (usedNames.has(name)) {
      let k = 2;
      while (usedNames.has(`${name}__${k}`)) k++;
      name = `${name}__${k}`;
    }
    usedNames.add(name);
    if (!opType) throw new CimcError('CIM1005', `node #${index} has no op_type`, { file, node: name });
    const domain = np.domain === 'ai.onnx' ? '' : (np.domain ?? '');
    const attrs = importAttributes(np, name, opType, opset, opsetImports, scope, visible);

    if (opType === 'Constant' && domain === '') {
      const outName = (np.output ?? [])[0];
      if (!outName) throw new CimcError('CIM1005', 'Constant node has no output', { file, node: name, opType });
      constants.set(outName, constantNodeValue(attrs, name, file));
      continue;
    }
    nodes.push({
      name, opType, domain,
      inputs: [...(np.input ?? [])],
      outputs: [...(np.output ?? [])],
      attrs,
    });
  }

  return new Graph({
    name: g.name ?? 'main', opset, opsetImports, inputs, outputs, nodes, constants, values, outerScope: outer,
  });
}

function valueTypeOf(vi: ValueInfoProto): ValueType | undefined {
  const tt = vi.type?.tensorType;
  if (!tt) return undefined;
  const dtype = tt.elemType ? onnxDTypeByCode[tt.elemType] : undefined;
  let shape: Dim[] | undefined;
  if (tt.shape) {
    shape = (tt.shape.dim ?? []).map((d, i): Dim => {
      const which = (d as { value?: string }).value;
      if (d.dimParam) return d.dimParam;
      const value = longToNumber(d.dimValue);
      // A negative dim_value (some exporters write -1) says nothing: treat it as an unnamed dim.
      if ((which === 'dimValue' || value > 0) && value >= 0) return value;
      return `?${vi.name ?? ''}:${i}`;
    });
  }
  return { dtype, shape };
}

function constantNodeValue(attrs: Record<string, Attr>, node: string, file?: string): Tensor {
  const a = Object.entries(attrs)[0];
  if (!a) throw new CimcError('CIM1007', 'Constant node has no value attribute', { file, node, opType: 'Constant' });
  const [key, attr] = a;
  switch (attr.kind) {
    case 'tensor': return attr.value;
    case 'float': return { dtype: 'float32', shape: [], data: new Float32Array([attr.value]) };
    case 'floats': return { dtype: 'float32', shape: [attr.value.length], data: new Float32Array(attr.value) };
    case 'int': return { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(attr.value)]) };
    case 'ints': return { dtype: 'int64', shape: [attr.value.length], data: new BigInt64Array(attr.value.map((v) => BigInt(v))) };
    case 'string': return { dtype: 'string', shape: [], data: [attr.value] };
    case 'strings': return { dtype: 'string', shape: [attr.value.length], data: [...attr.value] };
    default:
      throw new CimcError('CIM1007', `Constant attribute '${key}' of kind ${attr.kind} is not supported`, { file, node, opType: 'Constant' });
  }
}

function importAttributes(np: NodeProto, node: string, opType: string, opset: number, opsetImports: Record<string, number>, scope: Scope, visible: ReadonlySet<string>): Record<string, Attr> {
  const attrs: Record<string, Attr> = {};
  for (const a of np.attribute ?? []) {
    const name = a.name ?? '';
    if (!name) throw new CimcError('CIM1007', 'attribute without a name', { file: scope.file, node, opType });
    if (a.refAttrName) throw new CimcError('CIM1007', `attribute '${name}' refers to a function attribute; functions are not supported`, { file: scope.file, node, opType });
    attrs[name] = importAttribute(a, node, opType, opset, opsetImports, scope, visible);
  }
  return attrs;
}

const AT = onnx.AttributeProto.AttributeType;

function importAttribute(a: AttributeProto, node: string, opType: string, opset: number, opsetImports: Record<string, number>, scope: Scope, visible: ReadonlySet<string>): Attr {
  const where = { file: scope.file, node, opType };
  let type = a.type ?? AT.UNDEFINED;
  if (type === AT.UNDEFINED) type = guessAttributeType(a);
  const subgraph = (g: GraphProto): Graph => importGraph(g, opset, opsetImports, scope, visible);
  switch (type) {
    case AT.FLOAT: return { kind: 'float', value: a.f ?? 0 };
    case AT.INT: return { kind: 'int', value: longToNumber(a.i) };
    case AT.STRING: return { kind: 'string', value: decodeString(a.s) };
    case AT.FLOATS: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case AT.INTS: return { kind: 'ints', value: (a.ints ?? []).map((v) => longToNumber(v)) };
    case AT.STRINGS: return { kind: 'strings', value: (a.strings ?? []).map(decodeString) };
    case AT.TENSOR:
      if (!a.t) throw new CimcError('CIM1007', `attribute '${a.name}' has no tensor`, where);
      return { kind: 'tensor', value: decodeTensor(a.t, scope, `attribute ${a.name} of node ${node}`) };
    case AT.TENSORS:
      return { kind: 'tensors', value: (a.tensors ?? []).map((t) => decodeTensor(t, scope, `attribute ${a.name} of node ${node}`)) };
    case AT.GRAPH:
      if (!a.g) throw new CimcError('CIM1007', `attribute '${a.name}' has no graph`, where);
      return { kind: 'graph', value: subgraph(a.g) };
    case AT.GRAPHS:
      return { kind: 'graphs', value: (a.graphs ?? []).map(subgraph) };
    default:
      throw new CimcError('CIM1007', `attribute '${a.name}' has unsupported type ${type}`, where);
  }
}

function guessAttributeType(a: AttributeProto): number {
  if (a.g) return AT.GRAPH;
  if (a.t) return AT.TENSOR;
  if (a.s && a.s.length) return AT.STRING;
  if (a.floats && a.floats.length) return AT.FLOATS;
  if (a.ints && a.ints.length) return AT.INTS;
  if (a.strings && a.strings.length) return AT.STRINGS;
  if (a.graphs && a.graphs.length) return AT.GRAPHS;
  if (a.tensors && a.tensors.length) return AT.TENSORS;
  if (a.f) return AT.FLOAT;
  return AT.INT;
}

// ---- tensors -------------------------------------------------------------------

/** Largest tensor we agree to materialise (elements); guards against hostile dims. */
const maxTensorElements = 2 ** 31 - 1;

export function decodeTensor(t: TensorProto, scope: Scope, what: string): Tensor {
  const file = scope.file;
  const field = { file, field: what };
  const code = t.dataType ?? 0;
  const dtype = onnxDTypeByCode[code];
  if (!dtype) throw new CimcError('CIM1003', `${what}: unsupported data type ${code}`, field);
  const shape = (t.dims ?? []).map((d) => longToNumber(d));
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new CimcError('CIM1003', `${what}: invalid dimension ${d}`, field);
  }
  const n = sizeOf(shape);
  if (n > maxTensorElements) throw new CimcError('CIM1003', `${what}: ${n} elements is too large`, field);

  let raw: Uint8Array | undefined;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    raw = readExternalData(t, scope, what, rawByteLength(dtype, n));
  } else if (t.rawData && t.rawData.length > 0) {
    raw = t.rawData;
  }

  if (dtype === 'string') {
    const strings = (t.stringData ?? []).map(decodeString);
    if (strings.length !== n) throw new CimcError('CIM1003', `${what}: ${strings.length} strings for ${n} elements`, field);
    return { dtype, shape, data: strings };
  }

  if (isPacked4Bit(dtype)) return decodePacked4Bit(t, dtype as 'int4' | 'uint4', shape, n, raw, what, field);
  const data = allocStorage(dtype, n);
  if (raw) {
    const expected = rawByteLength(dtype, n);
    if (raw.length !== expected) {
      throw new CimcError('CIM1003', `${what}: raw data has ${raw.length} bytes, shape [${shape.join(',')}] of ${dtype} needs ${expected}`, field);
    }
    fillFromRaw(dtype, raw, data);
    return { dtype, shape, data };
  }

  // Typed fields.
  let src: ArrayLike<number | { toNumber(): number; toString(): string }>;
  switch (dtype) {
    case 'float32': case 'complex64' as DType: src = t.floatData ?? []; break;
    case 'float64': src = t.doubleData ?? []; break;
    case 'int64': src = t.int64Data ?? []; break;
    case 'uint32': case 'uint64': src = t.uint64Data ?? []; break;
    default: src = t.int32Data ?? []; // int8..int32, uint8, uint16, bool, float16/bfloat16 (as bits)
  }
  if (src.length !== n) {
    throw new CimcError('CIM1003', `${what}: ${src.length} values for shape [${shape.join(',')}] (${n} elements)`, field);
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) data[i] = longToBigInt(src[i]);
  } else if (!Array.isArray(data)) {
    const numeric = data as Float32Array;
    for (let i = 0; i < n; i++) {
      const v = longToNumber(src[i]);
      numeric[i] = dtype === 'float16' ? halfToFloat(v) : dtype === 'bfloat16' ? bfloat16ToFloat(v) : v;
    }
  }
  return { dtype, shape, data };
}

/**
 * int4/uint4 (opset 21): two values a byte, low nibble first, in raw_data or in int32_data
 * (each int32 item holding one byte of two values, as onnx.helper writes them).
 */
function decodePacked4Bit(t: TensorProto, dtype: 'int4' | 'uint4', shape: number[], n: number, raw: Uint8Array | undefined, what: string, field: { file?: string; field: string }): Tensor {
  const expected = rawByteLength(dtype, n);
  let bytes = raw;
  if (!bytes) {
    const items = t.int32Data ?? [];
    if (items.length !== expected) {
      throw new CimcError('CIM1008', `${what}: ${items.length} int32_data items for ${n} packed ${dtype} values (need ${expected}, two a byte)`, field);
    }
    bytes = Uint8Array.from(items, (v) => longToNumber(v) & 0xff);
  }
  if (bytes.length !== expected) {
    throw new CimcError('CIM1008', `${what}: packed ${dtype} data has ${bytes.length} bytes, shape [${shape.join(',')}] needs ${expected} (two values a byte)`, field);
  }
  return { dtype, shape, data: unpack4Bit(dtype, bytes, n) };
}

function fillFromRaw(dtype: DType, raw: Uint8Array, data: ReturnType<typeof allocStorage>): void {
  const n = data.length;
  if (hasRawLayout(dtype, data) && raw.byteLength === data.byteLength) {
    // The same bytes in the same order: one memcpy instead of a DataView read per element.
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
    return;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'float32': for (let i = 0; i < n; i++) (data as Float32Array)[i] = view.getFloat32(i * 4, true); break;
    case 'float64': for (let i = 0; i < n; i++) (data as Float64Array)[i] = view.getFloat64(i * 8, true); break;
    case 'float16': for (let i = 0; i < n; i++) (data as Float32Array)[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case 'bfloat16': for (let i = 0; i < n; i++) (data as Float32Array)[i] = bfloat16ToFloat(view.getUint16(i * 2, true)); break;
    case 'int8': for (let i = 0; i < n; i++) (data as Int8Array)[i] = view.getInt8(i); break;
    case 'uint8': case 'bool': for (let i = 0; i < n; i++) (data as Uint8Array)[i] = view.getUint8(i); break;
    case 'int16': for (let i = 0; i < n; i++) (data as Int16Array)[i] = view.getInt16(i * 2, true); break;
    case 'uint16': for (let i = 0; i < n; i++) (data as Uint16Array)[i] = view.getUint16(i * 2, true); break;
    case 'int32': for (let i = 0; i < n; i++) (data as Int32Array)[i] = view.getInt32(i * 4, true); break;
    case 'uint32': for (let i = 0; i < n; i++) (data as Uint32Array)[i] = view.getUint32(i * 4, true); break;
    case 'int64': for (let i = 0; i < n; i++) (data as BigInt64Array)[i] = view.getBigInt64(i * 8, true); break;
    case 'uint64': for (let i = 0; i < n; i++) (data as BigUint64Array)[i] = view.getBigUint64(i * 8, true); break;
    case 'string': break;
  }
}

function readExternalData(t: TensorProto, scope: Scope, what: string, expectedBytes: number): Uint8Array {
  const file = scope.file;
  const field = { file, field: what };
  const entries = new Map<string, string>();
  for (const e of t.externalData ?? []) entries.set(e.key ?? '', e.value ?? '');
  const location = entries.get('location');
  if (!location) throw new CimcError('CIM1003', `${what}: external data has no location`, field);
  if (!scope.baseDir) throw new CimcError('CIM1003', `${what}: external data needs the model's folder (load the model from a file)`, field);
  if (path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
    throw new CimcError('CIM1004', `${what}: external data location '${location}' escapes the model folder`, field);
  }
  if (!scope.realBaseDir) scope.realBaseDir = fs.realpathSync(scope.baseDir);
  const resolved = path.resolve(scope.baseDir, location);
  let real: string;
  try {
    real = fs.realpathSync(resolved);
  } catch {
    throw new CimcError('CIM1003', `${what}: external data file '${location}' not found`, field);
  }
  const rel = path.relative(scope.realBaseDir, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CimcError('CIM1004', `${what}: external data location '${location}' escapes the model folder (via a link)`, field);
  }
  const offset = Number(entries.get('offset') ?? '0');
  const length = entries.has('length') ? Number(entries.get('length')) : expectedBytes;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new CimcError('CIM1003', `${what}: bad external data offset/length`, field);
  }
  const size = fs.statSync(real).size;
  if (offset + length > size) {
    throw new CimcError('CIM1003', `${what}: external data range ${offset}+${length} is past the end of '${location}' (${size} bytes)`, field);
  }
  if (length !== expectedBytes) {
    throw new CimcError('CIM1003', `${what}: external data has ${length} bytes, the shape needs ${expectedBytes}`, field);
  }
  const buf = Buffer.alloc(length);
  const fd = fs.openSync(real, 'r');
  try {
    fs.readSync(fd, buf, 0, length, offset);
  } finally {
    fs.closeSync(fd);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
