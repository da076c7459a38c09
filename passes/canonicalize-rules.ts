/**
 * canonicalize: the node rules, each a match (what kind of node), a check (can it fire here,
 * and with what) and a rewrite. passes/canonicalize.ts holds the table that orders them and the
 * walk that applies them.
 *
 * A check answers a plan for its rewrite, undefined when the rule does not apply to this node,
 * or a Refusal when it applies but declines (the reason becomes a CIM2004 note). A malformed
 * model throws CimcError CIM2004 from the check.
 */
import { ConstEvalError, ConstEvalSkip, evaluateNode, hasConstEvaluator, shapeVector, sizeScalar, type EvaluateOptions } from '../compiler/const-eval/index.js';
import { CimcError } from '../base/diagnostics.js';
import { subgraphsOf, type Attr, type Graph, type Node, type ValueType } from '../compiler/ir/ir.js';
import type { Tensor } from '../base/tensor.js';
import { allValueNames, freeVariables, freshName, renameFreeInAttrs, type Renames } from './canonicalize-names.js';

// ---- what rules share -------------------------------------------------------------------

/** The state the walk builds up and the rules read and update (the input graph is never touched). */
export interface RewriteContext {
  /** Opset and result-size limit handed to const-eval. */
  readonly evaluate: EvaluateOptions;
  /** The graph's constants, plus folded results and constants of inlined branches. */
  readonly constants: Map<string, Tensor>;
  /** The graph's value types, plus those of inlined branches. */
  readonly values: Map<string, ValueType>;
  readonly graphOutputs: ReadonlySet<string>;
  /** Removed pass-through outputs → their input; producers renamed to a graph output. */
  readonly renames: Renames;
  /** Values some node, graph output or subgraph reads (grows as branches are inlined). */
  readonly readAnywhere: Set<string>;
  /** Value names in use in the main graph; inlined branch names that clash get fresh ones. */
  readonly takenValues: Set<string>;
  readonly takenNodeNames: Set<string>;
  /** Outputs of the nodes kept so far, so a pass-through can make its producer write a graph output. */
  readonly keptOutputs: Set<string>;
  /** Every node of the walk, visited or not (inlined names also avoid their subgraphs' names). */
  readonly walk: readonly Node[];
}

/** Why a rule that applies to a node leaves it in place (reported as a note). */
export class Refusal {
  constructor(readonly reason: string) {}
}

/** What a rule's rewrite did with the node. */
export type Rewrite =
  /** The node is gone: its outputs were renamed away or are constants now. */
  | { readonly kind: 'removed' }
  /** The node is gone; these nodes take its place and are walked next. */
  | { readonly kind: 'expanded'; readonly nodes: readonly Node[] }
  /** Another node stands in for it, and the rules after this one see that node. */
  | { readonly kind: 'replaced'; readonly node: Node };

/** The counters of CanonicalizeCounts a node rule adds to. */
export type RuleCounter = 'passThrough' | 'folded' | 'inlinedIf';

export interface NodeRule<Plan extends object> {
  readonly name: string;
  /** Counts each removal or expansion (a replacement shows only in the graph). */
  readonly counter: RuleCounter;
  /** Whether the node is of the kind the rule is about (op type, domain). */
  match(node: Node): boolean;
  check(node: Node, ctx: RewriteContext): Plan | Refusal | undefined;
  rewrite(node: Node, plan: Plan, ctx: RewriteContext): Rewrite;
}

/** A NodeRule with its plan type hidden, so rules with different plans share one table. */
export interface TableRule {
  readonly name: string;
  readonly counter: RuleCounter;
  match(node: Node): boolean;
  /** check, then rewrite when the check gave a plan. */
  apply(node: Node, ctx: RewriteContext): Rewrite | Refusal | undefined;
}

export function tableRule<Plan extends object>(rule: NodeRule<Plan>): TableRule {
  return {
    name: rule.name,
    counter: rule.counter,
    match: (node) => rule.match(node),
    apply(node, ctx) {
      const plan = rule.check(node, ctx);
      if (plan === undefined || plan instanceof Refusal) return plan;
      return rule.rewrite(node, plan, ctx);
    },
  };
}

const isDefault = (n: Node, op: string): boolean => n.domain === '' && n.opType === op;

const fail = (node: Node, message: string): CimcError => new CimcError('CIM2004', message, { node: node.name, opType: node.opType });

// ---- drop-pass-through ------------------------------------------------------------------

/** How an Identity/Dropout goes, decided by where its input comes from and whether its output is a graph output. */
type PassThroughPlan =
  /** No output: nothing reads it. */
  | { readonly kind: 'drop' }
  /** Consumers of `out` read `src` instead. */
  | { readonly kind: 'forward'; readonly src: string; readonly out: string }
  /** `out` is a graph output and `src` a constant: `out` becomes a constant too. */
  | { readonly kind: 'alias-constant'; readonly out: string; readonly tensor: Tensor }
  /** `out` is a graph output and `src` comes from a kept node: that node writes `out` directly. */
  | { readonly kind: 'producer-writes-output'; readonly src: string; readonly out: string }
  /** `out` must stay and cannot be taken over: a plain Identity copies `src` to it. */
  | { readonly kind: 'as-identity'; readonly src: string; readonly out: string };

/** Throws unless the Dropout is an inference one whose mask nobody reads. */
function checkInferenceDropout(node: Node, ctx: RewriteContext): void {
  const training = node.inputs[2];
  if (training) {
    const t = ctx.constants.get(training);
    if (!t || t.data.length !== 1 || Number(t.data[0]) !== 0) {
      throw fail(node, `Dropout '${node.name}' has training_mode '${training}' that is not a constant false; only inference Dropout can be removed`);
    }
  }
  const mask = node.outputs[1];
  if (mask && ctx.readAnywhere.has(mask)) {
    throw fail(node, `Dropout '${node.name}': its mask output '${mask}' is read; canonicalize removes Dropout only when the mask is unused`);
  }
}

/** Identity / inference Dropout: consumers read the input instead; a graph output keeps its name. */
export const dropPassThrough: NodeRule<PassThroughPlan> = {
  name: 'drop-pass-through',
  counter: 'passThrough',
  match: (node) => isDefault(node, 'Identity') || isDefault(node, 'Dropout'),
  check(node, ctx) {
    if (isDefault(node, 'Dropout')) checkInferenceDropout(node, ctx);
    const src = node.inputs[0];
    const out = node.outputs[0];
    if (!src) throw fail(node, `${node.opType} '${node.name}' has no input`);
    if (!out) return { kind: 'drop' };
    if (!ctx.graphOutputs.has(out)) return { kind: 'forward', src, out };
    const tensor = ctx.constants.get(src);
    if (tensor) return { kind: 'alias-constant', out, tensor };
    if (ctx.keptOutputs.has(src) && !ctx.graphOutputs.has(src)) return { kind: 'producer-writes-output', src, out };
    // A graph input, outer-scope value or another graph output: a plain Identity stays as it is.
    if (isDefault(node, 'Identity') && node.inputs.length === 1 && node.outputs.length === 1) return undefined;
    return { kind: 'as-identity', src, out };
  },
  rewrite(node, plan, ctx) {
    switch (plan.kind) {
      case 'drop':
        return { kind: 'removed' };
      case 'forward':
        ctx.renames.set(plan.out, plan.src);
        return { kind: 'removed' };
      case 'alias-constant':
        ctx.constants.set(plan.out, plan.tensor);
        return { kind: 'removed' };
      case 'producer-writes-output':
        ctx.renames.set(plan.src, plan.out);
        ctx.keptOutputs.delete(plan.src);
        ctx.keptOutputs.add(plan.out);
        return { kind: 'removed' };
      case 'as-identity':
        return { kind: 'replaced', node: { name: node.name, opType: 'Identity', domain: '', inputs: [plan.src], outputs: [plan.out], attrs: {}, origin: node.origin ?? [node.name] } };
    }
  },
};

// ---- inline-constant-if -----------------------------------------------------------------

interface BranchPlan {
  readonly branchName: 'then_branch' | 'else_branch';
  readonly branch: Graph;
}

/** Names an inlined branch must not take: the main graph's and those of other nodes' subgraphs. */
function namesToAvoid(ifNode: Node, ctx: RewriteContext): Set<string> {
  const avoid = new Set(ctx.takenValues);
  // The If's own branches do not count (one of them is what gets inlined).
  for (const other of ctx.walk) {
    if (other.name === ifNode.name) continue;
    for (const { graph: sub } of subgraphsOf(other)) for (const v of allValueNames(sub)) avoid.add(v);
  }
  return avoid;
}

/** Branch-local value name → its name in the main graph (fresh where it would clash). */
function branchNameMap(ifNode: Node, branch: Graph, ctx: RewriteContext): Map<string, string> {
  const avoid = namesToAvoid(ifNode, ctx);
  const local = new Map<string, string>();
  const localNames = [...branch.inputs, ...branch.constants.keys(), ...branch.nodes.flatMap((n) => n.outputs.filter((o) => o))];
  for (const name of localNames) {
    const fresh = freshName(name, `${ifNode.name}/`, avoid);
    avoid.add(fresh);
    ctx.takenValues.add(fresh);
    local.set(name, fresh);
  }
  return local;
}

/** The branch's nodes under fresh node names, then one Identity per If output (rule drop-pass-through resolves them next). */
function inlinedNodes(ifNode: Node, plan: BranchPlan, toLocal: (name: string) => string, ctx: RewriteContext): Node[] {
  const nodes: Node[] = plan.branch.nodes.map((n) => {
    const name = freshName(n.name, `${ifNode.name}/`, ctx.takenNodeNames);
    ctx.takenNodeNames.add(name);
    return {
      ...n, name, inputs: n.inputs.map(toLocal), outputs: n.outputs.map(toLocal),
      attrs: renameFreeInAttrs(n.attrs, toLocal), origin: n.origin ?? [ifNode.name, n.name],
    };
  });
  plan.branch.outputs.forEach((bo, i) => {
    const io = ifNode.outputs[i];
    if (!io) return;
    const name = freshName(`${ifNode.name}/${plan.branchName}_output_${i}`, '', ctx.takenNodeNames);
    ctx.takenNodeNames.add(name);
    nodes.push({ name, opType: 'Identity', domain: '', inputs: [toLocal(bo)], outputs: [io], attrs: {}, origin: [ifNode.name] });
  });
  return nodes;
}

/** If with a constant condition: the chosen branch's nodes take its place and are walked next. */
export const inlineConstantIf: NodeRule<BranchPlan> = {
  name: 'inline-constant-if',
  counter: 'inlinedIf',
  match: (node) => isDefault(node, 'If'),
  check(node, ctx) {
    const cond = ctx.constants.get(node.inputs[0] ?? '');
    if (!cond) return undefined;
    if (cond.data.length !== 1) throw fail(node, `If condition '${node.inputs[0]}' has ${cond.data.length} elements, expected one`);
    const branchName = Number(cond.data[0]) !== 0 ? 'then_branch' : 'else_branch';
    const attr: Attr | undefined = node.attrs[branchName];
    if (!attr || attr.kind !== 'graph') throw fail(node, `If '${node.name}' has no ${branchName} graph`);
    const branch = attr.value;
    if (branch.outputs.length !== node.outputs.length) {
      throw fail(node, `If '${node.name}': ${branchName} has ${branch.outputs.length} outputs, the node has ${node.outputs.length}`);
    }
    return { branchName, branch };
  },
  rewrite(node, plan, ctx) {
    const { branch } = plan;
    const local = branchNameMap(node, branch, ctx);
    const toLocal = (name: string): string => (name ? local.get(name) ?? name : name);
    for (const [name, t] of branch.constants) ctx.constants.set(toLocal(name), t);
    for (const [name, t] of branch.values) if (local.has(name) && !ctx.values.has(toLocal(name))) ctx.values.set(toLocal(name), t);
    const nodes = inlinedNodes(node, plan, toLocal, ctx);
    for (const n of nodes) {
      for (const i of n.inputs) if (i) ctx.readAnywhere.add(i);
      for (const { graph: sub } of subgraphsOf(n)) for (const v of freeVariables(sub)) ctx.readAnywhere.add(v);
    }
    return { kind: 'expanded', nodes };
  },
};

// ---- fold-static-shape, fold-constant ---------------------------------------------------

/** The node's outputs, now constants: `outputs[i]` is output i's value. */
function bindOutputs(node: Node, outputs: readonly Tensor[], ctx: RewriteContext): Rewrite {
  node.outputs.forEach((o, i) => {
    if (o) ctx.constants.set(o, outputs[i]);
  });
  return { kind: 'removed' };
}

function staticShape(t: ValueType | undefined): number[] | undefined {
  const s = t?.shape;
  if (!s || s.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) return undefined;
  return s as number[];
}

/** Shape/Size of a non-constant value whose declared shape is fully static: a constant. */
export const foldStaticShape: NodeRule<Tensor[]> = {
  name: 'fold-static-shape',
  counter: 'folded',
  match: (node) => isDefault(node, 'Shape') || isDefault(node, 'Size'),
  check(node, ctx) {
    const first = node.inputs[0] ?? '';
    // A constant (or missing) input is fold-constant's case.
    if (!first || ctx.constants.has(first)) return undefined;
    const shape = staticShape(ctx.values.get(first));
    if (!shape) return undefined;
    return [node.opType === 'Shape' ? shapeVector(node, shape) : sizeScalar(shape)];
  },
  rewrite: bindOutputs,
};

/** All inputs constant and compiler/const-eval has the op: its outputs become constants. */
export const foldConstant: NodeRule<Tensor[]> = {
  name: 'fold-constant',
  counter: 'folded',
  match: (node) => hasConstEvaluator(node),
  check(node, ctx) {
    if (!node.inputs.every((i) => !i || ctx.constants.has(i))) return undefined;
    try {
      return evaluateNode(node, node.inputs.map((i) => (i ? ctx.constants.get(i) : undefined)), ctx.evaluate);
    } catch (e) {
      if (e instanceof ConstEvalSkip) return new Refusal(`not folded: ${e.message}`);
      if (e instanceof ConstEvalError) throw fail(node, `cannot fold ${node.opType} '${node.name}': ${e.message}`);
      throw e;
    }
  },
  rewrite: bindOutputs,
};
