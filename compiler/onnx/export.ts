/**
 * ONNX back end: IR Graph → ONNX bytes (the inverse of import.ts). This file only turns the IR
 * into base/onnx-writer.ts's model description; the writer does the encoding (raw_data layout,
 * float16/bfloat16 rounding, strings, ir_version), for the compiler and the runtime alike.
 *
 * - Constants become initializers.
 * - Graph inputs and outputs carry their types from `graph.values` (dtype and shape; symbolic
 *   dims by name, the importer's placeholder `?<value>:<axis>` as an unknown dim); the other
 *   typed values produced by nodes are written as `value_info`.
 * - Attributes of every kind, subgraphs included (their constants become their initializers).
 * - The opset imports are the graph's.
 *
 * The output is deterministic: the same graph gives the same bytes (nodes, constants and
 * attributes are written in the graph's own order; no timestamps).
 */
import * as fs from 'node:fs';
import { CimcError } from '../../base/diagnostics.js';
import type { Attr, Graph, ValueType } from '../ir/ir.js';
import { writeOnnxModel, type OnnxAttr, type OnnxGraph, type OnnxValue } from '../../base/onnx-writer.js';

// Kept importable from here, where they lived before the writer moved to base/.
export { floatToBfloat16Bits, floatToHalfBits, irVersionFor } from '../../base/onnx-writer.js';

export interface ExportOptions {
  /** ModelProto.producer_name; default 'cimc'. */
  producer?: string;
}

export function exportOnnxBytes(graph: Graph, options: ExportOptions = {}): Uint8Array {
  return writeOnnxModel({ opsetImports: graph.opsetImports, graph: onnxGraphOf(graph), producer: options.producer });
}

export function exportOnnxFile(graph: Graph, file: string, options: ExportOptions = {}): void {
  const bytes = exportOnnxBytes(graph, options);
  try {
    fs.writeFileSync(file, bytes);
  } catch (e) {
    throw new CimcError('CIM5002', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}

/** The writer's description of an IR graph. */
function onnxGraphOf(graph: Graph): OnnxGraph {
  // Types of intermediate values, in the order nodes produce them.
  const listed = new Set<string>([...graph.inputs, ...graph.outputs, ...graph.constants.keys()]);
  const valueInfo: OnnxValue[] = [];
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      if (!o || listed.has(o)) continue;
      listed.add(o);
      const t = graph.values.get(o);
      if (t && (t.dtype !== undefined || t.shape !== undefined)) valueInfo.push(onnxValue(o, t));
    }
  }
  return {
    name: graph.name,
    inputs: graph.inputs.map((name) => onnxValue(name, graph.values.get(name))),
    outputs: graph.outputs.map((name) => onnxValue(name, graph.typeOf(name))),
    initializers: graph.constants,
    nodes: graph.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs,
      outputs: n.outputs,
      attrs: Object.fromEntries(Object.entries(n.attrs).map(([name, a]) => [name, onnxAttr(a)])),
    })),
    valueInfo,
  };
}

function onnxValue(name: string, type: ValueType | undefined): OnnxValue {
  if (!type) return { name };
  // The importer names an unknown dim `?<value>:<axis>`; write it back as unknown.
  const shape = type.shape?.map((d, axis) => (d === `?${name}:${axis}` ? null : d));
  return { name, type: { dtype: type.dtype, shape } };
}

function onnxAttr(a: Attr): OnnxAttr {
  switch (a.kind) {
    case 'graph': return { kind: 'graph', value: onnxGraphOf(a.value) };
    case 'graphs': return { kind: 'graphs', value: a.value.map(onnxGraphOf) };
    default: return a;
  }
}
