/** Small readers shared by the Q/DQ rules: which node is a Q, a DQ or a Clip, and their constants. */
import type { Graph, Node } from '../ir/ir.js';
import { attrFloat } from '../ir/ir.js';
import { integerRange, tensorToNumbers, type DType, type Tensor } from '../../base/tensor.js';
import { readQuantParams, type QuantParams } from '../const-eval/index.js';
import { quantizeOutputDType } from '../const-eval/quantize-ops.js';
import { onnxDTypeByCode } from '../../base/tensor.js';

export const isQuantize = (n: Node | undefined): n is Node => n !== undefined && n.domain === '' && n.opType === 'QuantizeLinear';
export const isDequantize = (n: Node | undefined): n is Node => n !== undefined && n.domain === '' && n.opType === 'DequantizeLinear';
export const isClip = (n: Node | undefined): n is Node => n !== undefined && n.domain === '' && n.opType === 'Clip';

/** A node input's constant, or undefined (omitted or computed). */
export function constantInput(graph: Graph, node: Node, index: number): Tensor | undefined {
  const name = node.inputs[index];
  return name ? graph.constants.get(name) : undefined;
}

/** Why a Q/DQ node's scale or zero point cannot be read at compile time, or undefined. */
export function paramsProblem(graph: Graph, node: Node): string | undefined {
  if (!constantInput(graph, node, 1)) return `the scale of ${node.opType} '${node.name}' is computed, not a constant`;
  if (node.inputs[2] && !constantInput(graph, node, 2)) return `the zero point of ${node.opType} '${node.name}' is computed, not a constant`;
  return undefined;
}

/** DequantizeLinear's parameters for data of `dtype` and `shape` (CIM1008 on bad ones). */
export function dequantizeParams(graph: Graph, dq: Node, dtype: DType, shape: readonly number[]): QuantParams {
  return readQuantParams(dq, shape, dtype, constantInput(graph, dq, 1)!, constantInput(graph, dq, 2));
}

/** QuantizeLinear's parameters for float data of `shape`. */
export function quantizeParams(graph: Graph, q: Node, shape: readonly number[]): QuantParams {
  const zp = constantInput(graph, q, 2);
  const dtype = quantizeOutputDType(q, zp, (code) => onnxDTypeByCode[code]);
  return readQuantParams(q, shape, dtype, constantInput(graph, q, 1)!, zp);
}

/**
 * The integer bounds of a Clip on quantized values ([−∞, ∞] where a bound is omitted), or why
 * they cannot be read. Opset < 11 Clip takes min/max attributes.
 */
export function clipBounds(graph: Graph, clip: Node, dtype: DType): { lo: number; hi: number } | string {
  const range = integerRange(dtype)!;
  const read = (index: number, attr: string, fallback: number): number | string => {
    if (graph.opset < 11) return attrFloat(clip, attr, fallback);
    if (!clip.inputs[index]) return fallback;
    const t = constantInput(graph, clip, index);
    if (!t) return `the ${attr} bound of Clip '${clip.name}' is computed, not a constant`;
    const v = tensorToNumbers(t);
    if (v.length !== 1) return `the ${attr} bound of Clip '${clip.name}' is not a scalar`;
    return v[0];
  };
  const lo = read(1, 'min', range.min);
  const hi = read(2, 'max', range.max);
  if (typeof lo === 'string') return lo;
  if (typeof hi === 'string') return hi;
  const l = Math.max(range.min, Math.ceil(lo));
  const h = Math.min(range.max, Math.floor(hi));
  if (!(l <= h)) return `Clip '${clip.name}' bounds [${lo}, ${hi}] leave no ${dtype} value`;
  return { lo: l, hi: h };
}

/** Bits of an integer range: ⌈log2(hi − lo + 1)⌉. */
export function rangeBits(lo: number, hi: number): number {
  return Math.max(1, Math.ceil(Math.log2(hi - lo + 1)));
}

/** Whether a value is read by nothing but `node` and is not a graph output. */
export function onlyFeeds(graph: Graph, value: string, node: Node): boolean {
  return !graph.outputs.includes(value) && graph.consumers(value).every((c) => c === node);
}
