/** import-qdq's pattern table and the Q/DQ arithmetic it folds with (ONNX semantics). */
import { describe, expect, it } from 'vitest';
import { Graph, type Node } from '../../compiler/ir/ir.js';
import { makeTensor, pack4Bit, unpack4Bit, type Tensor } from '../../base/tensor.js';
import { DiagnosticSink } from '../../base/diagnostics.js';
import { quantizeValues, readQuantParams } from '../../compiler/const-eval/index.js';
import { importQdq } from '../../passes/import-qdq.js';
import type { PassContext } from '../../compiler/pass-manager/pass.js';

const n = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, domain = ''): Node => ({ name, opType, domain, inputs, outputs, attrs });

function graphOf(nodes: Node[], constants: Record<string, Tensor>, opset = 13): Graph {
  return new Graph({ name: 'g', opset, opsetImports: { '': opset }, inputs: ['x'], outputs: ['y'], nodes, constants: new Map(Object.entries(constants)), values: new Map([['x', { dtype: 'float32', shape: [1, 2] }]]) });
}

function run(g: Graph): { graph: Graph; notes: string[] } {
  const diagnostics = new DiagnosticSink();
  const ctx = { options: {}, diagnostics, stats: new Map() } as unknown as PassContext;
  const { graph } = importQdq.run(g, ctx);
  return { graph, notes: diagnostics.items.map((d) => d.message) };
}

describe('QuantizeLinear arithmetic', () => {
  const q = n('q', 'QuantizeLinear', ['x', 's', 'z'], ['y']);
  it('rounds half to even and saturates to the dtype', () => {
    const p = readQuantParams(q, [6], 'int8', makeTensor('float32', [], [0.5]), makeTensor('int8', [], [0]));
    // x / s = 0.5, 1.5, 2.5, −0.5: half to even gives 0, 2, 2, 0
    expect(Array.from(quantizeValues([0.25, 0.75, 1.25, -0.25, 100, -100], p))).toEqual([0, 2, 2, 0, 127, -128]); // x / s = 0.5, 1.5, 2.5, −0.5 → 0, 2, 2, 0 (half to even)
  });
  it('broadcasts per-axis scales and zero points', () => {
    const node = n('q', 'QuantizeLinear', ['x', 's', 'z'], ['y'], { axis: { kind: 'int', value: 0 } });
    const p = readQuantParams(node, [2, 2], 'uint8', makeTensor('float32', [2], [1, 0.5]), makeTensor('uint8', [2], [10, 20]));
    expect(Array.from(quantizeValues([1, 2, 1, 2], p))).toEqual([11, 12, 22, 24]);
  });
  it('packs and unpacks int4 low nibble first', () => {
    const v = [-8, 7, -1, 0, 3];
    expect(Array.from(pack4Bit(v))).toEqual([0x78, 0x0f, 0x03]);
    expect(Array.from(unpack4Bit('int4', pack4Bit(v), 5))).toEqual(v);
  });
});

describe('import-qdq patterns', () => {
  const conv = n('conv', 'Conv', ['x', 'W'], ['y']);
  const wq = makeTensor('int8', [1, 2, 1, 1], [-3, 5]);
  const scale = makeTensor('float32', [], [0.5]);

  it('dq-constant: the weight becomes its float constant and the layer keeps the integers', () => {
    const { graph } = run(graphOf([n('dq', 'DequantizeLinear', ['Wq', 's'], ['W']), conv], { Wq: wq, s: scale }));
    expect(graph.nodes.map((x) => x.opType)).toEqual(['Conv']);
    expect(Array.from(graph.constants.get('W')!.data as Float32Array)).toEqual([-1.5, 2.5]);
    const w = graph.nodes[0].annotations!.qdq!.weights!;
    expect(w.pattern).toBe('dq-constant');
    expect(Array.from(w.values)).toEqual([-3, 5]);
  });

  it('dq-clip-constant: Clip bounds narrow the range and set the bits', () => {
    const { graph } = run(graphOf([n('clip', 'Clip', ['Wq', 'lo', 'hi'], ['Wc']), n('dq', 'DequantizeLinear', ['Wc', 's'], ['W']), conv], {
      Wq: wq, s: scale, lo: makeTensor('int8', [], [-2]), hi: makeTensor('int8', [], [1]),
    }));
    const w = graph.nodes[0].annotations!.qdq!.weights!;
    expect([w.pattern, w.qmin, w.qmax, w.bits, ...w.values]).toEqual(['dq-clip-constant', -2, 1, 2, -2, 1]);
  });

  it('fake-quant: Q of a float constant is folded with ONNX rounding', () => {
    const { graph } = run(graphOf([n('q', 'QuantizeLinear', ['Wf', 's', 'z'], ['Wq']), n('dq', 'DequantizeLinear', ['Wq', 's', 'z'], ['W']), conv], {
      Wf: makeTensor('float32', [1, 2, 1, 1], [0.25, -0.75]), s: scale, z: makeTensor('int8', [], [0]),
    }));
    expect(Array.from(graph.nodes[0].annotations!.qdq!.weights!.values)).toEqual([0, -2]);
  });

  it('an input Q/DQ pair is recorded with its scale and zero point', () => {
    const { graph } = run(graphOf([
      n('xq', 'QuantizeLinear', ['x', 'xs', 'xz'], ['xqv']), n('xdq', 'DequantizeLinear', ['xqv', 'xs', 'xz'], ['xd']),
      n('conv', 'Conv', ['xd', 'W'], ['y']),
    ], { W: makeTensor('float32', [1, 2, 1, 1], [1, 2]), xs: makeTensor('float32', [], [0.1]), xz: makeTensor('uint8', [], [128]) }));
    const a = graph.nodes[2].annotations!.qdq!.activation!;
    expect([a.dtype, a.scale, a.zeroPoint, a.qmin, a.qmax, a.source]).toEqual(['uint8', Math.fround(0.1), 128, 0, 255, 'x']);
  });

  it('a weight DQ of a computed value stays digital, with a note naming the node', () => {
    const { graph, notes } = run(graphOf([n('neg', 'Neg', ['Wq'], ['Wn']), n('dq', 'DequantizeLinear', ['Wn', 's'], ['W']), conv], { Wq: wq, s: scale }));
    expect(graph.nodes.map((x) => x.opType)).toEqual(['Neg', 'DequantizeLinear', 'Conv']);
    expect(graph.nodes[2].annotations!.qdq!.digital).toMatch(/reads Neg 'neg'/);
    expect(notes.some((m) => /weights not imported.*stays digital/.test(m))).toBe(true);
  });

  it('QLinearConv gets a note, com.microsoft Q/DQ move to the default domain', () => {
    const { graph, notes } = run(graphOf([
      n('qc', 'QLinearConv', ['x'], ['t']),
      n('dq', 'DequantizeLinear', ['Wq', 's'], ['W'], {}, 'com.microsoft'), conv,
    ], { Wq: wq, s: scale }));
    expect(notes.some((m) => /QLinearConv .*runs digitally/.test(m))).toBe(true);
    expect(graph.nodes.map((x) => x.opType)).toEqual(['QLinearConv', 'Conv']);
    expect(graph.nodes[1].annotations!.qdq!.weights!.pattern).toBe('dq-constant');
  });

  it('a zero scale is a CIM1008 error naming the node', () => {
    expect(() => run(graphOf([n('dq', 'DequantizeLinear', ['Wq', 's'], ['W']), conv], { Wq: wq, s: makeTensor('float32', [], [0]) })))
      .toThrow(/scale 0 is 0/);
  });
});
