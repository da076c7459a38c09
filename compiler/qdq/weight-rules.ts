/**
 * The weight patterns import-qdq recognises in front of a Conv / Gemm / MatMul weight input,
 * one rule each, read top to bottom. A rule sees the DequantizeLinear that computes the weight
 * and returns the integers it dequantizes (before the zero point is taken off) with their
 * declared range, or why it does not apply (a string), or undefined when the pattern is not its.
 *
 *   dq-constant        DequantizeLinear(integer constant)                 int4 … int16, per tensor/axis/block
 *   dq-clip-constant   DequantizeLinear(Clip(integer constant, lo, hi))   Brevitas-style narrow weights
 *   fake-quant         DequantizeLinear(QuantizeLinear(float constant))   PyTorch fake-quant export
 *   fake-quant-clip    DequantizeLinear(Clip(QuantizeLinear(float constant), lo, hi))
 *
 * QuantizeLinear is folded exactly as ONNX defines it (compiler/const-eval/quantize-ops.ts:
 * round half to even, saturate to the dtype, per-axis broadcast); a Clip narrows the range and
 * so sets the real bit width.
 */
import type { Graph, Node } from '../ir/ir.js';
import { integerRange, tensorToFloat32, tensorToNumbers, type DType, type Tensor } from '../../base/tensor.js';
import { quantizeValues } from '../const-eval/index.js';
import { clipBounds, constantInput, isClip, isQuantize, paramsProblem, quantizeParams } from './qdq-nodes.js';

/** What a rule hands back: the integers DequantizeLinear reads, their type and declared range. */
export interface MatchedWeight {
  q: Int32Array;
  dtype: DType;
  shape: readonly number[];
  qmin: number;
  qmax: number;
  /** Nodes before the DQ that the pattern consumed (Q, Clip). */
  nodes: Node[];
}

export interface WeightRule {
  readonly name: string;
  match(graph: Graph, dq: Node): MatchedWeight | string | undefined;
}

function intConstant(t: Tensor | undefined): t is Tensor {
  return t !== undefined && integerRange(t.dtype) !== undefined;
}

function clipped(graph: Graph, clip: Node, base: MatchedWeight): MatchedWeight | string {
  const b = clipBounds(graph, clip, base.dtype);
  if (typeof b === 'string') return b;
  const q = base.q.map((v) => (v < b.lo ? b.lo : v > b.hi ? b.hi : v));
  return { ...base, q, qmin: Math.max(base.qmin, b.lo), qmax: Math.min(base.qmax, b.hi), nodes: [...base.nodes, clip] };
}

function fromConstant(t: Tensor): MatchedWeight {
  const r = integerRange(t.dtype)!;
  return { q: Int32Array.from(tensorToNumbers(t)), dtype: t.dtype, shape: t.shape, qmin: r.min, qmax: r.max, nodes: [] };
}

/** Q(float constant), folded. */
function foldedQuantize(graph: Graph, q: Node): MatchedWeight | string {
  const x = constantInput(graph, q, 0);
  if (!x) return `QuantizeLinear '${q.name}' quantizes a computed value, not a constant`;
  const problem = paramsProblem(graph, q);
  if (problem) return problem;
  const p = quantizeParams(graph, q, x.shape);
  return { q: quantizeValues(tensorToFloat32(x), p), dtype: p.dtype, shape: x.shape, qmin: p.qmin, qmax: p.qmax, nodes: [q] };
}

export const weightRules: readonly WeightRule[] = [
  {
    name: 'dq-constant',
    match(graph, dq) {
      const t = constantInput(graph, dq, 0);
      return intConstant(t) ? fromConstant(t) : undefined;
    },
  },
  {
    name: 'dq-clip-constant',
    match(graph, dq) {
      const clip = graph.producer(dq.inputs[0]);
      if (!isClip(clip)) return undefined;
      const t = constantInput(graph, clip, 0);
      return intConstant(t) ? clipped(graph, clip, fromConstant(t)) : undefined;
    },
  },
  {
    name: 'fake-quant',
    match(graph, dq) {
      const q = graph.producer(dq.inputs[0]);
      return isQuantize(q) ? foldedQuantize(graph, q) : undefined;
    },
  },
  {
    name: 'fake-quant-clip',
    match(graph, dq) {
      const clip = graph.producer(dq.inputs[0]);
      if (!isClip(clip)) return undefined;
      const q = graph.producer(clip.inputs[0]);
      if (!isQuantize(q)) return undefined;
      const base = foldedQuantize(graph, q);
      return typeof base === 'string' ? base : clipped(graph, clip, base);
    },
  },
];
