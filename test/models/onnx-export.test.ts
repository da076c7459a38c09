/**
 * onnx-export: import → export → import gives the same printed IR, the bytes are stable,
 * and onnxruntime runs the exported file with the original's outputs.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Graph, type Attr, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { exportOnnxBytes, floatToBfloat16Bits, floatToHalfBits, irVersionFor } from '../../compiler/onnx/export.js';
import { importOnnxBytes, importOnnxFile } from '../../compiler/onnx/import.js';
import { onnx } from '../../base/onnx-proto.js';
import { bfloat16ToFloat, halfToFloat, makeTensor, type Tensor } from '../../base/tensor.js';
import { ocrAssetsDir, requireModelFile, torchvisionDir, torchvisionModelFiles } from '../helpers/model-files.js';
import { maxRelError, randomInput, runOrt, type OrtValue } from '../helpers/ort.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, domain = ''): Node {
  return { name, opType, domain, inputs, outputs, attrs };
}

function graphOf(init: {
  name?: string; opsetImports: Record<string, number>; inputs: string[]; outputs: string[]; nodes: Node[];
  constants: [string, Tensor][]; values: [string, ValueType][];
}): Graph {
  return new Graph({
    name: init.name ?? 'main', opset: init.opsetImports[''], opsetImports: init.opsetImports,
    inputs: init.inputs, outputs: init.outputs, nodes: init.nodes,
    constants: new Map(init.constants), values: new Map(init.values),
  });
}

function roundTrip(g: Graph): { bytes: Uint8Array; again: Graph } {
  const bytes = exportOnnxBytes(g);
  return { bytes, again: importOnnxBytes(bytes) };
}

const f16 = (x: number): number => halfToFloat(floatToHalfBits(x));

describe('float16 / bfloat16 encoding', () => {
  it('every half bit pattern survives half → float → half', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (Number.isNaN(x)) expect(Number.isNaN(halfToFloat(floatToHalfBits(x)))).toBe(true);
      else expect(floatToHalfBits(x)).toBe(h);
    }
  });
  it('rounds floats to the nearest half, ties to even, overflow to Inf', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToHalfBits(65520)).toBe(0x7c00);
    expect(floatToHalfBits(-1e-8)).toBe(0x8000);
    expect(floatToHalfBits(2 ** -25 * 1.5)).toBe(0x0001); // rounds up into the smallest subnormal
  });
  it('every bfloat16 bit pattern survives, and floats round to nearest even', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = bfloat16ToFloat(h);
      if (Number.isNaN(x)) expect(Number.isNaN(bfloat16ToFloat(floatToBfloat16Bits(x)))).toBe(true);
      else expect(floatToBfloat16Bits(x)).toBe(h);
    }
    expect(floatToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
});

describe('ir_version', () => {
  it('follows the opset', () => {
    expect(irVersionFor({ '': 7 })).toBe(3);
    expect(irVersionFor({ '': 8 })).toBe(3);
    expect(irVersionFor({ '': 9 })).toBe(4);
    expect(irVersionFor({ '': 11 })).toBe(6);
    expect(irVersionFor({ '': 13 })).toBe(7);
    expect(irVersionFor({ '': 17 })).toBe(8);
    expect(irVersionFor({ '': 19 })).toBe(9);
    expect(irVersionFor({ '': 21 })).toBe(10);
    expect(irVersionFor({ '': 11, 'ai.onnx.ml': 3 })).toBe(8);
  });
});

/** Every constant dtype and every attribute kind, on a node of a custom domain (not run). */
function everythingGraph(): Graph {
  const branch = graphOf({
    name: 'branch', opsetImports: { '': 8, 'com.example': 1 }, inputs: [], outputs: ['b_out'],
    nodes: [node('b_add', 'Add', ['x', 'b_one'], ['b_out'])],
    constants: [['b_one', makeTensor('float32', [], [1])]],
    values: [['b_out', { dtype: 'float32', shape: ['N', 3] }]],
  });
  const attrs: Record<string, Attr> = {
    i: { kind: 'int', value: -7 },
    f: { kind: 'float', value: 0.1 },
    s: { kind: 'string', value: 'héllo' },
    is: { kind: 'ints', value: [1, -2, 2 ** 40] },
    fs: { kind: 'floats', value: [0.5, -1.5] },
    ss: { kind: 'strings', value: ['a', '', 'c'] },
    t: { kind: 'tensor', value: makeTensor('int32', [2], [3, -4]) },
    ts: { kind: 'tensors', value: [makeTensor('float32', [1], [2]), makeTensor('int64', [], [5])] },
    g: { kind: 'graph', value: branch },
    gs: { kind: 'graphs', value: [branch, branch.with({ name: 'other' })] },
  };
  const half = new Float32Array([0, -0, 1, -2.5, 65504, 2 ** -24, 2 ** -14 * 0.5, Infinity]);
  return graphOf({
    name: 'everything', opsetImports: { '': 8, 'com.example': 1 },
    inputs: ['x'], outputs: ['y', 'z'],
    nodes: [
      node('custom', 'Everything', ['x', 'f64', '', 'i8'], ['y', ''], attrs, 'com.example'),
      node('relu', 'Relu', ['y'], ['z']),
    ],
    constants: [
      ['f64', makeTensor('float64', [2], [Math.PI, -1e300])],
      ['f16', { dtype: 'float16', shape: [2, 4], data: half }],
      ['bf16', makeTensor('bfloat16', [3], [1.5, -2, 2 ** 127])],
      ['i8', makeTensor('int8', [2], [-128, 127])],
      ['u8', makeTensor('uint8', [2], [0, 255])],
      ['i16', makeTensor('int16', [2], [-32768, 32767])],
      ['u16', makeTensor('uint16', [1], [65535])],
      ['i32', makeTensor('int32', [1, 2], [-(2 ** 31), 2 ** 31 - 1])],
      ['u32', makeTensor('uint32', [1], [2 ** 32 - 1])],
      ['i64', makeTensor('int64', [3], [-(2n ** 63n), 2n ** 62n + 1n, 0n])],
      ['u64', makeTensor('uint64', [1], [2n ** 64n - 1n])],
      ['bool', makeTensor('bool', [3], [1, 0, 1])],
      ['str', makeTensor('string', [2], ['x', 'ü'])],
      ['empty', makeTensor('float32', [0, 3], [])],
      ['scalar', makeTensor('float32', [], [42])],
    ],
    values: [
      ['x', { dtype: 'float32', shape: ['N', 3] }],
      ['y', { dtype: 'float32', shape: ['?y:0', 3] }],
      ['z', { dtype: 'float32', shape: [] }],
    ],
  });
}

describe('hand-built graphs', () => {
  it('round-trips every dtype and attribute kind', () => {
    const g = everythingGraph();
    const { bytes, again } = roundTrip(g);
    expect(printGraph(again)).toBe(printGraph(g));
    for (const [name, t] of g.constants) {
      const u = again.constants.get(name)!;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      expect(Array.from(u.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
    const custom = again.node('custom')!;
    expect(custom.domain).toBe('com.example');
    expect(custom.attrs).toMatchObject({ i: { kind: 'int', value: -7 }, is: { value: [1, -2, 2 ** 40] }, ss: { value: ['a', '', 'c'] } });
    expect(again.opsetImports).toEqual({ '': 8, 'com.example': 1 });
    // Unknown dims stay unknown (no dim_param), symbolic ones keep their name.
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(3);
    const y = model.graph!.output!.find((o) => o.name === 'y')!;
    expect(y.type!.tensorType!.shape!.dim![0].dimParam ?? '').toBe('');
    // IR 3 lists initializers as graph inputs; the importer drops them again.
    expect(model.graph!.input!.map((i) => i.name)).toContain('f64');
    expect(again.inputs).toEqual(['x']);
    // Deterministic bytes.
    expect(Buffer.from(exportOnnxBytes(again)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('runs in onnxruntime: float16/bfloat16/int64 constants, If subgraphs, symbolic dims (opset 13)', async () => {
    const one = (name: string): Graph => graphOf({
      name, opsetImports: { '': 13 }, inputs: [], outputs: [`${name}_out`],
      nodes: [node(`${name}_op`, name === 'then' ? 'Add' : 'Sub', ['y4', `${name}_c`], [`${name}_out`])],
      constants: [[`${name}_c`, makeTensor('float32', [], [name === 'then' ? 1 : 2])]],
      values: [],
    });
    const c16 = [0.5, -1.25, 3, 2 ** -10];
    const cbf = [1.5, -2, 0.25, 256];
    const g = graphOf({
      opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y6'],
      nodes: [
        node('to_half', 'Cast', ['x'], ['xh'], { to: { kind: 'int', value: 10 } }),
        node('to_float', 'Cast', ['xh'], ['xf'], { to: { kind: 'int', value: 1 } }),
        node('c16_to_float', 'Cast', ['c16'], ['c32'], { to: { kind: 'int', value: 1 } }),
        node('add', 'Add', ['xf', 'c32'], ['y1']),
        node('bf_to_float', 'Cast', ['cbf'], ['bf32'], { to: { kind: 'int', value: 1 } }),
        node('mul', 'Mul', ['y1', 'bf32'], ['y2']),
        node('reshape', 'Reshape', ['y2', 'shape'], ['y3']),
        node('leaky', 'LeakyRelu', ['y3'], ['y4'], { alpha: { kind: 'float', value: 0.1 } }),
        node('branch', 'If', ['cond'], ['y5'], { then_branch: { kind: 'graph', value: one('then') }, else_branch: { kind: 'graph', value: one('else') } }),
        node('transpose', 'Transpose', ['y5'], ['y6'], { perm: { kind: 'ints', value: [1, 0] } }),
      ],
      constants: [
        ['c16', makeTensor('float16', [4], c16)],
        ['cbf', makeTensor('bfloat16', [4], cbf)],
        ['shape', makeTensor('int64', [2], [-1n, 2n])],
        ['cond', makeTensor('bool', [], [1])],
      ],
      values: [
        ['x', { dtype: 'float32', shape: ['N', 4] }],
        ['y1', { dtype: 'float32', shape: ['N', 4] }],
        ['y3', { dtype: 'float32', shape: ['?y3:0', 2] }],
        ['y6', { dtype: 'float32', shape: [2, 'twoN'] }],
      ],
    });
    const { bytes, again } = roundTrip(g);
    expect(printGraph(again)).toBe(printGraph(g));
    const x = randomInput([3, 4], 7);
    const out = (await runOrt(bytes, { x })).y6;
    expect(out.dims).toEqual([2, 6]);
    // Expected: y4 = leaky((f16(x) + c16) * bf) reshaped [6, 2], +1 (then branch), transposed.
    // (Arithmetic stays in float32: onnxruntime's float16 Add does not round ties to even.)
    const xs = x.data as Float32Array;
    const y4 = Array.from(xs, (v, i) => {
      const y = Math.fround(Math.fround(f16(v) + c16[i % 4]) * cbf[i % 4]);
      return y < 0 ? Math.fround(Math.fround(0.1) * y) : y;
    });
    const expected = new Float32Array(12);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 2; c++) expected[c * 6 + r] = y4[r * 2 + c] + 1;
    expect(Array.from(out.data as Float32Array)).toEqual(Array.from(expected));
  });

  it('writes ir_version 3 for opset 8 and 10 for opset 21, both accepted by onnxruntime', async () => {
    for (const opset of [8, 21]) {
      const g = graphOf({
        opsetImports: { '': opset }, inputs: ['a'], outputs: ['c'],
        nodes: [node('gemm', 'Gemm', ['a', 'w', 'bias'], ['c'], { transB: { kind: 'int', value: 1 } })],
        constants: [['w', makeTensor('float32', [2, 3], [1, 2, 3, 4, 5, 6])], ['bias', makeTensor('float32', [2], [0.5, -0.5])]],
        values: [['a', { dtype: 'float32', shape: [1, 3] }], ['c', { dtype: 'float32', shape: [1, 2] }]],
      });
      const bytes = exportOnnxBytes(g);
      expect(Number(onnx.ModelProto.decode(bytes).irVersion)).toBe(opset === 8 ? 3 : 10);
      const out = await runOrt(bytes, { a: { dims: [1, 3], data: new Float32Array([1, 1, 1]) } });
      expect(Array.from(out.c.data as Float32Array)).toEqual([6.5, 14.5]);
    }
  });
});

// ---- real models -------------------------------------------------------------------

interface ModelCase {
  file: string;
  /** Sizes for symbolic input dims (others default to 1). */
  dims?: Record<string, number>;
}

const ocr = ocrAssetsDir;
const torchvision = torchvisionDir;
// Missing models fail (the listing throws at collection, requireModelFile in the test): never a skip.
const modelCases = ([
  { file: path.join(root, 'test/fixtures/models/blazeface/face_detection_front_128x128_barracuda.onnx') },
  { file: path.join(ocr, 'ch_PP-OCRv4_det_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 64, 'p2o.DynamicDimension.2': 96 } },
  { file: path.join(ocr, 'ch_PP-OCRv4_rec_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 80 } },
  { file: path.join(ocr, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 } },
  ...torchvisionModelFiles().map((f) => ({ file: path.join(torchvision, f) })),
] as ModelCase[]);

/** Seeded random feeds for a graph's inputs (float32 only). */
function feedsFor(g: Graph, dims: Record<string, number> = {}, seed = 1): Record<string, OrtValue> {
  const feeds: Record<string, OrtValue> = {};
  g.inputs.forEach((name, i) => {
    const shape = (g.values.get(name)?.shape ?? []).map((d) => (typeof d === 'number' ? d : dims[d] ?? 1));
    feeds[name] = randomInput(shape, seed + i);
  });
  return feeds;
}

describe.each(modelCases.map((c) => ({ ...c, name: path.basename(c.file) })))('real model $name', ({ file, dims }) => {
  it('round-trips (printed IR, bytes) and runs in onnxruntime like the original', async () => {
    const g = importOnnxFile(requireModelFile(file));
    const { bytes, again } = roundTrip(g);
    expect(printGraph(again)).toBe(printGraph(g));
    expect(Buffer.from(exportOnnxBytes(again)).equals(Buffer.from(bytes))).toBe(true);
    const feeds = feedsFor(g, dims);
    const reference = await runOrt(file, feeds);
    const exported = await runOrt(bytes, feeds);
    for (const name of g.outputs) {
      expect(exported[name].dims).toEqual(reference[name].dims);
      const err = maxRelError(reference[name].data, exported[name].data);
      console.log(`export ${path.basename(file)} ${name}: max rel error ${err}`);
      expect(err).toBeLessThan(1e-6);
    }
  });
});
