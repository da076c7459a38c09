/**
 * fold-batchnorm: fold an inference BatchNormalization into the Conv, ConvTranspose or Gemm
 * that feeds it.
 *
 * BN computes y = (x − μ)·γ/√(σ² + ε) + β per channel, i.e. y = x·s + t with
 * s = γ/√(σ² + ε) and t = β − μ·s. When x is the output of a linear operator with constant
 * weights read by nothing but the BN, the operator absorbs it: every weight feeding output
 * channel c is multiplied by s[c], and the bias becomes b'[c] = b[c]·s[c] + t[c]
 * (= (b − μ)·s + β). The arithmetic is float64; results are stored in the weight's dtype.
 *
 * The folded node keeps the producer's name and inputs order, takes over the BN's output name
 * and records `origin: [producer, bn]`. A BN that cannot be folded stays (it runs digitally);
 * the reason is reported as a note (CIM2000) and counted in `fold-batchnorm.kept`.
 */
import { attrInt, attrFloat, subgraphsOf, type Attr, type Graph, type Node, type ValueType } from '../compiler/ir/ir.js';
import { definePass, type PassContext } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { allocSharedFloats, allocStorage, isFloatDType, sizeOf, type DType, type Tensor } from '../base/tensor.js';
import { roundToBFloat16, roundToFloat16 } from '../base/float-round.js';

/** Per-channel y = x·scale + shift, in float64. */
interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** What a rule hands back: the producer's new weight, bias and attributes. */
interface FoldedParams {
  weight: Tensor;
  bias: Tensor;
  /** Replaces the producer's attributes (default: unchanged). */
  attrs?: Readonly<Record<string, Attr>>;
}

/**
 * A producer the BN can fold into. `check` says why it cannot absorb a per-output-channel
 * affine of `channels` channels (undefined = it can); `rewrite` computes the new tensors.
 * Both see the weight (input 1) and bias (input 2) as constants, checked beforehand.
 */
interface FoldRule {
  readonly opType: string;
  check(producer: Node, weight: Tensor, bias: Tensor | undefined, channels: number): string | undefined;
  rewrite(producer: Node, weight: Tensor, bias: Tensor | undefined, affine: ChannelAffine): FoldedParams;
}

// ---- rules ---------------------------------------------------------------------------

/** Conv: W[Cout, Cin/g, k…] — output channel o owns the contiguous block W[o]. Any group count. */
const convRule: FoldRule = {
  opType: 'Conv',
  check(_conv, w, bias, channels) {
    if (w.shape.length < 3) return `Conv weight has rank ${w.shape.length}, expected ≥ 3`;
    if (w.shape[0] !== channels) return `Conv has ${w.shape[0]} output channels, BatchNormalization ${channels}`;
    return biasProblem(bias, channels);
  },
  rewrite(_conv, w, bias, affine) {
    const cout = w.shape[0];
    const block = sizeOf(w.shape) / cout;
    return {
      weight: scaleWeightBlocks(w, block, affine),
      bias: foldedBias(bias, affine, w.dtype),
    };
  },
};

/**
 * ConvTranspose: W[Cin, Cout/g, k…] — element [ci, j, …] feeds output channel
 * ⌊ci / (Cin/g)⌋·(Cout/g) + j.
 */
const convTransposeRule: FoldRule = {
  opType: 'ConvTranspose',
  check(node, w, bias, channels) {
    if (w.shape.length < 3) return `ConvTranspose weight has rank ${w.shape.length}, expected ≥ 3`;
    const group = attrInt(node, 'group', 1);
    if (group < 1 || w.shape[0] % group !== 0) return `ConvTranspose group ${group} does not divide ${w.shape[0]} input channels`;
    if (w.shape[1] * group !== channels) return `ConvTranspose has ${w.shape[1] * group} output channels, BatchNormalization ${channels}`;
    return biasProblem(bias, channels);
  },
  rewrite(node, w, bias, affine) {
    const group = attrInt(node, 'group', 1);
    const [cin, coutPerGroup] = w.shape;
    const cinPerGroup = cin / group;
    const spatial = sizeOf(w.shape.slice(2));
    const channelOf = (i: number): number => {
      const ci = Math.floor(i / (coutPerGroup * spatial));
      const j = Math.floor(i / spatial) % coutPerGroup;
      return Math.floor(ci / cinPerGroup) * coutPerGroup + j;
    };
    return { weight: scaleWeights(w, channelOf, affine), bias: foldedBias(bias, affine, w.dtype) };
  },
};

/**
 * Gemm: Y = α·A'·B' + β·C with B[K, N] (transB = 0) or B[N, K] (transB = 1); the BN scales
 * output feature n. C becomes s·β·C + t (broadcast to [N], or [M, N] for a per-row C) and
 * the β attribute is dropped (default 1).
 */
const gemmRule: FoldRule = {
  opType: 'Gemm',
  check(gemm, b, c, channels) {
    if (b.shape.length !== 2) return `Gemm B has rank ${b.shape.length}, expected 2`;
    const n = attrInt(gemm, 'transB', 0) ? b.shape[0] : b.shape[1];
    if (n !== channels) return `Gemm has ${n} output features, BatchNormalization ${channels}`;
    if (c && !gemmBiasShape(c.shape, n)) return `Gemm C of shape [${c.shape.join(',')}] does not broadcast to [M, ${n}]`;
    return undefined;
  },
  rewrite(gemm, b, c, affine) {
    const transB = attrInt(gemm, 'transB', 0) !== 0;
    const n = transB ? b.shape[0] : b.shape[1];
    const k = transB ? b.shape[1] : b.shape[0];
    const weight = scaleWeights(b, transB ? (i) => Math.floor(i / k) : (i) => i % n, affine);
    const beta = attrFloat(gemm, 'beta', 1);
    const shape = c ? gemmBiasShape(c.shape, n)! : [n];
    const rows = shape.length === 2 ? shape[0] : 1;
    const values = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        const cv = c ? Number(c.data[broadcastIndex(c.shape, r, j)]) : 0;
        values[r * n + j] = beta * cv * affine.scale[j] + affine.shift[j];
      }
    }
    const { beta: _dropped, ...attrs } = gemm.attrs;
    return { weight, bias: storeAs(b.dtype, shape, values), attrs };
  },
};

/** Producers a BatchNormalization folds into, by operator. */
const foldRules: ReadonlyMap<string, FoldRule> = new Map([convRule, convTransposeRule, gemmRule].map((r) => [r.opType, r]));

// ---- rule helpers -------------------------------------------------------------------

function biasProblem(bias: Tensor | undefined, channels: number): string | undefined {
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== channels)) return `bias of shape [${bias.shape.join(',')}] is not [${channels}]`;
  return undefined;
}

/** Shape of the folded Gemm C for a C of this shape ([N] or [rows, N]), or undefined. */
function gemmBiasShape(shape: readonly number[], n: number): number[] | undefined {
  if (shape.length === 0) return [n];
  if (shape.length === 1) return shape[0] === 1 || shape[0] === n ? [n] : undefined;
  if (shape.length === 2) return shape[1] === 1 || shape[1] === n ? [shape[0], n] : undefined;
  return undefined;
}

/** Flat index into a C of `shape` for output element (row, col) under broadcasting. */
function broadcastIndex(shape: readonly number[], row: number, col: number): number {
  if (shape.length === 0) return 0;
  if (shape.length === 1) return shape[0] === 1 ? 0 : col;
  const r = shape[0] === 1 ? 0 : row;
  const c = shape[1] === 1 ? 0 : col;
  return r * shape[1] + c;
}

/** W'[i] = W[i]·scale[channelOf(i)], in float64, stored in W's dtype. */
function scaleWeights(w: Tensor, channelOf: (index: number) => number, affine: ChannelAffine): Tensor {
  const values = new Float64Array(w.data.length);
  for (let i = 0; i < values.length; i++) values[i] = Number(w.data[i]) * affine.scale[channelOf(i)];
  return storeAs(w.dtype, w.shape, values);
}

/**
 * scaleWeights for W[C, block…] (channel c owns the contiguous block c): the same float64
 * products, without a per-element channel lookup or float64 copy (float32 weights, the common
 * case, are stored directly, which rounds exactly as storeAs does).
 */
function scaleWeightBlocks(w: Tensor, block: number, affine: ChannelAffine): Tensor {
  if (w.dtype !== 'float32' && w.dtype !== 'float64') return scaleWeights(w, (i) => Math.floor(i / block), affine);
  const src = w.data as Float32Array | Float64Array;
  const out = allocSharedFloats(w.dtype, src.length); // shared: quantize-weights' worker reads it in place
  const channels = affine.scale.length;
  for (let c = 0; c < channels; c++) {
    const s = affine.scale[c];
    const end = (c + 1) * block;
    for (let i = c * block; i < end; i++) out[i] = src[i] * s;
  }
  return { dtype: w.dtype, shape: [...w.shape], data: out };
}

/** b'[c] = b[c]·scale[c] + shift[c] (b = 0 when absent). */
function foldedBias(bias: Tensor | undefined, affine: ChannelAffine, dtype: DType): Tensor {
  const values = new Float64Array(affine.scale.length);
  for (let c = 0; c < values.length; c++) values[c] = (bias ? Number(bias.data[c]) : 0) * affine.scale[c] + affine.shift[c];
  return storeAs(bias?.dtype ?? dtype, [values.length], values);
}

/**
 * Stores float64 values in a float dtype, rounding float16/bfloat16 to their precision: to
 * float32 (their storage) first, then to the narrow format, fp16(fp32(x)) — what folded weights
 * have always held (a direct fp16(x) differs in rare double-rounding cases).
 */
function storeAs(dtype: DType, shape: readonly number[], values: Float64Array): Tensor {
  const data = allocStorage(dtype, values.length) as Float32Array | Float64Array;
  const round = dtype === 'float16' ? (x: number) => roundToFloat16(Math.fround(x))
    : dtype === 'bfloat16' ? roundToBFloat16 // the nearest bfloat16 of fp32(x)
      : (x: number) => x;
  for (let i = 0; i < values.length; i++) data[i] = round(values[i]);
  return { dtype, shape: [...shape], data };
}

// ---- matching -------------------------------------------------------------------------

/** A BN that passed every check, with what the rewrite needs. */
interface Match {
  bn: Node;
  producer: Node;
  rule: FoldRule;
  weight: Tensor;
  bias: Tensor | undefined;
  affine: ChannelAffine;
}

/** Names read anywhere inside the subgraphs of a graph's nodes (outer-scope uses). */
function namesUsedInSubgraphs(graph: Graph): Set<string> {
  const used = new Set<string>();
  const visit = (g: Graph): void => {
    for (const n of g.nodes) {
      for (const i of n.inputs) if (i) used.add(i);
      for (const { graph: sub } of subgraphsOf(n)) visit(sub);
    }
    for (const o of g.outputs) used.add(o);
  };
  for (const n of graph.nodes) for (const { graph: sub } of subgraphsOf(n)) visit(sub);
  return used;
}

/** How many places read a value: nodes, graph outputs, subgraphs. */
function useCount(graph: Graph, value: string, subgraphUses: ReadonlySet<string>): number {
  return graph.consumers(value).length + (graph.outputs.includes(value) ? 1 : 0) + (subgraphUses.has(value) ? 1 : 0);
}

function floatConstant(graph: Graph, name: string, what: string): Tensor | string {
  if (!name) return `${what} is missing`;
  const t = graph.constants.get(name);
  if (!t) return `${what} '${name}' is not a constant`;
  if (!isFloatDType(t.dtype)) return `${what} '${name}' has dtype ${t.dtype}`;
  return t;
}

/** The per-channel affine of an inference BN, or why it is not one. */
function batchNormAffine(graph: Graph, bn: Node): ChannelAffine | string {
  if (attrInt(bn, 'training_mode', 0) !== 0) return 'training_mode is 1';
  if (attrInt(bn, 'spatial', 1) !== 1) return 'spatial = 0 (per-element statistics) is not folded';
  const params: Tensor[] = [];
  for (const [index, what] of [[1, 'scale'], [2, 'B'], [3, 'mean'], [4, 'var']] as const) {
    const t = floatConstant(graph, bn.inputs[index] ?? '', what);
    if (typeof t === 'string') return t;
    if (t.shape.length !== 1) return `${what} has shape [${t.shape.join(',')}], expected [C]`;
    params.push(t);
  }
  const channels = params[0].shape[0];
  if (params.some((p) => p.shape[0] !== channels)) return `scale, B, mean and var differ in length (${params.map((p) => p.shape[0]).join(', ')})`;
  const [gamma, beta, mean, variance] = params;
  const epsilon = attrFloat(bn, 'epsilon', 1e-5);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = Number(gamma.data[c]) / Math.sqrt(Number(variance.data[c]) + epsilon);
    shift[c] = Number(beta.data[c]) - Number(mean.data[c]) * scale[c];
  }
  return { scale, shift };
}

/** Match and check one BN; a string says why it does not fold. */
function matchBatchNorm(graph: Graph, bn: Node, subgraphUses: ReadonlySet<string>): Match | string {
  const x = bn.inputs[0];
  const producer = x ? graph.producer(x) : undefined;
  if (!producer) return 'its input is not produced by a node';
  const rule = producer.domain === '' ? foldRules.get(producer.opType) : undefined;
  if (!rule) return `its input comes from ${producer.opType} '${producer.name}', not Conv, ConvTranspose or Gemm`;
  if (producer.outputs.filter(Boolean).length !== 1) return `${producer.opType} '${producer.name}' has several outputs`;
  if (useCount(graph, x, subgraphUses) !== 1) return `${producer.opType} output '${x}' is also read elsewhere`;
  for (const extra of bn.outputs.slice(1)) {
    if (extra && useCount(graph, extra, subgraphUses) > 0) return `its statistics output '${extra}' is used`;
  }
  const affine = batchNormAffine(graph, bn);
  if (typeof affine === 'string') return affine;
  const weight = floatConstant(graph, producer.inputs[1] ?? '', `${producer.opType} weight`);
  if (typeof weight === 'string') return weight;
  let bias: Tensor | undefined;
  if (producer.inputs[2]) {
    const b = floatConstant(graph, producer.inputs[2], `${producer.opType} bias`);
    if (typeof b === 'string') return b;
    bias = b;
  }
  const problem = rule.check(producer, weight, bias, affine.scale.length);
  if (problem) return problem;
  return { bn, producer, rule, weight, bias, affine };
}

// ---- rewriting ------------------------------------------------------------------------

/** A name not used by any value of the graph, derived from `base`. */
function freshName(graph: Graph, base: string, taken: ReadonlySet<string>): string {
  const used = (n: string): boolean => taken.has(n) || graph.constants.has(n) || graph.values.has(n) || graph.inputs.includes(n) || graph.producer(n) !== undefined;
  if (!used(base)) return base;
  let k = 2;
  while (used(`${base}_${k}`)) k++;
  return `${base}_${k}`;
}

/** Replaces producer + BN by the folded node; drops constants nobody reads any more. */
function applyFold(graph: Graph, m: Match, subgraphUses: ReadonlySet<string>): Graph {
  const { bn, producer } = m;
  const folded = m.rule.rewrite(producer, m.weight, m.bias, m.affine);
  const constants = new Map(graph.constants);
  const taken = new Set<string>();

  // Overwrite a constant only the producer reads; otherwise give the new one a fresh name.
  const place = (oldName: string | undefined, tensor: Tensor, base: string): string => {
    if (oldName && useCount(graph, oldName, subgraphUses) === 1) {
      constants.set(oldName, tensor);
      return oldName;
    }
    const name = freshName(graph, base, taken);
    taken.add(name);
    constants.set(name, tensor);
    return name;
  };
  const weightName = place(producer.inputs[1], folded.weight, `${producer.inputs[1]}_bnfolded`);
  const oldBias = producer.inputs[2] || undefined;
  const biasName = place(oldBias, folded.bias, oldBias ? `${oldBias}_bnfolded` : `${producer.name}_bias`);

  const node: Node = {
    ...producer,
    inputs: [producer.inputs[0], weightName, biasName],
    outputs: [bn.outputs[0]],
    attrs: folded.attrs ?? producer.attrs,
    origin: [...(producer.origin ?? [producer.name]), ...(bn.origin ?? [bn.name])],
  };
  const nodes = graph.nodes.filter((n) => n !== bn).map((n) => (n === producer ? node : n));

  // The BN parameters are dead unless something else reads them.
  for (const p of bn.inputs.slice(1)) {
    if (p && constants.has(p) && useCount(graph, p, subgraphUses) === 1 && p !== weightName && p !== biasName) constants.delete(p);
  }

  const values = new Map<string, ValueType>(graph.values);
  const oldOutput = producer.outputs.find(Boolean)!;
  const producerType = values.get(oldOutput);
  values.delete(oldOutput);
  for (const extra of bn.outputs.slice(1)) if (extra) values.delete(extra);
  if (!values.has(bn.outputs[0]) && producerType) values.set(bn.outputs[0], producerType);
  return graph.with({ nodes, constants, values });
}

/** Folds every foldable BN of a graph and of its subgraphs. */
function foldGraph(graph: Graph, ctx: PassContext, counts: { folded: number; kept: number }): Graph {
  // Subgraphs first (their BNs are independent of this level's).
  let current = graph;
  if (graph.nodes.some((n) => subgraphsOf(n).length > 0)) {
    const nodes = graph.nodes.map((n): Node => {
      if (subgraphsOf(n).length === 0) return n;
      const attrs: Record<string, Attr> = {};
      for (const [key, a] of Object.entries(n.attrs)) {
        if (a.kind === 'graph') attrs[key] = { kind: 'graph', value: foldGraph(a.value, ctx, counts) };
        else if (a.kind === 'graphs') attrs[key] = { kind: 'graphs', value: a.value.map((g) => foldGraph(g, ctx, counts)) };
        else attrs[key] = a;
      }
      return { ...n, attrs };
    });
    current = graph.with({ nodes });
  }

  const batchNorms = current.nodes.filter((n) => n.opType === 'BatchNormalization' && n.domain === '').map((n) => n.name);
  for (const name of batchNorms) {
    const bn = current.nodes.find((n) => n.name === name);
    if (!bn) continue;
    const subgraphUses = namesUsedInSubgraphs(current);
    const m = matchBatchNorm(current, bn, subgraphUses);
    if (typeof m === 'string') {
      counts.kept++;
      ctx.diagnostics.note('CIM2000', `BatchNormalization not folded (stays digital): ${m}`, { node: bn.name, opType: bn.opType, pass: 'fold-batchnorm' });
      continue;
    }
    current = applyFold(current, m, subgraphUses);
    counts.folded++;
  }
  return current;
}

export const foldBatchNorm = definePass({
  name: 'fold-batchnorm',
  summary: 'Fold inference BatchNormalization into the Conv, ConvTranspose or Gemm before it.',
  requires: [fact('shapes')],
  // Nothing new holds: a BatchNormalization it cannot fold stays in the graph (a note says why).
  provides: [],
  run(graph, ctx) {
    const counts = { folded: 0, kept: 0 };
    const result = foldGraph(graph, ctx, counts);
    ctx.stats.set('fold-batchnorm.folded', counts.folded);
    ctx.stats.set('fold-batchnorm.kept', counts.kept);
    return { graph: counts.folded > 0 ? result : graph, changed: counts.folded > 0 };
  },
});
