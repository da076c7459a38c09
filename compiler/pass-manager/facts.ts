/**
 * Facts: what holds of the graph after a pass, named in the passes' `requires` and `provides`.
 * The built-in facts are declared here, once, with what they mean and which built-in pass
 * provides them; a plugin declares its own (`facts` in plugin.ts; the rule is in
 * fact-registry.ts). The registry refuses a pass that requires a fact no registered pass
 * provides (CIM2013).
 */
import type { Graph } from '../ir/ir.js';
import type { PassContext } from './pass.js';

/** A fact as a plugin declares it. */
export interface FactDeclaration {
  readonly name: string;
  /** What holds when the fact does (shown by `cimc passes`). */
  readonly summary: string;
}

export interface BuiltinFact extends FactDeclaration {
  /** The built-in passes that provide it (checked against the passes by a test). */
  readonly providedBy: readonly string[];
  /** The compile's result: nothing has to require it. */
  readonly result?: boolean;
  /**
   * What --verify-each checks after every pass while the fact holds: a problem, or undefined.
   * Only cheap, IR-level checks belong here.
   */
  readonly check?: (graph: Graph, ctx: PassContext) => string | undefined;
}

/** Every graph input and node output has a dtype and a static numeric shape. */
function everyValueTyped(graph: Graph, ctx: PassContext): string | undefined {
  // inspect's partial mode leaves what control flow computes untyped, on purpose (with a warning).
  if (ctx.options.partialShapes === true) return undefined;
  const untyped = (name: string): boolean => {
    const t = graph.typeOf(name);
    return !t?.dtype || !t.shape || t.shape.some((d) => typeof d !== 'number');
  };
  for (const name of graph.inputs) if (untyped(name)) return `graph input '${name}' has no static type`;
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o && untyped(o)) return `value '${o}' of node '${n.name}' has no static type, though shapes were inferred`;
  }
  return undefined;
}

const table = {
  'imported': { summary: 'the graph holds the decoded ONNX model: nodes, constants, declared types', providedBy: ['import-onnx'] },
  'qdq-imported': { summary: "Conv/Gemm/MatMul weights computed by DequantizeLinear patterns are float constants, their integers and scales in annotations.qdq; com.microsoft Q/DQ are default-domain", providedBy: ['import-qdq'] },
  'canonical': { summary: 'Identity/Dropout removed, constants folded, constant-condition If inlined, dead nodes and constants dropped', providedBy: ['canonicalize'] },
  'shapes': { summary: 'every graph input and node output has a dtype and a static shape in graph.values', providedBy: ['infer-shapes'], check: everyValueTyped },
  'cim-selected': { summary: 'every Conv/Gemm/MatMul/ConvTranspose has annotations.cim.selection: on crossbars, or why not', providedBy: ['select-cim'] },
  'cim-legal': { summary: 'every selected layer has annotations.cim.mapping: geometry, row/column tiles, slices, arrays', providedBy: ['legalize-cim'] },
  'cim-quantized': { summary: 'every mapped layer has annotations.cim.quant: weight scales, cells, ADC steps, dequantization factors', providedBy: ['quantize-weights'] },
  'cim-placed': { summary: 'every array has its chip-wide id, in execution order', providedBy: ['place'] },
  'plan': { summary: 'graph.annotations.plan holds the schema-checked plan and its sidecar', providedBy: ['emit-plan'], result: true },
} as const satisfies Readonly<Record<string, Omit<BuiltinFact, 'name'>>>;

/** The name of a built-in fact. */
export type BuiltinFactName = keyof typeof table;

/** The built-in facts, in pipeline order. */
export const builtinFacts: readonly BuiltinFact[] = Object.entries(table).map(([name, f]) => ({ name, ...f }));

/** A built-in fact by name, for `requires`/`provides` (a typo is a type error). */
export function fact(name: BuiltinFactName): string {
  return name;
}
