/** `cimc inspect`: what a model holds after import, canonicalize and infer-shapes. */
import type { Dim, Graph } from '../ir/ir.js';
import { isFloatDType } from '../../base/tensor.js';
import '../cim/annotations.js';

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

/** A layer that carries a quantized export's own numbers (import-qdq). */
export interface InspectQuantized {
  name: string;
  opType: string;
  /** e.g. { dtype: 'int8', pattern: 'dq-constant', granularity: 'axis', bits: 8, min: -127, max: 127 } */
  weights?: { dtype: string; pattern: string; granularity: string; bits: number; min: number; max: number; zeroPoint: boolean };
  activation?: { dtype: string; scale: number; zeroPoint: number; bits: number };
}

export interface InspectReport {
  opset: number;
  inputs: InspectValue[];
  outputs: InspectValue[];
  ops: Record<string, number>;
  parameters: number;
  nodes: InspectNode[];
  /** Layers with imported quantization (absent when none). */
  quantized?: InspectQuantized[];
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
  const quantized = quantizedLayers(graph);
  const sortedOps = Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    opset: graph.opset,
    inputs: graph.inputs.map((i) => valueOf(graph, i)),
    outputs: graph.outputs.map((o) => valueOf(graph, o)),
    ops: sortedOps,
    parameters: parameterCount(graph),
    nodes: graph.nodes.map((n) => ({ name: n.name, opType: n.opType, outputs: n.outputs.filter(Boolean).map((o) => valueOf(graph, o)) })),
    ...(quantized.length ? { quantized } : {}),
  };
}

function quantizedLayers(graph: Graph): InspectQuantized[] {
  const out: InspectQuantized[] = [];
  for (const n of graph.nodes) {
    const q = n.annotations?.qdq;
    if (!q?.weights && !q?.activation) continue;
    const w = q.weights;
    const a = q.activation;
    out.push({
      name: n.name, opType: n.opType,
      ...(w ? { weights: { dtype: w.dtype, pattern: w.pattern, granularity: w.granularity, bits: w.bits, min: w.min, max: w.max, zeroPoint: w.zeroPointNonZero } } : {}),
      ...(a ? { activation: { dtype: a.dtype, scale: a.scale, zeroPoint: a.zeroPoint, bits: a.bits } } : {}),
    });
  }
  return out;
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
  if (r.quantized) {
    lines.push('', 'imported quantization (QDQ)');
    for (const q of r.quantized) {
      const parts: string[] = [];
      if (q.weights) parts.push(`weights ${q.weights.dtype} ${q.weights.bits}-bit per ${q.weights.granularity} (${q.weights.pattern}), integers ${q.weights.min}…${q.weights.max}${q.weights.zeroPoint ? ', zero point ≠ 0' : ''}`);
      if (q.activation) parts.push(`input ${q.activation.dtype} scale ${q.activation.scale} zero point ${q.activation.zeroPoint}`);
      lines.push(`  ${q.name} (${q.opType}): ${parts.join('; ')}`);
    }
  }
  return lines.join('\n') + '\n';
}
