/**
 * The IR: an ONNX-like dataflow graph.
 *
 * - Values are named; every value has at most one producer (a node, a graph input or a constant).
 * - Constants (ONNX initializers and Constant nodes alike) live in `constants`.
 * - `nodes` is kept in a topological order; `validateGraph` (dataflow.ts, on graphlib) checks it.
 * - Graphs are treated as immutable: passes build a new graph with `graph.with({...})`.
 * - Passes attach typed data to nodes and graphs through `NodeAnnotations`/`GraphAnnotations`,
 *   which other modules extend with declaration merging.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { DType, Tensor } from '../../base/tensor.js';

/** A dimension: a number, or a symbolic name (ONNX dim_param) until bound. */
export type Dim = number | string;

export interface ValueType {
  readonly dtype?: DType;
  readonly shape?: readonly Dim[];
}

export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly kind: 'graph'; readonly value: Graph }
  | { readonly kind: 'graphs'; readonly value: readonly Graph[] };

/** Per-node data added by passes (extended by declaration merging). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NodeAnnotations {}
/** Per-graph data added by passes (extended by declaration merging). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface GraphAnnotations {}

export interface Node {
  /** ONNX node name, or a stable generated one (`<OpType>_<index>`) where the file had none. */
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
  /** Names of the original nodes a fused node came from (for diagnostics). */
  readonly origin?: readonly string[];
  readonly annotations?: Readonly<NodeAnnotations>;
}

export interface GraphInit {
  name: string;
  /** Default-domain opset version. */
  opset: number;
  /** Every opset import, by domain ('' = ai.onnx). */
  opsetImports: Readonly<Record<string, number>>;
  inputs: readonly string[];
  outputs: readonly string[];
  nodes: readonly Node[];
  constants: ReadonlyMap<string, Tensor>;
  values: ReadonlyMap<string, ValueType>;
  annotations?: Readonly<GraphAnnotations>;
  /** Value names visible from an enclosing graph (subgraphs of If/Loop/Scan). */
  outerScope?: ReadonlySet<string>;
}

export class Graph implements GraphInit {
  readonly name: string;
  readonly opset: number;
  readonly opsetImports: Readonly<Record<string, number>>;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly nodes: readonly Node[];
  readonly constants: ReadonlyMap<string, Tensor>;
  readonly values: ReadonlyMap<string, ValueType>;
  readonly annotations: Readonly<GraphAnnotations>;
  readonly outerScope: ReadonlySet<string>;
  private producerIndex?: Map<string, Node>;
  private consumerIndex?: Map<string, Node[]>;

  constructor(init: GraphInit) {
    this.name = init.name;
    this.opset = init.opset;
    this.opsetImports = init.opsetImports;
    this.inputs = init.inputs;
    this.outputs = init.outputs;
    this.nodes = init.nodes;
    this.constants = init.constants;
    this.values = init.values;
    this.annotations = init.annotations ?? {};
    this.outerScope = init.outerScope ?? new Set();
  }

  /** A new graph with some fields replaced. */
  with(changes: Partial<GraphInit>): Graph {
    return new Graph({
      name: this.name, opset: this.opset, opsetImports: this.opsetImports,
      inputs: this.inputs, outputs: this.outputs, nodes: this.nodes,
      constants: this.constants, values: this.values, annotations: this.annotations,
      outerScope: this.outerScope, ...changes,
    });
  }

  /** The node producing a value, if any (constants and graph inputs have none). */
  producer(value: string): Node | undefined {
    if (!this.producerIndex) {
      this.producerIndex = new Map();
      for (const n of this.nodes) for (const o of n.outputs) if (o) this.producerIndex.set(o, n);
    }
    return this.producerIndex.get(value);
  }

  /** Nodes reading a value, in graph order. */
  consumers(value: string): readonly Node[] {
    if (!this.consumerIndex) {
      this.consumerIndex = new Map();
      for (const n of this.nodes) {
        for (const i of new Set(n.inputs)) {
          if (!i) continue;
          const list = this.consumerIndex.get(i);
          if (list) list.push(n); else this.consumerIndex.set(i, [n]);
        }
      }
    }
    return this.consumerIndex.get(value) ?? [];
  }

  node(name: string): Node | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  typeOf(value: string): ValueType | undefined {
    const c = this.constants.get(value);
    if (c) return { dtype: c.dtype, shape: c.shape };
    return this.values.get(value);
  }

  /** Static numeric shape of a value, or undefined when unknown or symbolic. */
  staticShape(value: string): number[] | undefined {
    const s = this.typeOf(value)?.shape;
    if (!s || s.some((d) => typeof d !== 'number')) return undefined;
    return s as number[];
  }

  isConstant(value: string): boolean {
    return this.constants.has(value);
  }
}

// ---- attribute helpers ------------------------------------------------------
// An attribute that is present but of another kind is a malformed model (CIM1007), never
// silently replaced by the default.

function wrongKind(node: Node, name: string, want: string): never {
  throw new CimcError('CIM1007', `attribute '${name}' must be ${want}, the model gives ${node.attrs[name].kind}`, { node: node.name, opType: node.opType });
}

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (!a) return fallback;
  return a.kind === 'int' ? a.value : wrongKind(node, name, 'an int');
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (!a) return fallback;
  if (a.kind === 'float' || a.kind === 'int') return a.value;
  return wrongKind(node, name, 'a float');
}

export function attrInts(node: Node, name: string, fallback: readonly number[]): readonly number[];
export function attrInts(node: Node, name: string): readonly number[] | undefined;
export function attrInts(node: Node, name: string, fallback?: readonly number[]): readonly number[] | undefined {
  const a = node.attrs[name];
  if (!a) return fallback;
  return a.kind === 'ints' ? a.value : wrongKind(node, name, 'a list of ints');
}

export function attrFloats(node: Node, name: string): readonly number[] | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  return a.kind === 'floats' ? a.value : wrongKind(node, name, 'a list of floats');
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const a = node.attrs[name];
  if (!a) return fallback;
  return a.kind === 'string' ? a.value : wrongKind(node, name, 'a string');
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  return a.kind === 'tensor' ? a.value : wrongKind(node, name, 'a tensor');
}

/** Subgraphs held in a node's attributes (If branches, Loop/Scan bodies). */
export function subgraphsOf(node: Node): { attr: string; graph: Graph }[] {
  const out: { attr: string; graph: Graph }[] = [];
  for (const [attr, a] of Object.entries(node.attrs)) {
    if (a.kind === 'graph') out.push({ attr, graph: a.value });
    else if (a.kind === 'graphs') a.value.forEach((g, i) => out.push({ attr: `${attr}[${i}]`, graph: g }));
  }
  return out;
}
