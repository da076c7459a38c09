/**
 * Content fingerprints of a graph, in parts, so that two moments (or two graphs) can be compared
 * and the first part that differs named: used by --verify-each to find a pass that edited its
 * input in place, or that reported no change and returned a different graph.
 *
 * Everything a pass can reach from a graph is covered: its fields, every node (name, op, inputs,
 * outputs, attributes with their tensors and subgraphs, origin, annotations, deeply), every
 * constant (shape, dtype and the bytes of its data), the value types and the graph annotations.
 * Typed arrays are hashed (sha1 of their bytes); everything else is written out. Object
 * identity is not part of a fingerprint: an equal copy has the same one.
 */
import { createHash } from 'node:crypto';
import { Graph } from './ir.js';

/**
 * Hashes of typed arrays, valid while nothing runs: fingerprints taken at one moment share it,
 * so an array reached twice (or from two graphs sharing it) is hashed once.
 */
export type ArrayHashes = WeakMap<ArrayBufferView | ArrayBuffer, string>;

export interface GraphFingerprint {
  /** Name, opset, inputs, outputs, outer scope. */
  readonly header: string;
  /** One part per node, in order, with the node's name. */
  readonly nodes: readonly { readonly name: string; readonly text: string }[];
  readonly constants: ReadonlyMap<string, string>;
  readonly values: string;
  readonly annotations: string;
}

export function fingerprintGraph(graph: Graph, hashes: ArrayHashes = new WeakMap()): GraphFingerprint {
  const text = (v: unknown): string => {
    const out: string[] = [];
    write(v, out, hashes, new Set());
    return out.join('');
  };
  return {
    header: text([graph.name, graph.opset, graph.opsetImports, graph.inputs, graph.outputs, [...graph.outerScope]]),
    nodes: graph.nodes.map((n) => ({ name: n.name, text: text(n) })),
    constants: new Map([...graph.constants].map(([name, t]) => [name, text(t)])),
    values: text(graph.values),
    annotations: text(graph.annotations),
  };
}

/** The first part where two fingerprints differ ("node 'Conv_3'", "constant 'w'", …), or undefined. */
export function fingerprintDifference(a: GraphFingerprint, b: GraphFingerprint): string | undefined {
  if (a.header !== b.header) return 'the graph name, opset, inputs or outputs';
  if (a.nodes.length !== b.nodes.length) return `the node list (${a.nodes.length} nodes, then ${b.nodes.length})`;
  for (let i = 0; i < a.nodes.length; i++) {
    if (a.nodes[i].text !== b.nodes[i].text) return `node '${a.nodes[i].name}'`;
  }
  if (a.constants.size !== b.constants.size) return `the constants (${a.constants.size}, then ${b.constants.size})`;
  const bNames = [...b.constants.keys()];
  let i = 0;
  for (const [name, t] of a.constants) {
    if (bNames[i++] !== name || b.constants.get(name) !== t) return `constant '${name}'`;
  }
  if (a.values !== b.values) return 'the value types (graph.values)';
  if (a.annotations !== b.annotations) return 'the graph annotations';
  return undefined;
}

function hashBytes(v: ArrayBufferView | ArrayBuffer, hashes: ArrayHashes): string {
  let h = hashes.get(v);
  if (h === undefined) {
    const bytes = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
    h = createHash('sha1').update(bytes).digest('base64');
    hashes.set(v, h);
  }
  return h;
}

function write(v: unknown, out: string[], hashes: ArrayHashes, path: Set<object>): void {
  switch (typeof v) {
    case 'string': out.push(JSON.stringify(v)); return;
    case 'number': out.push(Object.is(v, -0) ? '-0' : String(v)); return;
    case 'bigint': out.push(`${v}n`); return;
    case 'boolean': out.push(v ? 'T' : 'F'); return;
    case 'undefined': out.push('U'); return;
    case 'symbol': out.push(`sym:${String(v.description)}`); return;
    case 'function': out.push(`fn:${v.name}`); return;
  }
  if (v === null) { out.push('N'); return; }
  const o = v as object;
  if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer) {
    out.push(`<${o.constructor.name}:${o.byteLength}:${hashBytes(o, hashes)}>`);
    return;
  }
  if (path.has(o)) { out.push('^'); return; }
  path.add(o);
  if (Array.isArray(o)) {
    out.push('[');
    for (const x of o) { write(x, out, hashes, path); out.push(','); }
    out.push(']');
  } else if (o instanceof Map) {
    out.push('M{');
    for (const [k, x] of o) { write(k, out, hashes, path); out.push(':'); write(x, out, hashes, path); out.push(','); }
    out.push('}');
  } else if (o instanceof Set) {
    out.push('S{');
    for (const x of o) { write(x, out, hashes, path); out.push(','); }
    out.push('}');
  } else if (o instanceof Graph) {
    // Its public fields only: the lazy producer/consumer indexes are caches.
    const { name, opset, opsetImports, inputs, outputs, nodes, constants, values, annotations, outerScope } = o;
    out.push('G');
    write({ name, opset, opsetImports, inputs, outputs, nodes, constants, values, annotations, outerScope }, out, hashes, path);
  } else {
    out.push('{');
    for (const k of Object.keys(o)) {
      out.push(JSON.stringify(k), ':');
      write((o as Record<string, unknown>)[k], out, hashes, path);
      out.push(',');
    }
    out.push('}');
  }
  path.delete(o);
}
