/** `cimc inspect`: what a model holds after import, canonicalize and infer-shapes. */
import type { Dim, Graph } from '../ir/ir.js';
import { isFloatDType } from '../../base/tensor.js';

export interface InspectValue {
  name: string;
  shape: Dim[] | null;
  dtype: string | null;
}

export interface InspectNode {
  name: string;
  opType: string;
  outputs: InspectValue[];
}

export interface InspectReport {
  opset: number;
  inputs: InspectValue[];
  outputs: InspectValue[];
  ops: Record<string, number>;
  parameters: number;
  nodes: InspectNode[];
}

function valueOf(graph: Graph, name: string): InspectValue {
  const t = graph.typeOf(name);
  return { name, shape: t?.shape ? [...t.shape] : null, dtype: t?.dtype ?? null };
}

/** Number of floating-point weight elements (initializers and Constant nodes). */
export function parameterCount(graph: Graph): number {
  let n = 0;
  for (const t of graph.constants.values()) if (isFloatDType(t.dtype)) n += t.data.length;
  return n;
}

export function inspectGraph(graph: Graph): InspectReport {
  const ops: Record<string, number> = {};
  for (const n of graph.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  const sortedOps = Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    opset: graph.opset,
    inputs: graph.inputs.map((i) => valueOf(graph, i)),
    outputs: graph.outputs.map((o) => valueOf(graph, o)),
    ops: sortedOps,
    parameters: parameterCount(graph),
    nodes: graph.nodes.map((n) => ({ name: n.name, opType: n.opType, outputs: n.outputs.filter(Boolean).map((o) => valueOf(graph, o)) })),
  };
}

const fmtShape = (v: InspectValue): string => `${v.dtype ?? '?'}[${v.shape ? v.shape.join('x') : '?'}]`;

export function formatInspect(r: InspectReport, model: string): string {
  const lines: string[] = [];
  lines.push(`model      ${model}`);
  lines.push(`opset      ${r.opset}`);
  lines.push(`inputs     ${r.inputs.map((v) => `${v.name}: ${fmtShape(v)}`).join(', ')}`);
  lines.push(`outputs    ${r.outputs.map((v) => `${v.name}: ${fmtShape(v)}`).join(', ')}`);
  lines.push(`parameters ${r.parameters.toLocaleString('en-US')}`);
  lines.push(`nodes      ${r.nodes.length}  (${Object.entries(r.ops).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  lines.push('');
  const w = Math.max(4, ...r.nodes.map((n) => n.name.length));
  const ow = Math.max(6, ...r.nodes.map((n) => n.opType.length));
  lines.push(`${'node'.padEnd(w)}  ${'opType'.padEnd(ow)}  outputs`);
  for (const n of r.nodes) lines.push(`${n.name.padEnd(w)}  ${n.opType.padEnd(ow)}  ${n.outputs.map(fmtShape).join(', ')}`);
  return lines.join('\n') + '\n';
}
