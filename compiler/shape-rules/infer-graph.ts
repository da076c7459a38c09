/**
 * Walks a graph in order and applies the shape rule of each node. Values carry their
 * elements when small and known (constants, Shape outputs and arithmetic on them), so
 * shape computations exported as subgraphs resolve without constant folding.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { Graph, Node, ValueType } from '../ir/ir.js';
import { tensorToNumbers, type Tensor } from '../../base/tensor.js';
import { shapeRules } from './index.js';
import { dimsText, maxKnownElements, maxValueElements, productOf, type InferredValue, type ShapeRule, type ShapeRuleContext } from './types.js';

/** A declared type (value_info or graph output) that disagrees with the inferred one. */
export interface DeclaredMismatch {
  value: string;
  node: Node;
  declared: ValueType;
  inferred: InferredValue;
}

export interface InferGraphOptions {
  /** Types of the graph inputs, dynamic dims already bound. */
  inputs: ReadonlyMap<string, InferredValue>;
  /** Told about every declared type the inference disagrees with (inference wins). */
  onDeclaredMismatch?(mismatch: DeclaredMismatch): void;
  rules?: Readonly<Record<string, ShapeRule>>;
  /**
   * Partial inference (for inspection): a node no rule covers (CIM2001) is reported here and its
   * outputs, and everything computed from them, are left untyped instead of failing.
   */
  onUnsupported?(error: CimcError): void;
}

/** Inferred types of the graph inputs and of every node output, by value name. */
export function inferGraphShapes(graph: Graph, options: InferGraphOptions): Map<string, InferredValue> {
  const scope = new Scope(graph);
  for (const name of graph.inputs) {
    const t = options.inputs.get(name);
    if (!t) throw new CimcError('CIM2003', `graph input '${name}' has no bound type`, { field: `/graph/input/${name}` });
    if (productOf(t.shape) > maxValueElements) {
      throw new CimcError('CIM2002', `graph input '${name}' of shape ${dimsText(t.shape)} has ${productOf(t.shape)} elements, more than the ${maxValueElements} cimc supports`, { field: `/graph/input/${name}` });
    }
    scope.inferred.set(name, t);
  }
  inferNodes(scope, options);
  return scope.inferred;
}

class Scope {
  readonly inferred = new Map<string, InferredValue>();
  private readonly constants = new Map<string, InferredValue>();

  constructor(readonly graph: Graph, readonly parent?: Scope) {}

  lookup(name: string): InferredValue | undefined {
    const v = this.inferred.get(name);
    if (v) return v;
    const cached = this.constants.get(name);
    if (cached) return cached;
    const t = this.graph.constants.get(name);
    if (t) {
      const c = constantValue(t);
      this.constants.set(name, c);
      return c;
    }
    return this.parent?.lookup(name);
  }
}

function constantValue(t: Tensor): InferredValue {
  if (t.dtype === 'string' || t.data.length > maxKnownElements) return { dtype: t.dtype, shape: t.shape };
  return { dtype: t.dtype, shape: t.shape, data: tensorToNumbers(t) };
}

function inferNodes(scope: Scope, options: InferGraphOptions): void {
  const rules = options.rules ?? shapeRules;
  for (const node of scope.graph.nodes) {
    if (options.onUnsupported) {
      if (node.inputs.some((i) => i && !scope.lookup(i))) continue; // downstream of an untyped value
      try {
        inferNode(scope, node, options, rules);
      } catch (e) {
        if (!(e instanceof CimcError) || e.code !== 'CIM2001') throw e;
        options.onUnsupported(e);
      }
      continue;
    }
    inferNode(scope, node, options, rules);
  }
}

function inferNode(scope: Scope, node: Node, options: InferGraphOptions, rules: Readonly<Record<string, ShapeRule>>): void {
  {
    const where = { node: node.name, opType: node.opType };
    if (node.domain !== '') {
      throw new CimcError('CIM2001', `no shape rule for ${node.domain}::${node.opType} (custom domain '${node.domain}')`, where);
    }
    const rule = Object.hasOwn(rules, node.opType) ? rules[node.opType] : undefined;
    if (!rule) throw new CimcError('CIM2001', `no shape rule for ${node.opType} (opset ${scope.graph.opset})`, where);
    const results = rule(ruleContext(node, scope, options));
    node.outputs.forEach((name, k) => {
      if (!name) return;
      const result = results[k];
      if (!result) throw new CimcError('CIM2001', `no shape rule for output ${k} ('${name}') of ${node.opType}`, where);
      if (result.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
        throw new CimcError('CIM2002', `inferred shape ${dimsText(result.shape)} of '${name}' is not a list of non-negative integers`, where);
      }
      if (productOf(result.shape) > maxValueElements) {
        throw new CimcError('CIM2002', `'${name}' of shape ${dimsText(result.shape)} would have ${productOf(result.shape)} elements, more than the ${maxValueElements} cimc supports`, where);
      }
      scope.inferred.set(name, result);
      const declared = scope.graph.values.get(name);
      if (declared && options.onDeclaredMismatch && disagrees(declared, result)) {
        options.onDeclaredMismatch({ value: name, node, declared, inferred: result });
      }
    });
  }
}

/** Whether a declared type contradicts an inferred one (symbolic declared dims match anything). */
function disagrees(declared: ValueType, inferred: InferredValue): boolean {
  if (declared.dtype && declared.dtype !== inferred.dtype) return true;
  const shape = declared.shape;
  if (!shape) return false;
  return shape.length !== inferred.shape.length || shape.some((d, k) => typeof d === 'number' && d !== inferred.shape[k]);
}

function ruleContext(node: Node, scope: Scope, options: InferGraphOptions): ShapeRuleContext {
  const where = { node: node.name, opType: node.opType };
  const has = (i: number): boolean => i < node.inputs.length && node.inputs[i] !== '';
  const inconsistent = (message: string): CimcError => new CimcError('CIM2002', message, where);
  const unsupported = (message: string): CimcError => new CimcError('CIM2001', message, where);
  const input = (i: number): InferredValue => {
    if (!has(i)) throw inconsistent(`input ${i} is required`);
    const name = node.inputs[i];
    const v = scope.lookup(name);
    if (!v) throw new CimcError('CIM1005', `input '${name}' has no type: nothing before this node produces it`, where);
    return v;
  };
  return {
    node,
    opset: scope.graph.opset,
    has,
    input,
    shape: (i) => input(i).shape,
    dtype: (i) => input(i).dtype,
    value: (i) => (has(i) ? input(i).data : undefined),
    requireValue(i, what) {
      if (!has(i)) throw inconsistent(`${what} (input ${i}) is required`);
      const data = input(i).data;
      if (!data) {
        throw unsupported(`output shape depends on ${what} ('${node.inputs[i]}'), whose values are computed from runtime data and are not known at compile time`);
      }
      return data;
    },
    inconsistent,
    unsupported,
    inferSubgraph(graph) {
      if (graph.inputs.length > 0) throw unsupported(`subgraph '${graph.name}' has inputs; only If branches are inferred`);
      const sub = new Scope(graph, scope);
      inferNodes(sub, options);
      return graph.outputs.map((name) => {
        const v = sub.lookup(name);
        if (!v) throw new CimcError('CIM1005', `subgraph output '${name}' is never produced`, where);
        return v;
      });
    },
  };
}
