/**
 * Asks onnxruntime for the shape of every node output, not just the graph outputs: each
 * intermediate value is appended to graph.output (a ValueInfoProto with only a name; ORT
 * infers its type) and the model is run once.
 *
 *   const shapes = await ortValueShapes(file, { x: { dims: [1, 3, 64, 64] } });
 *   shapes.get('conv1_out')  // [1, 16, 32, 32]
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../base/onnx-proto.js';

export interface FeedSpec {
  dims: number[];
  /** Element type of the input (default float32). */
  type?: 'float32' | 'int64' | 'int32' | 'bool';
}

/** Model bytes with every node output of the main graph also listed as a graph output. */
export function exposeIntermediates(bytes: Uint8Array): { bytes: Uint8Array; names: string[] } {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  graph.output ??= [];
  const outputs = new Set(graph.output.map((o) => o.name ?? ''));
  const names: string[] = [];
  for (const node of graph.node ?? []) {
    for (const name of node.output ?? []) {
      if (!name || outputs.has(name)) continue;
      outputs.add(name);
      names.push(name);
      graph.output.push(onnx.ValueInfoProto.create({ name }));
    }
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), names };
}

/** Deterministic pseudo-random numbers in [-1, 1). */
function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function feedTensor(spec: FeedSpec, seed: number): ort.Tensor {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  switch (spec.type ?? 'float32') {
    case 'float32': return new ort.Tensor('float32', randomData(n, seed), spec.dims);
    case 'int64': return new ort.Tensor('int64', new BigInt64Array(n), spec.dims);
    case 'int32': return new ort.Tensor('int32', new Int32Array(n), spec.dims);
    case 'bool': return new ort.Tensor('bool', new Uint8Array(n), spec.dims);
  }
}

/** What onnxruntime produced for one value. */
export interface OrtValueType {
  dims: number[];
  /** ORT's element type name ('float32', 'int64', 'bool', …), the same names as cimc's DType. */
  type: string;
}

/**
 * Runs the model once with random inputs of the given shapes and returns the dims and
 * element type of every graph output and every intermediate node output ORT produced.
 */
export async function ortValueTypes(model: string | Uint8Array, feeds: Record<string, FeedSpec>): Promise<Map<string, OrtValueType>> {
  const original = typeof model === 'string' ? fs.readFileSync(model) : model;
  const { bytes } = exposeIntermediates(original);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    Object.entries(feeds).forEach(([name, spec], k) => { inputs[name] = feedTensor(spec, k + 1); });
    const results = await session.run(inputs);
    const types = new Map<string, OrtValueType>();
    for (const name of session.outputNames) {
      const t = results[name];
      if (t) types.set(name, { dims: [...t.dims], type: t.type });
    }
    return types;
  } finally {
    await session.release();
  }
}

/** Dims only: `ortValueTypes` without the element types. */
export async function ortValueShapes(model: string | Uint8Array, feeds: Record<string, FeedSpec>): Promise<Map<string, number[]>> {
  const types = await ortValueTypes(model, feeds);
  return new Map([...types].map(([name, t]) => [name, t.dims]));
}
