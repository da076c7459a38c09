/**
 * canonicalize: the clean-up every later pass relies on.
 *
 * One walk over the nodes in topological order applies, per node, the first rule that fires:
 *   1. Identity / inference Dropout → consumers read the input instead (graph output names stay).
 *   2. If with a constant condition → the chosen branch's nodes take its place (walked next).
 *   3. All inputs constant and the op has an evaluator (compiler/const-eval) → a new constant;
 *      Shape/Size of a value whose declared shape is fully static → a new constant.
 * Then nodes whose outputs nobody reads and constants nobody reads are dropped.
 * A rule that declines (result too large, inexact cast) leaves a note saying why.
 */
import { ConstEvalError, ConstEvalSkip, defaultMaxFoldElements, evaluateNode, hasConstEvaluator, shapeVector, sizeScalar } from '../compiler/const-eval/index.js';
import { CimcError } from '../base/diagnostics.js';
import { Graph, subgraphsOf, type Attr, type Node, type ValueType } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import type { Tensor } from '../base/tensor.js';

/** The options canonicalize reads: their one declaration (flags, explain, types and checks come from it). */
export const canonicalizeOptions = defineOptions({
  foldMaxElements: {
    type: 'number', default: defaultMaxFoldElements, flag: '--fold-max-elements <n>',
    description: 'largest tensor (elements) constant folding may create; larger results keep their node',
  },
});

export const canonicalize = definePass({
  name: 'canonicalize',
  summary: 'Remove Identity/Dropout, fold constants (and Shape of static shapes), inline If on a constant condition, drop dead nodes and unused constants.',
  requires: ['imported'],
  provides: ['canonical'],
  options: Object.values(canonicalizeOptions),
  run(graph, ctx) {
    const result = canonicalizeGraph(graph, {
      maxElements: readOption(ctx.options, canonicalizeOptions.foldMaxElements),
      note: (message, node) => ctx.diagnostics.note('CIM2004', message, { node: node.name, opType: node.opType, pass: 'canonicalize' }),
    });
    for (const [key, count] of Object.entries(result.counts)) ctx.stats.set(`canonicalize.${key}`, (ctx.stats.get(`canonicalize.${key}`) ?? 0) + count);
    return { graph: result.graph, changed: result.changed };
  },
});

export interface CanonicalizeOptions {
  maxElements?: number;
  /** Receives why a foldable-looking node was left in place. */
  note?(message: string, node: Node): void;
}

export interface CanonicalizeCounts {
  /** Identity/Dropout nodes removed. */
  passThrough: number;
  /** Nodes replaced by constants. */
  folded: number;
  /** If nodes replaced by a branch. */
  inlinedIf: number;
  /** Nodes dropped because nothing reads them. */
  deadNodes: number;
  /** Constants dropped because nothing reads them. */
  deadConstants: number;
}

export interface CanonicalizeResult {
  graph: Graph;
  changed: boolean;
  counts: CanonicalizeCounts;
}

const isDefault = (n: Node, op: string): boolean => n.domain === '' && n.opType === op;

/** The pass body, usable without a pass context (tests, other passes). */
export function canonicalizeGraph(graph: Graph, options: CanonicalizeOptions = {}): CanonicalizeResult {
  const maxElements = options.maxElements ?? defaultMaxFoldElements;
  const counts: CanonicalizeCounts = { passThrough: 0, folded: 0, inlinedIf: 0, deadNodes: 0, deadConstants: 0 };
  const constants = new Map<string, Tensor>(graph.constants);
  const values = new Map<string, ValueType>(graph.values);
  const graphOutputs = new Set(graph.outputs);
  const graphInputs = new Set(graph.inputs);
  /** value → the value that replaces it (dropped pass-through outputs; producers renamed to a graph output). */
  const rename = new Map<string, string>();
  const resolve = (name: string): string => {
    let n = name;
    for (let hops = 0; rename.has(n); hops++) {
      if (hops > rename.size) throw new Error(`canonicalize: rename cycle at '${name}'`);
      n = rename.get(n)!;
    }
    return n;
  };
  const readAnywhere = valuesRead(graph);
  /** Value names of the main graph (subgraph names are added per inlining, see inlineIf). */
  const taken = new Set<string>([...graph.outerScope, ...graph.inputs, ...graph.outputs, ...graph.constants.keys(), ...graph.nodes.flatMap((n) => n.outputs)]);
  const takenNodeNames = new Set(graph.nodes.map((n) => n.name));
  /** Nodes still to visit; inlined branches are spliced in after their If. */
  const queue: Node[] = [...graph.nodes];
  const kept: Node[] = [];
  /** Outputs of nodes in `kept`, so a pass-through can rename its producer. */
  const keptOutputs = new Set<string>();
  let structural = false; // a change that the counters do not show (Dropout kept as Identity)

  const fail = (node: Node, message: string): CimcError => new CimcError('CIM2004', message, { node: node.name, opType: node.opType });

  /** Rule 1. Returns the node to keep instead, or undefined when it is gone. */
  const removePassThrough = (node: Node): Node | undefined => {
    if (isDefault(node, 'Dropout')) {
      const training = node.inputs[2];
      if (training) {
        const t = constants.get(training);
        if (!t || t.data.length !== 1 || Number(t.data[0]) !== 0) {
          throw fail(node, `Dropout '${node.name}' has training_mode '${training}' that is not a constant false; only inference Dropout can be removed`);
        }
      }
      const mask = node.outputs[1];
      if (mask && readAnywhere.has(mask)) {
        throw fail(node, `Dropout '${node.name}': its mask output '${mask}' is read; canonicalize removes Dropout only when the mask is unused`);
      }
    }
    const src = node.inputs[0];
    const out = node.outputs[0];
    if (!src) throw fail(node, `${node.opType} '${node.name}' has no input`);
    if (!out) return undefined;
    if (!graphOutputs.has(out)) {
      rename.set(out, src);
      return undefined;
    }
    // `out` is a graph output: its name must survive.
    const c = constants.get(src);
    if (c) {
      constants.set(out, c);
      return undefined;
    }
    if (keptOutputs.has(src) && !graphOutputs.has(src)) {
      rename.set(src, out); // the producer writes the graph output directly
      keptOutputs.delete(src);
      keptOutputs.add(out);
      return undefined;
    }
    // Graph input, outer-scope value or another graph output: an Identity must stay.
    if (isDefault(node, 'Identity') && node.inputs.length === 1 && node.outputs.length === 1) return node;
    structural = true;
    return { name: node.name, opType: 'Identity', domain: '', inputs: [src], outputs: [out], attrs: {}, origin: node.origin ?? [node.name] };
  };

  /** Rule 2. The nodes replacing an If whose condition is constant, or undefined. */
  const inlineIf = (node: Node): Node[] | undefined => {
    const cond = constants.get(node.inputs[0] ?? '');
    if (!cond) return undefined;
    if (cond.data.length !== 1) throw fail(node, `If condition '${node.inputs[0]}' has ${cond.data.length} elements, expected one`);
    const branchName = Number(cond.data[0]) !== 0 ? 'then_branch' : 'else_branch';
    const attr: Attr | undefined = node.attrs[branchName];
    if (!attr || attr.kind !== 'graph') throw fail(node, `If '${node.name}' has no ${branchName} graph`);
    const branch = attr.value;
    if (branch.outputs.length !== node.outputs.length) {
      throw fail(node, `If '${node.name}': ${branchName} has ${branch.outputs.length} outputs, the node has ${node.outputs.length}`);
    }
    // Branch-local names that clash with names already in use get fresh ones.
    // (Names inside this If's own branches do not count; those of other subgraphs do.)
    const clashes = new Set(taken);
    for (const other of queue) {
      if (other.name === node.name) continue;
      for (const { graph: sub } of subgraphsOf(other)) for (const v of allValueNames(sub)) clashes.add(v);
    }
    const local = new Map<string, string>();
    const localNames = [...branch.inputs, ...branch.constants.keys(), ...branch.nodes.flatMap((n) => n.outputs.filter((o) => o))];
    for (const name of localNames) {
      const fresh = freshName(name, `${node.name}/`, clashes);
      clashes.add(fresh);
      taken.add(fresh);
      local.set(name, fresh);
    }
    const toLocal = (name: string): string => (name ? local.get(name) ?? name : name);
    for (const [name, t] of branch.constants) constants.set(toLocal(name), t);
    for (const [name, t] of branch.values) if (local.has(name) && !values.has(toLocal(name))) values.set(toLocal(name), t);
    const nodes: Node[] = branch.nodes.map((n) => {
      const name = freshName(n.name, `${node.name}/`, takenNodeNames);
      takenNodeNames.add(name);
      return {
        ...n, name, inputs: n.inputs.map(toLocal), outputs: n.outputs.map(toLocal),
        attrs: renameFreeInAttrs(n.attrs, toLocal), origin: n.origin ?? [node.name, n.name],
      };
    });
    branch.outputs.forEach((bo, i) => {
      const io = node.outputs[i];
      if (!io) return;
      const name = freshName(`${node.name}/${branchName}_output_${i}`, '', takenNodeNames);
      takenNodeNames.add(name);
      // Resolved by rule 1 on the next steps of the walk.
      nodes.push({ name, opType: 'Identity', domain: '', inputs: [toLocal(bo)], outputs: [io], attrs: {}, origin: [node.name] });
    });
    for (const n of nodes) {
      for (const i of n.inputs) if (i) readAnywhere.add(i);
      for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) readAnywhere.add(v);
    }
    return nodes;
  };

  /** Rule 3. True when the node's outputs became constants. */
  const fold = (node: Node): boolean => {
    if (node.domain !== '') return false;
    let outputs: Tensor[] | undefined;
    const first = node.inputs[0] ?? '';
    if ((node.opType === 'Shape' || node.opType === 'Size') && first && !constants.has(first)) {
      const shape = staticShape(values.get(first));
      if (!shape) return false;
      outputs = [node.opType === 'Shape' ? shapeVector(node, shape) : sizeScalar(shape)];
    } else {
      if (!hasConstEvaluator(node) || !node.inputs.every((i) => !i || constants.has(i))) return false;
      try {
        outputs = evaluateNode(node, node.inputs.map((i) => (i ? constants.get(i) : undefined)), { opset: graph.opset, maxElements });
      } catch (e) {
        if (e instanceof ConstEvalSkip) {
          options.note?.(`not folded: ${e.message}`, node);
          return false;
        }
        if (e instanceof ConstEvalError) throw fail(node, `cannot fold ${node.opType} '${node.name}': ${e.message}`);
        throw e;
      }
    }
    node.outputs.forEach((o, i) => {
      if (o) constants.set(o, outputs[i]);
    });
    return true;
  };

  for (let qi = 0; qi < queue.length; qi++) {
    let node: Node = queue[qi];
    if (node.inputs.some((i) => i && rename.has(i))) node = { ...node, inputs: node.inputs.map((i) => (i ? resolve(i) : i)) };
    if (isDefault(node, 'Identity') || isDefault(node, 'Dropout')) {
      const replacement = removePassThrough(node);
      if (!replacement) {
        counts.passThrough++;
        continue;
      }
      node = replacement;
    } else if (isDefault(node, 'If')) {
      const inlined = inlineIf(node);
      if (inlined) {
        counts.inlinedIf++;
        queue.splice(qi + 1, 0, ...inlined);
        continue;
      }
    }
    if (fold(node)) {
      counts.folded++;
      continue;
    }
    kept.push(node);
    for (const o of node.outputs) if (o) keptOutputs.add(o);
  }

  // Renames decided late (a producer now writing a graph output) reach earlier nodes here.
  const resolveName = (n: string): string => (n ? resolve(n) : n);
  const renamed = kept.map((n) => renameNode(n, resolveName));

  // Dead code: walk back from the graph outputs.
  const live = new Set<string>(graph.outputs);
  const liveNodes: Node[] = [];
  for (let i = renamed.length - 1; i >= 0; i--) {
    const n = renamed[i];
    if (!n.outputs.some((o) => o && live.has(o))) {
      counts.deadNodes++;
      continue;
    }
    liveNodes.push(n);
    for (const v of n.inputs) if (v) live.add(v);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) live.add(v);
  }
  liveNodes.reverse();

  const liveConstants = new Map<string, Tensor>();
  for (const [name, t] of constants) if (live.has(name)) liveConstants.set(name, t);
  counts.deadConstants = [...graph.constants.keys()].filter((k) => !liveConstants.has(k)).length;

  const defined = new Set<string>([...graph.inputs, ...graph.outputs, ...liveNodes.flatMap((n) => n.outputs)]);
  const liveValues = new Map<string, ValueType>();
  for (const [name, t] of values) if (defined.has(name) && !liveConstants.has(name)) liveValues.set(name, t);

  for (const o of graph.outputs) if (resolve(o) !== o) throw new Error(`canonicalize: graph output '${o}' was renamed`);
  for (const i of graphInputs) if (rename.has(i)) throw new Error(`canonicalize: graph input '${i}' was renamed`);

  const changed = structural || counts.passThrough + counts.folded + counts.inlinedIf + counts.deadNodes + counts.deadConstants > 0
    || liveNodes.some((n, i) => n !== graph.nodes[i]) || liveNodes.length !== graph.nodes.length;
  if (!changed) return { graph, changed, counts };
  return { graph: graph.with({ nodes: liveNodes, constants: liveConstants, values: liveValues }), changed, counts };
}

// ---- helpers ----------------------------------------------------------------

function staticShape(t: ValueType | undefined): number[] | undefined {
  const s = t?.shape;
  if (!s || s.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) return undefined;
  return s as number[];
}

function freshName(base: string, prefix: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  let name = `${prefix}${base}`;
  for (let k = 2; taken.has(name); k++) name = `${prefix}${base}__${k}`;
  return name;
}

/** Every value name defined anywhere in a graph and its subgraphs. */
function allValueNames(graph: Graph): Set<string> {
  const names = new Set<string>([...graph.outerScope, ...graph.inputs, ...graph.outputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) names.add(o);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of allValueNames(sub)) names.add(v);
  }
  return names;
}

/** Values a graph reads: node inputs, graph outputs and what its subgraphs read from outside. */
function valuesRead(graph: Graph): Set<string> {
  const read = new Set<string>(graph.outputs);
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i) read.add(i);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) read.add(v);
  }
  return read;
}

/** Names a subgraph reads from enclosing scopes. */
function freeVariables(graph: Graph): Set<string> {
  const local = new Set<string>([...graph.inputs, ...graph.constants.keys()]);
  for (const n of graph.nodes) for (const o of n.outputs) if (o) local.add(o);
  const free = new Set<string>();
  for (const v of valuesRead(graph)) if (!local.has(v)) free.add(v);
  return free;
}

/** A node with inputs, outputs and the free names of its subgraphs renamed. */
function renameNode(n: Node, map: (name: string) => string): Node {
  const inputs = n.inputs.map(map);
  const outputs = n.outputs.map(map);
  const attrs = renameFreeInAttrs(n.attrs, map);
  const same = attrs === n.attrs && inputs.every((v, i) => v === n.inputs[i]) && outputs.every((v, i) => v === n.outputs[i]);
  return same ? n : { ...n, inputs, outputs, attrs };
}

function renameFreeInAttrs(attrs: Readonly<Record<string, Attr>>, map: (name: string) => string): Readonly<Record<string, Attr>> {
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
