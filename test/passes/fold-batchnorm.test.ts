/**
 * fold-batchnorm on small hand-built graphs: the folded graph must compute what the original
 * computes (onnxruntime on both), and BNs that cannot be folded must stay, with a note.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../base/diagnostics.js';
import { Graph, type Attr, type Dim, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { exportOnnxBytes, floatToHalfBits } from '../../compiler/onnx/export.js';
import type { PassContext } from '../../compiler/pass-manager/pass.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { halfToFloat, makeTensor, type Tensor } from '../../base/tensor.js';
import { foldBatchNorm } from '../../passes/fold-batchnorm.js';
import { maxRelError, randomFloats, randomInput, runOrt } from '../helpers/ort.js';

// ---- graph building ----------------------------------------------------------------------

const int = (value: number): Attr => ({ kind: 'int', value });
const ints = (value: number[]): Attr => ({ kind: 'ints', value });
const float = (value: number): Attr => ({ kind: 'float', value });

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node {
  return { name, opType, domain: '', inputs, outputs, attrs };
}

let seed = 100;
const weights = (shape: number[], lo = -1, hi = 1): Tensor =>
  makeTensor('float32', shape, randomFloats(shape.reduce((a, b) => a * b, 1), seed++, lo, hi));

/** BN parameters with non-trivial statistics: γ ∈ ±[0.5, 1.5], β, μ ∈ [−1, 1), σ² ∈ [0.5, 2). */
function bnParams(prefix: string, channels: number): [string, Tensor][] {
  const gamma = randomFloats(channels, seed++, 0.5, 1.5).map((g, i) => (i % 3 === 1 ? -g : g));
  return [
    [`${prefix}_scale`, makeTensor('float32', [channels], gamma)],
    [`${prefix}_B`, weights([channels])],
    [`${prefix}_mean`, weights([channels])],
    [`${prefix}_var`, weights([channels], 0.5, 2)],
  ];
}

function bnNode(name: string, x: string, y: string, attrs: Record<string, Attr> = { epsilon: float(1e-3) }): Node {
  return node(name, 'BatchNormalization', [x, `${name}_scale`, `${name}_B`, `${name}_mean`, `${name}_var`], [y], attrs);
}

interface GraphSpec {
  opset?: number;
  inputs: [string, Dim[]][];
  outputs: string[];
  nodes: Node[];
  constants: [string, Tensor][];
  /** Shapes of intermediate values and outputs (what infer-shapes would give). */
  shapes: [string, Dim[]][];
}

function build(spec: GraphSpec): Graph {
  const opset = spec.opset ?? 13;
  const values = new Map<string, ValueType>();
  for (const [name, shape] of [...spec.inputs, ...spec.shapes]) values.set(name, { dtype: 'float32', shape });
  return new Graph({
    name: 'test', opset, opsetImports: { '': opset },
    inputs: spec.inputs.map(([n]) => n), outputs: spec.outputs, nodes: spec.nodes,
    constants: new Map(spec.constants), values,
  });
}

function context(): PassContext & { diagnostics: DiagnosticSink; stats: Map<string, number> } {
  return { options: {}, diagnostics: new DiagnosticSink(), stats: new Map() };
}

function fold(graph: Graph) {
  const ctx = context();
  const result = runPasses([foldBatchNorm], graph, ctx, { initialFacts: ['shapes'] });
  return { graph: result.graph, ctx };
}

/** Runs original and folded graphs in onnxruntime on the same random input; max relative error. */
async function compareWithOrt(original: Graph, folded: Graph): Promise<number> {
  const feeds = Object.fromEntries(original.inputs.map((name, i) => {
    const shape = original.values.get(name)!.shape!.map((d) => (typeof d === 'number' ? d : 2));
    return [name, randomInput(shape, 1000 + i)];
  }));
  const reference = await runOrt(exportOnnxBytes(original), feeds);
  const actual = await runOrt(exportOnnxBytes(folded), feeds);
  let worst = 0;
  for (const name of original.outputs) {
    expect(actual[name].dims).toEqual(reference[name].dims);
    worst = Math.max(worst, maxRelError(reference[name].data, actual[name].data));
  }
  return worst;
}

const batchNormCount = (g: Graph): number => g.nodes.filter((n) => n.opType === 'BatchNormalization').length;

// ---- cases that fold ---------------------------------------------------------------------

interface FoldCase {
  name: string;
  graph: () => Graph;
  /** The producer that absorbs the BN. */
  producer: string;
}

function convCase(name: string, o: { cin: number; cout: number; group: number; bias: boolean; rank?: 1 | 2; opset?: number; bnAttrs?: Record<string, Attr> }): FoldCase {
  const k = o.rank === 1 ? [3] : [3, 3];
  const spatial = o.rank === 1 ? [11] : [7, 6];
  const outSpatial = o.rank === 1 ? [11] : [7, 6];
  return {
    name, producer: 'conv',
    graph: () => build({
      opset: o.opset,
      inputs: [['x', ['N', o.cin, ...spatial]]],
      outputs: ['y'],
      nodes: [
        node('conv', 'Conv', o.bias ? ['x', 'w', 'b'] : ['x', 'w'], ['c'], { group: int(o.group), pads: ints(k.flatMap(() => [1, 1])), kernel_shape: ints(k) }),
        bnNode('bn', 'c', 'y', o.bnAttrs),
      ],
      constants: [['w', weights([o.cout, o.cin / o.group, ...k])], ...(o.bias ? [['b', weights([o.cout])] as [string, Tensor]] : []), ...bnParams('bn', o.cout)],
      shapes: [['c', ['N', o.cout, ...outSpatial]], ['y', ['N', o.cout, ...outSpatial]]],
    }),
  };
}

function gemmCase(name: string, o: { transB: 0 | 1; c?: number[]; alpha?: number; beta?: number; opset?: number }): FoldCase {
  const [m, k, n] = [3, 5, 4];
  const attrs: Record<string, Attr> = { transB: int(o.transB) };
  if (o.alpha !== undefined) attrs.alpha = float(o.alpha);
  if (o.beta !== undefined) attrs.beta = float(o.beta);
  return {
    name, producer: 'gemm',
    graph: () => build({
      opset: o.opset,
      inputs: [['a', [m, k]]],
      outputs: ['y'],
      nodes: [node('gemm', 'Gemm', o.c ? ['a', 'w', 'c'] : ['a', 'w'], ['g'], attrs), bnNode('bn', 'g', 'y')],
      constants: [['w', weights(o.transB ? [n, k] : [k, n])], ...(o.c ? [['c', weights(o.c)] as [string, Tensor]] : []), ...bnParams('bn', n)],
      shapes: [['g', [m, n]], ['y', [m, n]]],
    }),
  };
}

function convTransposeCase(name: string, o: { cin: number; coutPerGroup: number; group: number; bias: boolean; stride?: number }): FoldCase {
  const cout = o.coutPerGroup * o.group;
  const s = o.stride ?? 1;
  const out = (5 - 1) * s + 3;
  return {
    name, producer: 'deconv',
    graph: () => build({
      inputs: [['x', [1, o.cin, 5, 5]]],
      outputs: ['y'],
      nodes: [
        node('deconv', 'ConvTranspose', o.bias ? ['x', 'w', 'b'] : ['x', 'w'], ['d'], { group: int(o.group), strides: ints([s, s]), kernel_shape: ints([3, 3]) }),
        bnNode('bn', 'd', 'y'),
      ],
      constants: [['w', weights([o.cin, o.coutPerGroup, 3, 3])], ...(o.bias ? [['b', weights([cout])] as [string, Tensor]] : []), ...bnParams('bn', cout)],
      shapes: [['d', [1, cout, out, out]], ['y', [1, cout, out, out]]],
    }),
  };
}

const foldCases: FoldCase[] = [
  convCase('Conv 2-D + BN', { cin: 4, cout: 6, group: 1, bias: true }),
  convCase('Conv without bias + BN', { cin: 4, cout: 6, group: 1, bias: false }),
  convCase('grouped Conv (g=2) + BN', { cin: 4, cout: 6, group: 2, bias: true }),
  convCase('depthwise Conv + BN, no bias', { cin: 8, cout: 8, group: 8, bias: false }),
  convCase('Conv 1-D + BN', { cin: 3, cout: 5, group: 1, bias: true, rank: 1 }),
  convCase('Conv + BN opset 7 (spatial=1)', { cin: 3, cout: 4, group: 1, bias: true, opset: 7, bnAttrs: { epsilon: float(1e-5), spatial: int(1), momentum: float(0.9) } }),
  convCase('Conv + BN opset 9', { cin: 3, cout: 4, group: 1, bias: false, opset: 9 }),
  convCase('Conv + BN opset 15 (training_mode=0)', { cin: 3, cout: 4, group: 1, bias: true, opset: 15, bnAttrs: { epsilon: float(1e-5), training_mode: int(0) } }),
  gemmCase('Gemm transB=0 + BN, C [N]', { transB: 0, c: [4] }),
  gemmCase('Gemm transB=1 + BN, C [N], alpha/beta', { transB: 1, c: [4], alpha: 0.7, beta: 1.3 }),
  gemmCase('Gemm transB=1 + BN, no C', { transB: 1 }),
  gemmCase('Gemm transB=0 + BN, scalar C, beta', { transB: 0, c: [], beta: -0.5 }),
  gemmCase('Gemm transB=1 + BN, C [M, 1]', { transB: 1, c: [3, 1] }),
  gemmCase('Gemm transB=0 + BN opset 9, C [1, N]', { transB: 0, c: [1, 4], opset: 9 }),
  convTransposeCase('ConvTranspose + BN', { cin: 4, coutPerGroup: 3, group: 1, bias: true }),
  convTransposeCase('grouped ConvTranspose (g=2, stride 2) + BN, no bias', { cin: 4, coutPerGroup: 3, group: 2, bias: false, stride: 2 }),
  convTransposeCase('depthwise ConvTranspose + BN', { cin: 4, coutPerGroup: 1, group: 4, bias: true }),
];

/** Max relative error against onnxruntime per folding case, with its bound; printed and checked at the end. */
interface Measured {
  name: string;
  err: number;
  bound: number;
  note?: string;
}
const measured: Measured[] = [];
/** The folding tests that measure: every fold case, the BN chain, shared weights, float16. */
const measuringTests = foldCases.length + 3;

describe('fold-batchnorm folds', () => {
  it.each(foldCases)('$name', async ({ graph: make, producer }) => {
    const original = make();
    const { graph: folded, ctx } = fold(original);
    expect(batchNormCount(folded)).toBe(0);
    expect(ctx.stats.get('fold-batchnorm.folded')).toBe(1);
    const n = folded.node(producer)!;
    expect(n.origin).toEqual([producer, 'bn']);
    expect(n.outputs).toEqual(['y']);
    expect(n.inputs).toHaveLength(3);
    for (const i of n.inputs.slice(1)) expect(folded.constants.get(i)!.data).toBeInstanceOf(Float32Array);
    // BN parameters are gone, the old intermediate value too; the output keeps its shape.
    for (const p of ['bn_scale', 'bn_B', 'bn_mean', 'bn_var']) expect(folded.constants.has(p)).toBe(false);
    expect(folded.values.has(original.node(producer)!.outputs[0])).toBe(false);
    expect(folded.values.get('y')).toEqual(original.values.get('y'));
    expect(folded.values.get(original.inputs[0])).toEqual(original.values.get(original.inputs[0]));
    const err = await compareWithOrt(original, folded);
    measured.push({ name: expect.getState().currentTestName ?? '?', err, bound: 1e-4 });
    expect(err).toBeLessThan(1e-4);
  });

  it('folds a chain Conv → BN → BN into the Conv', async () => {
    const original = build({
      inputs: [['x', [1, 3, 6, 6]]], outputs: ['y2'],
      nodes: [node('conv', 'Conv', ['x', 'w'], ['c'], { kernel_shape: ints([1, 1]) }), bnNode('bn1', 'c', 'y1'), bnNode('bn2', 'y1', 'y2')],
      constants: [['w', weights([4, 3, 1, 1])], ...bnParams('bn1', 4), ...bnParams('bn2', 4)],
      shapes: [['c', [1, 4, 6, 6]], ['y1', [1, 4, 6, 6]], ['y2', [1, 4, 6, 6]]],
    });
    const { graph: folded } = fold(original);
    expect(folded.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(folded.node('conv')!.origin).toEqual(['conv', 'bn1', 'bn2']);
    expect([...folded.values.keys()].sort()).toEqual(['x', 'y2']);
    const err = await compareWithOrt(original, folded);
    measured.push({ name: 'Conv → BN → BN chain', err, bound: 1e-4 });
    expect(err).toBeLessThan(1e-4);
  });

  it('gives a weight shared by two Convs a fresh name instead of overwriting it', async () => {
    const original = build({
      inputs: [['x', [1, 3, 5, 5]]], outputs: ['y1', 'y2'],
      nodes: [
        node('conv1', 'Conv', ['x', 'w', 'b'], ['c1'], { kernel_shape: ints([3, 3]) }), bnNode('bn1', 'c1', 'y1'),
        node('conv2', 'Conv', ['x', 'w', 'b'], ['c2'], { kernel_shape: ints([3, 3]) }), bnNode('bn2', 'c2', 'y2'),
      ],
      constants: [['w', weights([4, 3, 3, 3])], ['b', weights([4])], ...bnParams('bn1', 4), ...bnParams('bn2', 4)],
      shapes: [['c1', [1, 4, 3, 3]], ['y1', [1, 4, 3, 3]], ['c2', [1, 4, 3, 3]], ['y2', [1, 4, 3, 3]]],
    });
    const { graph: folded } = fold(original);
    expect(batchNormCount(folded)).toBe(0);
    const [w1, w2] = [folded.node('conv1')!.inputs[1], folded.node('conv2')!.inputs[1]];
    expect(w1).not.toBe(w2);
    expect([w1, w2]).toContain('w');
    const err = await compareWithOrt(original, folded);
    measured.push({ name: 'two Convs sharing weights', err, bound: 1e-4 });
    expect(err).toBeLessThan(1e-4);
  });

  it('keeps float16 weights float16 (rounded), and onnxruntime agrees within float16 precision', async () => {
    const w = weights([4, 3, 3, 3]);
    const half = (t: Tensor): Tensor => ({ ...t, dtype: 'float16', data: Float32Array.from(t.data as Float32Array, (v) => Math.round(v * 1024) / 1024) });
    const original = new Graph({
      name: 'f16', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'],
      nodes: [node('conv', 'Conv', ['x', 'w'], ['c'], { kernel_shape: ints([3, 3]) }), bnNode('bn', 'c', 'y')],
      constants: new Map<string, Tensor>([['w', half(w)], ...bnParams('bn', 4).map(([n, t]): [string, Tensor] => [n, half(t)])]),
      values: new Map<string, ValueType>([['x', { dtype: 'float16', shape: [1, 3, 5, 5] }], ['c', { dtype: 'float16', shape: [1, 4, 3, 3] }], ['y', { dtype: 'float16', shape: [1, 4, 3, 3] }]]),
    });
    const { graph: folded } = fold(original);
    expect(batchNormCount(folded)).toBe(0);
    expect(folded.constants.get('w')!.dtype).toBe('float16');
    const x = randomInput([1, 3, 5, 5], 5).data as Float32Array;
    const feeds = { x: { dims: [1, 3, 5, 5], data: Uint16Array.from(x, floatToHalfBits), type: 'float16' as const } };
    const [ref, act] = [await runOrt(exportOnnxBytes(original), feeds), await runOrt(exportOnnxBytes(folded), feeds)];
    const err = maxRelError(Array.from(ref.y.data as Uint16Array, halfToFloat), Array.from(act.y.data as Uint16Array, halfToFloat));
    measured.push({ name: 'float16 Conv + BN', err, bound: 1e-2, note: 'float16 arithmetic' });
    expect(err).toBeLessThan(1e-2);
  });
});

// ---- cases that do not fold ------------------------------------------------------------------

describe('fold-batchnorm keeps', () => {
  const base = (over: Partial<GraphSpec>): Graph => build({
    inputs: [['x', [1, 3, 5, 5]]], outputs: ['y'],
    nodes: [node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), bnNode('bn', 'c', 'y')],
    constants: [['w', weights([4, 3, 3, 3])], ['b', weights([4])], ...bnParams('bn', 4)],
    shapes: [['c', [1, 4, 3, 3]], ['y', [1, 4, 3, 3]]],
    ...over,
  });

  const keepCases: { name: string; graph: () => Graph; reason: RegExp }[] = [
    {
      name: 'a BN after a Relu (standalone BN)',
      graph: () => base({
        nodes: [node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), node('relu', 'Relu', ['c'], ['r']), bnNode('bn', 'r', 'y')],
        shapes: [['c', [1, 4, 3, 3]], ['r', [1, 4, 3, 3]], ['y', [1, 4, 3, 3]]],
      }),
      reason: /Relu 'relu', not Conv/,
    },
    {
      name: 'a BN whose Conv output is also read elsewhere',
      graph: () => base({
        outputs: ['y', 'r'],
        nodes: [node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), bnNode('bn', 'c', 'y'), node('relu', 'Relu', ['c'], ['r'])],
        shapes: [['c', [1, 4, 3, 3]], ['r', [1, 4, 3, 3]], ['y', [1, 4, 3, 3]]],
      }),
      reason: /also read elsewhere/,
    },
    {
      name: 'a BN whose Conv output is a graph output',
      graph: () => base({ outputs: ['y', 'c'] }),
      reason: /also read elsewhere/,
    },
    {
      name: 'a BN after a Conv with non-constant weights',
      graph: () => base({
        inputs: [['x', [1, 3, 5, 5]], ['w', [4, 3, 3, 3]]],
        constants: [['b', weights([4])], ...bnParams('bn', 4)],
      }),
      reason: /weight 'w' is not a constant/,
    },
    {
      name: 'a BN with non-constant statistics',
      graph: () => base({
        inputs: [['x', [1, 3, 5, 5]], ['bn_mean', [4]]],
        constants: [['w', weights([4, 3, 3, 3])], ['b', weights([4])], ...bnParams('bn', 4).filter(([n]) => n !== 'bn_mean')],
      }),
      reason: /mean 'bn_mean' is not a constant/,
    },
    {
      name: 'a training-mode BN (opset 15)',
      graph: () => base({ opset: 15, nodes: [node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), bnNode('bn', 'c', 'y', { training_mode: int(1) })] }),
      reason: /training_mode is 1/,
    },
    {
      name: 'a spatial=0 BN (opset 7)',
      graph: () => base({ opset: 7, nodes: [node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]) }), bnNode('bn', 'c', 'y', { spatial: int(0) })] }),
      reason: /spatial = 0/,
    },
    {
      name: 'a BN whose channel count differs from the Conv (malformed)',
      graph: () => base({ constants: [['w', weights([4, 3, 3, 3])], ['b', weights([4])], ...bnParams('bn', 1)] }),
      reason: /4 output channels, BatchNormalization 1/,
    },
    {
      name: 'a BN on a graph input',
      graph: () => base({ nodes: [bnNode('bn', 'x', 'y')], constants: bnParams('bn', 3), shapes: [['y', [1, 3, 5, 5]]] }),
      reason: /not produced by a node/,
    },
  ];

  it.each(keepCases)('$name, with a note', ({ graph: make, reason }) => {
    const original = make();
    const { graph: result, ctx } = fold(original);
    expect(batchNormCount(result)).toBe(1);
    expect(result).toBe(original);
    expect(ctx.stats.get('fold-batchnorm.kept')).toBe(1);
    const notes = ctx.diagnostics.items.filter((d) => d.severity === 'note' && d.node === 'bn');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ code: 'CIM2000', pass: 'fold-batchnorm', opType: 'BatchNormalization' });
    expect(notes[0].message).toMatch(reason);
  });

  it('runs a graph with a kept BN unchanged in onnxruntime', async () => {
    const original = keepCases[0].graph();
    const { graph: result } = fold(original);
    expect(await compareWithOrt(original, result)).toBe(0);
  });

  it('folds inside If branches too', () => {
    const branch = base({ inputs: [] }).with({ name: 'then', outerScope: new Set(['x']) });
    const g = build({
      inputs: [['x', [1, 3, 5, 5]], ['cond', []]], outputs: ['out'],
      nodes: [node('if', 'If', ['cond'], ['out'], { then_branch: { kind: 'graph', value: branch }, else_branch: { kind: 'graph', value: branch } })],
      constants: [], shapes: [['out', [1, 4, 3, 3]]],
    });
    const { graph: folded, ctx } = fold(g);
    expect(ctx.stats.get('fold-batchnorm.folded')).toBe(2);
    const attr = folded.node('if')!.attrs.then_branch;
    expect(attr.kind === 'graph' && attr.value.nodes.map((n) => n.opType)).toEqual(['Conv']);
  });
});

describe('report', () => {
  it('prints the measured errors', () => {
    const lines = measured.map((m) => `${m.name}: ${m.err.toExponential(2)}${m.note ? ` (${m.note})` : ''}`);
    console.log(`fold-batchnorm max relative error vs onnxruntime:\n  ${lines.join('\n  ')}`);
    // What the report shows: every folding test compared against onnxruntime (none missing, e.g.
    // when onnxruntime could not run), and each error is a real number within its case's bound.
    expect(measured.map((m) => m.name)).toHaveLength(measuringTests);
    expect(new Set(measured.map((m) => m.name)).size).toBe(measuringTests);
    for (const m of measured) {
      expect(Number.isFinite(m.err), m.name).toBe(true);
      expect(m.err, m.name).toBeLessThan(m.bound);
    }
  });
});
