/**
 * canonicalize: the clean-up every later pass relies on, as two tables of rules.
 *
 * `nodeRules`: one walk over the nodes in topological order applies, per node, the first rule
 * that fires (a rule that replaces the node hands the replacement to the rules below it).
 * `sweeps`: then, over the whole graph, nodes whose outputs nobody reads and constants nobody
 * reads are dropped. A rule that declines (result too large, inexact cast) leaves a note saying
 * why. The rules themselves are in canonicalize-rules.ts.
 *
 * The input graph is never modified; when no rule fires the pass returns it with changed: false.
 */
import { defaultMaxFoldElements } from '../compiler/const-eval/index.js';
import { subgraphsOf, type Graph, type Node, type ValueType } from '../compiler/ir/ir.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import type { Tensor } from '../base/tensor.js';
import { freeVariables, renameNode, Renames, valuesRead, valuesReadBy } from './canonicalize-names.js';
import { dropPassThrough, foldConstant, foldStaticShape, inlineConstantIf, Refusal, tableRule, type RewriteContext, type TableRule } from './canonicalize-rules.js';

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
  /** Constants of the input graph dropped because nothing reads them (folded results that end up unread are not counted). */
  deadConstants: number;
}

export interface CanonicalizeResult {
  graph: Graph;
  changed: boolean;
  counts: CanonicalizeCounts;
}

// ---- the rules --------------------------------------------------------------------------

/** Per node, in walk order, top to bottom. */
const nodeRules: readonly TableRule[] = [
  tableRule(dropPassThrough), // Identity / inference Dropout: consumers read the input instead
  tableRule(inlineConstantIf), // If on a constant condition: the chosen branch's nodes are walked next
  tableRule(foldStaticShape), // Shape/Size of a value whose declared shape is static: a constant
  tableRule(foldConstant), // all inputs constant and const-eval has the op: its outputs become constants
];

/** The graph being rebuilt after the walk; each sweep refines it in turn. */
interface Draft {
  nodes: readonly Node[];
  constants: ReadonlyMap<string, Tensor>;
}

/** A whole-graph rule, run once after the walk. */
interface Sweep {
  readonly name: string;
  readonly counter?: 'deadNodes' | 'deadConstants';
  /** Refines the draft in place; returns how many things it removed (> 0: the graph changed). */
  run(draft: Draft, input: Graph, renames: Renames): number;
}

/** After the walk, top to bottom. */
const sweeps: readonly Sweep[] = [
  // A producer renamed to a graph output after its consumers were kept: they read the new name.
  { name: 'apply-late-renames', run: applyLateRenames },
  // Walking back from the graph outputs, nodes none of whose outputs is read go.
  { name: 'remove-dead-nodes', counter: 'deadNodes', run: removeDeadNodes },
  // Constants no live node, subgraph or graph output reads go (the count is of the input's constants).
  { name: 'remove-dead-constants', counter: 'deadConstants', run: removeDeadConstants },
];

/** The pass body, usable without a pass context (tests, other passes). */
export function canonicalizeGraph(graph: Graph, options: CanonicalizeOptions = {}): CanonicalizeResult {
  const counts: CanonicalizeCounts = { passThrough: 0, folded: 0, inlinedIf: 0, deadNodes: 0, deadConstants: 0 };
  const queue: Node[] = [...graph.nodes];
  const ctx = rewriteContext(graph, queue, options.maxElements ?? defaultMaxFoldElements);
  const walk = walkNodes(queue, ctx, counts, options.note);

  const draft: Draft = { nodes: walk.kept, constants: ctx.constants };
  let swept = false;
  for (const sweep of sweeps) {
    const removed = sweep.run(draft, graph, ctx.renames);
    if (sweep.counter) counts[sweep.counter] += removed;
    if (removed > 0) swept = true;
  }
  checkInterfaceNames(graph, ctx.renames);

  // Every way the output can differ from the input goes through a rule firing (a node rule or
  // a sweep that removed something), so that is the whole answer.
  const changed = walk.fired || swept;
  if (!changed) return { graph, changed, counts };
  return { graph: graph.with({ nodes: draft.nodes, constants: draft.constants, values: definedValues(graph, ctx.values, draft) }), changed, counts };
}

// ---- the walk ---------------------------------------------------------------------------

/** A fresh context over copies of the graph's tables; `queue` is the walk's node list. */
function rewriteContext(graph: Graph, queue: readonly Node[], maxElements: number): RewriteContext {
  return {
    evaluate: { opset: graph.opset, maxElements },
    constants: new Map(graph.constants),
    values: new Map(graph.values),
    graphOutputs: new Set(graph.outputs),
    renames: new Renames(),
    readAnywhere: valuesRead(graph),
    // Value names of the main graph (subgraph names are added per inlining, see inlineConstantIf).
    takenValues: new Set([...graph.outerScope, ...graph.inputs, ...graph.outputs, ...graph.constants.keys(), ...graph.nodes.flatMap((n) => n.outputs)]),
    takenNodeNames: new Set(graph.nodes.map((n) => n.name)),
    keptOutputs: new Set(),
    walk: queue,
  };
}

/** What the walk kept, and whether any node rule fired. */
interface WalkResult {
  kept: Node[];
  fired: boolean;
}

/** Visits `queue` in order (growing as If branches are spliced in after their If). */
function walkNodes(queue: Node[], ctx: RewriteContext, counts: CanonicalizeCounts, note: CanonicalizeOptions['note']): WalkResult {
  const result: WalkResult = { kept: [], fired: false };
  for (let qi = 0; qi < queue.length; qi++) {
    const fate = applyNodeRules(withResolvedInputs(queue[qi], ctx.renames), ctx, counts, note);
    if (fate.fired) result.fired = true;
    if (fate.expansion) queue.splice(qi + 1, 0, ...fate.expansion);
    if (fate.survivor) {
      result.kept.push(fate.survivor);
      for (const o of fate.survivor.outputs) if (o) ctx.keptOutputs.add(o);
    }
  }
  return result;
}

/** The node reading the current names of its inputs (itself when none was renamed). */
function withResolvedInputs(node: Node, renames: Renames): Node {
  if (!node.inputs.some((i) => i && renames.has(i))) return node;
  return { ...node, inputs: node.inputs.map((i) => renames.resolve(i)) };
}

/** What became of one node: kept (maybe replaced), gone, or gone with nodes to walk next. */
interface NodeFate {
  survivor?: Node;
  expansion?: readonly Node[];
  fired: boolean;
}

/** Tries the node rules in table order until one removes or expands the node. */
function applyNodeRules(node: Node, ctx: RewriteContext, counts: CanonicalizeCounts, note: CanonicalizeOptions['note']): NodeFate {
  let current = node;
  let fired = false;
  for (const rule of nodeRules) {
    if (!rule.match(current)) continue;
    const outcome = rule.apply(current, ctx);
    if (outcome === undefined) continue;
    if (outcome instanceof Refusal) {
      note?.(outcome.reason, current);
      continue;
    }
    fired = true;
    if (outcome.kind === 'replaced') {
      current = outcome.node;
      continue;
    }
    counts[rule.counter]++;
    return outcome.kind === 'expanded' ? { expansion: outcome.nodes, fired } : { fired };
  }
  return { survivor: current, fired };
}

// ---- the sweeps -------------------------------------------------------------------------

/** Changes only what drop-pass-through already counted, so it reports 0. */
function applyLateRenames(draft: Draft, _input: Graph, renames: Renames): number {
  draft.nodes = draft.nodes.map((n) => renameNode(n, (name) => renames.resolve(name)));
  return 0;
}

function removeDeadNodes(draft: Draft, input: Graph): number {
  const live = new Set<string>(input.outputs);
  const liveNodes: Node[] = [];
  for (let i = draft.nodes.length - 1; i >= 0; i--) {
    const n = draft.nodes[i];
    if (!n.outputs.some((o) => o && live.has(o))) continue;
    liveNodes.push(n);
    for (const v of n.inputs) if (v) live.add(v);
    for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) live.add(v);
  }
  liveNodes.reverse();
  const removed = draft.nodes.length - liveNodes.length;
  draft.nodes = liveNodes;
  return removed;
}

function removeDeadConstants(draft: Draft, input: Graph): number {
  const read = valuesReadBy(draft.nodes, input.outputs);
  const liveConstants = new Map<string, Tensor>();
  for (const [name, t] of draft.constants) if (read.has(name)) liveConstants.set(name, t);
  draft.constants = liveConstants;
  return [...input.constants.keys()].filter((k) => !liveConstants.has(k)).length;
}

// ---- the result -------------------------------------------------------------------------

/** Value types of the values still defined by a graph input, graph output or node (not constants). */
function definedValues(input: Graph, values: ReadonlyMap<string, ValueType>, draft: Draft): Map<string, ValueType> {
  const defined = new Set<string>([...input.inputs, ...input.outputs, ...draft.nodes.flatMap((n) => n.outputs)]);
  const kept = new Map<string, ValueType>();
  for (const [name, t] of values) if (defined.has(name) && !draft.constants.has(name)) kept.set(name, t);
  return kept;
}

/** Graph inputs and outputs keep their names (a broken invariant is a bug here, not in the model). */
function checkInterfaceNames(input: Graph, renames: Renames): void {
  for (const o of input.outputs) if (renames.resolve(o) !== o) throw new Error(`canonicalize: graph output '${o}' was renamed`);
  for (const i of input.inputs) if (renames.has(i)) throw new Error(`canonicalize: graph input '${i}' was renamed`);
}
