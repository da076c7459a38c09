/**
 * Graph structure checks and orderings on @dagrejs/graphlib: nodes are IR nodes, an edge
 * u → v means v reads a value u writes.
 */
import { Graph as Digraph, alg } from '@dagrejs/graphlib';
import { CimcError } from '../../base/diagnostics.js';
import type { Graph, Node } from './ir.js';
import { subgraphsOf } from './ir.js';

/** Builds the node-level dataflow digraph (node names as ids). */
/** Edge label: the values flowing along the edge. */
export interface DataEdge {
  values: string[];
}

export function dataflowGraph(graph: Graph): Digraph<string, Node, DataEdge> {
  const g = new Digraph<string, Node, DataEdge>({ directed: true, multigraph: false });
  for (const n of graph.nodes) g.setNode(n.name, n);
  for (const n of graph.nodes) {
    for (const input of n.inputs) {
      if (!input) continue;
      const p = graph.producer(input);
      if (!p) continue;
      const label = g.edge(p.name, n.name);
      g.setEdge(p.name, n.name, { values: [...(label?.values ?? []), input] });
    }
  }
  return g;
}

/**
 * Checks the invariants every pass relies on: unique node names, one producer per value,
 * every input defined, no cycles, outputs defined. Throws CIM1005 naming the node.
 */
export function validateGraph(graph: Graph, file?: string): void {
  const defined = new Set<string>([...graph.outerScope, ...graph.inputs, ...graph.constants.keys()]);
  const producedBy = new Map<string, string>();
  const names = new Set<string>();
  for (const n of graph.nodes) {
    if (names.has(n.name)) throw new CimcError('CIM1005', `duplicate node name '${n.name}'`, { file, node: n.name, opType: n.opType });
    names.add(n.name);
    for (const o of n.outputs) {
      if (!o) continue;
      const other = producedBy.get(o) ?? (graph.constants.has(o) || graph.inputs.includes(o) ? '(graph input or constant)' : undefined);
      if (other) throw new CimcError('CIM1005', `value '${o}' is produced twice (also by ${other})`, { file, node: n.name, opType: n.opType });
      producedBy.set(o, n.name);
      defined.add(o);
    }
  }
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (i && !defined.has(i)) throw new CimcError('CIM1005', `input '${i}' is not produced by any node, input or constant`, { file, node: n.name, opType: n.opType });
    }
    for (const { graph: sub } of subgraphsOf(n)) validateGraph(sub, file);
  }
  const outputs = new Set<string>();
  for (const o of graph.outputs) {
    if (outputs.has(o)) throw new CimcError('CIM1005', `graph output '${o}' is listed twice`, { file, field: `/graph/output/${o}` });
    outputs.add(o);
    if (!defined.has(o)) throw new CimcError('CIM1005', `graph output '${o}' is never produced`, { file, field: `/graph/output/${o}` });
  }
  const df = dataflowGraph(graph);
  if (!alg.isAcyclic(df as unknown as Digraph)) {
    const cycle = alg.findCycles(df as unknown as Digraph)[0] ?? [];
    const first = cycle[0] ?? '';
    throw new CimcError('CIM1005', `graph has a cycle through ${cycle.join(' -> ')}`, { file, node: first, opType: df.node(first)?.opType });
  }
}

/**
 * Returns the nodes in a topological order that keeps the file's order where it is already
 * valid (stable: a node moves only when it reads a value produced later).
 */
export function stableTopologicalOrder(graph: Graph): Node[] {
  const df = dataflowGraph(graph);
  const position = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const indegree = new Map<string, number>();
  for (const n of graph.nodes) indegree.set(n.name, df.predecessors(n.name)?.length ?? 0);
  const ready: string[] = graph.nodes.filter((n) => indegree.get(n.name) === 0).map((n) => n.name);
  const order: Node[] = [];
  while (ready.length) {
    // smallest original position first
    let best = 0;
    for (let i = 1; i < ready.length; i++) if (position.get(ready[i])! < position.get(ready[best])!) best = i;
    const name = ready.splice(best, 1)[0];
    order.push(df.node(name));
    for (const s of df.successors(name) ?? []) {
      const d = indegree.get(s)! - 1;
      indegree.set(s, d);
      if (d === 0) ready.push(s);
    }
  }
  if (order.length !== graph.nodes.length) {
    throw new CimcError('CIM1005', 'graph has a cycle', {});
  }
  return order;
}

/** Every node reads only values defined before it (graph inputs, constants, outer scope, earlier outputs). */
export function topologicalOrderProblem(graph: Graph): { message: string; node: string; opType: string } | undefined {
  const defined = new Set<string>([...graph.outerScope, ...graph.inputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (i && !defined.has(i)) return { message: `node reads '${i}' before the node that produces it (nodes must stay in topological order)`, node: n.name, opType: n.opType };
    }
    for (const o of n.outputs) if (o) defined.add(o);
  }
  return undefined;
}
