/**
 * canonicalize: value names and scopes — fresh names, what a graph reads and defines, renaming
 * the names a node (and the subgraphs in its attributes) takes from outside.
 */
import { subgraphsOf, type Attr, type Graph, type Node } from '../compiler/ir/ir.js';

/** `base` if free, else `prefix + base`, then `prefix + base__2`, `__3`, … until free. */
export function freshName(base: string, prefix: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  let name = `${prefix}${base}`;
  for (let k = 2; taken.has(name); k++) name = `${prefix}${base}__${k}`;
  return name;
}

/** Every value name defined anywhere in a graph and its subgraphs. */
export function allValueNames(graph: Graph): Set<string> {
  const names = new Set<string>([...graph.outerScope, ...graph.inputs, ...graph.outputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) names.add(o);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of allValueNames(sub)) names.add(v);
  }
  return names;
}

/** Values a graph reads: node inputs, graph outputs and what its subgraphs read from outside. */
export function valuesRead(graph: Graph): Set<string> {
  return valuesReadBy(graph.nodes, graph.outputs);
}

/** valuesRead of a graph with these nodes and outputs. */
export function valuesReadBy(nodes: readonly Node[], outputs: readonly string[]): Set<string> {
  const read = new Set<string>(outputs);
  for (const n of nodes) {
    for (const i of n.inputs) if (i) read.add(i);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) read.add(v);
  }
  return read;
}

/** Names a subgraph reads from enclosing scopes. */
export function freeVariables(graph: Graph): Set<string> {
  const local = new Set<string>([...graph.inputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) for (const o of n.outputs) if (o) local.add(o);
  const free = new Set<string>();
  for (const v of valuesRead(graph)) if (!local.has(v)) free.add(v);
  return free;
}

/** A node with inputs, outputs and the free names of its subgraphs renamed. */
export function renameNode(n: Node, map: (name: string) => string): Node {
  const inputs = n.inputs.map(map);
  const outputs = n.outputs.map(map);
  const attrs = renameFreeInAttrs(n.attrs, map);
  const same = attrs === n.attrs && inputs.every((v, i) => v === n.inputs[i]) && outputs.every((v, i) => v === n.outputs[i]);
  return same ? n : { ...n, inputs, outputs, attrs };
}

/** Attributes with the free names of their subgraphs renamed (the same object when nothing changes). */
export function renameFreeInAttrs(attrs: Readonly<Record<string, Attr>>, map: (name: string) => string): Readonly<Record<string, Attr>> {
  let out: Record<string, Attr> | undefined;
  for (const [key, a] of Object.entries(attrs)) {
    let next: Attr = a;
    if (a.kind === 'graph') {
      const g = renameFree(a.value, map);
      if (g !== a.value) next = { kind: 'graph', value: g };
    } else if (a.kind === 'graphs') {
      const gs = a.value.map((g) => renameFree(g, map));
      if (gs.some((g, i) => g !== a.value[i])) next = { kind: 'graphs', value: gs };
    }
    if (next !== a) (out ??= { ...attrs })[key] = next;
  }
  return out ?? attrs;
}

/** Renames the names a subgraph takes from enclosing scopes (its own names shadow). */
function renameFree(graph: Graph, map: (name: string) => string): Graph {
  const local = new Set<string>([...graph.inputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) for (const o of n.outputs) if (o) local.add(o);
  const outer = (name: string): string => (name && !local.has(name) ? map(name) : name);
  const nodes = graph.nodes.map((n) => renameNode(n, outer));
  const outputs = graph.outputs.map(outer);
  const outerScope = new Set([...graph.outerScope].map(map));
  const same = nodes.every((n, i) => n === graph.nodes[i]) && outputs.every((o, i) => o === graph.outputs[i])
    && outerScope.size === graph.outerScope.size && [...outerScope].every((v) => graph.outerScope.has(v));
  return same ? graph : graph.with({ nodes, outputs, outerScope });
}

/** value → the value replacing it; a chain of renames resolves to its last name. */
export class Renames {
  private readonly next = new Map<string, string>();

  set(from: string, to: string): void {
    this.next.set(from, to);
  }

  has(name: string): boolean {
    return this.next.has(name);
  }

  /** The name `name` ends up with ('' , an omitted input, is never renamed). */
  resolve(name: string): string {
    let n = name;
    for (let hops = 0; this.next.has(n); hops++) {
      if (hops > this.next.size) throw new Error(`canonicalize: rename cycle at '${name}'`);
      n = this.next.get(n)!;
    }
    return n;
  }
}
