/** Small builders for IR graphs and constants used by the canonicalize / const-eval tests. */
import { evaluateNode } from '../../compiler/const-eval/index.js';
import { Graph, type Attr, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { makeTensor, type DType, type Tensor } from '../../base/tensor.js';

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

export const tensor = (dtype: DType, shape: number[], values: ArrayLike<number> | ArrayLike<bigint> | string[]): Tensor => makeTensor(dtype, shape, values);
export const i64 = (values: (number | bigint)[], shape: number[] = [values.length]): Tensor =>
  makeTensor('int64', shape, values.map((v) => BigInt(v)));
export const i32 = (values: number[], shape: number[] = [values.length]): Tensor => makeTensor('int32', shape, values);
export const f32 = (values: number[], shape: number[] = [values.length]): Tensor => makeTensor('float32', shape, values);
export const bool = (values: boolean[], shape: number[] = [values.length]): Tensor => makeTensor('bool', shape, values.map(Number));
export const scalarI64 = (v: number | bigint): Tensor => i64([v], []);

/** Attribute shorthand: numbers → int, number[] → ints, string → string, Tensor → tensor, Graph → graph. */
export type AttrShorthand = number | number[] | string | Tensor | Graph | Attr;

export function toAttr(v: AttrShorthand): Attr {
  if (typeof v === 'number') return { kind: 'int', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  if (v instanceof Graph) return { kind: 'graph', value: v };
  if ('kind' in v) return v;
  return { kind: 'tensor', value: v };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrShorthand> = {}, name?: string): Node {
  return {
    name: name ?? `${opType}_${outputs[0] ?? 'x'}`, opType, domain: '', inputs, outputs,
    attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, toAttr(v)])),
  };
}

/** Runs one evaluator directly. */
export function evalOp(opType: string, inputs: (Tensor | undefined)[], attrs: Record<string, AttrShorthand> = {}, opset = 17, maxElements?: number): Tensor {
  const n = node(opType, inputs.map((t, i) => (t ? `in${i}` : '')), ['out'], attrs);
  return evaluateNode(n, inputs, { opset, maxElements })[0];
}

export interface GraphSpec {
  inputs?: [string, ValueType][];
  outputs: (string | [string, ValueType])[];
  nodes: Node[];
  constants?: Record<string, Tensor>;
  values?: Record<string, ValueType>;
  opset?: number;
  outerScope?: string[];
}

export function buildGraph(spec: GraphSpec): Graph {
  const opset = spec.opset ?? 17;
  const values = new Map<string, ValueType>(Object.entries(spec.values ?? {}));
  for (const [name, t] of spec.inputs ?? []) values.set(name, t);
  const outputs = spec.outputs.map((o) => {
    if (typeof o === 'string') return o;
    values.set(o[0], o[1]);
    return o[0];
  });
  return new Graph({
    name: 'main', opset, opsetImports: { '': opset },
    inputs: (spec.inputs ?? []).map(([n]) => n), outputs, nodes: spec.nodes,
    constants: new Map(Object.entries(spec.constants ?? {})), values,
    outerScope: spec.outerScope ? new Set(spec.outerScope) : undefined,
  });
}

/** Elements as numbers, or as decimal strings for 64-bit integers (exact). */
export function elements(t: Tensor): (number | string)[] {
  return Array.from(t.data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? v.toString() : v));
}
