/** Stable text form of the IR, used by golden tests and --print-ir-after. */
import type { Attr, Dim, Graph, Node } from './ir.js';
import type { Tensor } from '../../base/tensor.js';

export function formatShape(shape: readonly Dim[] | undefined): string {
  if (!shape) return '?';
  return `[${shape.join(',')}]`;
}

function formatType(graph: Graph, value: string): string {
  const t = graph.typeOf(value);
  if (!t) return '?';
  return `${t.dtype ?? '?'}${formatShape(t.shape)}`;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(7)).toString();
}

function formatTensorSummary(t: Tensor): string {
  const n = t.data.length;
  const head = Array.from({ length: Math.min(n, 4) }, (_, i) => {
    const v = t.data[i];
    return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? v.toString() : formatNumber(v);
  });
  return `${t.dtype}[${t.shape.join(',')}]{${head.join(',')}${n > 4 ? ',…' : ''}}`;
}

function formatAttr(a: Attr, indent: string): string {
  switch (a.kind) {
    case 'int': return String(a.value);
    case 'float': return formatNumber(a.value);
    case 'string': return JSON.stringify(a.value);
    case 'ints': return `[${a.value.join(',')}]`;
    case 'floats': return `[${a.value.map(formatNumber).join(',')}]`;
    case 'strings': return `[${a.value.map((s) => JSON.stringify(s)).join(',')}]`;
    case 'tensor': return formatTensorSummary(a.value);
    case 'tensors': return `[${a.value.map(formatTensorSummary).join(',')}]`;
    case 'graph': return `{\n${printGraphBody(a.value, indent + '    ')}${indent}  }`;
    case 'graphs': return `[${a.value.map((g) => `{\n${printGraphBody(g, indent + '    ')}${indent}  }`).join(', ')}]`;
  }
}

function formatNode(graph: Graph, n: Node, indent: string): string {
  const outs = n.outputs.map((o) => (o ? `%${o}: ${formatType(graph, o)}` : '_')).join(', ');
  const ins = n.inputs.map((i) => (i ? `%${i}` : '_')).join(', ');
  const keys = Object.keys(n.attrs).sort();
  const attrs = keys.length ? ` {${keys.map((k) => `${k}=${formatAttr(n.attrs[k], indent)}`).join(', ')}}` : '';
  const op = n.domain ? `${n.domain}::${n.opType}` : n.opType;
  return `${indent}${outs} = ${op}(${ins})${attrs}  # ${n.name}\n`;
}

function printGraphBody(graph: Graph, indent: string): string {
  let s = '';
  for (const i of graph.inputs) s += `${indent}input %${i}: ${formatType(graph, i)}\n`;
  const constNames = [...graph.constants.keys()].sort();
  for (const c of constNames) s += `${indent}const %${c}: ${formatTensorSummary(graph.constants.get(c)!)}\n`;
  for (const n of graph.nodes) s += formatNode(graph, n, indent);
  for (const o of graph.outputs) s += `${indent}output %${o}: ${formatType(graph, o)}\n`;
  return s;
}

/** Prints a graph; deterministic for equal graphs. */
export function printGraph(graph: Graph): string {
  return `graph ${graph.name} (opset ${graph.opset}) {\n${printGraphBody(graph, '  ')}}\n`;
}
