/**
 * Plan version 3 leaves out what a reader can get back exactly: the dequantization factors
 * (derived from the columns, weight scales and ADC steps, plan/dequant-factor.ts) and the float
 * weights (made again from the model, compiler/driver/float-weights.ts). Checked here on real
 * models, across targets, encodings, slice layouts, ADCs and calibration: the derived factors are
 * the compiler's own doubles bit for bit, the float weights from the model are the bytes a
 * --keep-float-weights plan stores, and both engines give the same bytes either way.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { withModelFloatWeights } from '../../compiler/driver/float-weights.js';
import { resolveTargetWithCost } from '../../targets/loader.js';
import { serializePlan } from '../../plan/writer.js';
import { loadPlan, openPlan, type LoadedPlan } from '../../plan/reader.js';
import { derivedDequantFactors } from '../../plan/dequant-factor.js';
import { cimLayerDataFromPlan, execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { OrtEngine } from '../../runtime/ort-engine/index.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { isCimcError } from '../../base/diagnostics.js';
import type { CompileOptions } from '../../compiler/pass-manager/pass.js';
import { randomFloats } from '../helpers/ort.js';
import { fixture } from '../helpers/cli.js';
import '../../compiler/cim/annotations.js';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const mnistCalib = fixture('examples/data/mnist-calib-x.npy');
const resnet20 = fixture('test/fixtures/models/torchvision/resnet20_cifar.onnx');
const mobilenet = fixture('test/fixtures/models/torchvision/mobilenet_v2.onnx');

const open = (built: { plan: unknown; sidecar: Uint8Array }): LoadedPlan => openPlan(JSON.parse(serializePlan(built as never)), 'mem.json', built.sidecar);
const bits = (a: Float64Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The whole pipeline, keeping the graph: the compiler's own factors next to the plan it wrote. */
function compiled(model: string, target: string, options: CompileOptions) {
  const compiler = createCompiler();
  const r = runModel({ modelPath: model, compiler, passes: compiler.pipeline, target: resolveTargetWithCost(target, undefined, compiler.targets), options: { ...options, sidecarUri: 'mem.bin' } });
  const built = r.graph.annotations.plan!;
  const factors = new Map(r.graph.nodes.flatMap((n) => (n.annotations?.cim?.quant ? [[n.name, n.annotations.cim.quant.dequantFactor] as const] : [])));
  return { loaded: open(built), factors };
}

describe('derived dequantization factors are the compiler\'s doubles, bit for bit', () => {
  it('as the factors a version-2 plan stored (written by cimc before version 3)', () => {
    const v2 = loadPlan(fixture('test/fixtures/plans/v2-mnist/plan.json'));
    expect(v2.plan.planVersion).toBe(2);
    v2.plan.layers.forEach((l, i) => {
      const f = (ref: Parameters<typeof v2.tensor>[0], what: string) => v2.tensor(ref, `/layers/${i}/${what}`);
      const col = (k: keyof typeof l.columns) => f(l.columns[k], k) as Int32Array;
      const columns = { rowTile: col('rowTile'), outChannel: col('outChannel'), slice: col('slice'), polarity: col('polarity') };
      const ng = l.geometry.kind === 'conv' ? l.geometry.outChannels / l.geometry.groups : l.geometry.outFeatures;
      const derived = derivedDequantFactors({ bits: l.bits, columns, rowTiles: l.rowTiles, channelsPerGroup: ng }, f(l.weightScale, 'weightScale') as Float64Array, f(l.adcStep, 'adcStep') as Float64Array);
      expect(Buffer.from(bits(derived)).equals(Buffer.from(bits(f(l.dequantFactor!, 'dequantFactor') as Float64Array))), l.name).toBe(true);
    });
  });
  const cases: [string, string, string, CompileOptions][] = [
    ['mnist seed-4b (differential, separate slices)', mnist, 'seed-4b', {}],
    ['mnist seed-4b, offset encoding, adjacent slices, dense tiling', mnist, 'seed-4b', { encoding: 'offset', sliceLayout: 'adjacent', tiling: 'dense' }],
    ['mnist isaac-8b (8-bit weights, 4 slices), layer-wise weights, array-wise ADC', mnist, 'isaac-8b', { weightGranularity: 'layer', psumGranularity: 'array' }],
    ['mnist isaac-ce', mnist, 'isaac-ce', {}],
    ['mnist large-256, ideal ADC', mnist, 'large-256', { adcBits: 'ideal' }],
    ['mnist seed-4b calibrated (mse)', mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 16 }],
    ['mnist seed-4b calibrated (sigma:3), offset, adjacent', mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 16, adcRange: 'sigma:3', encoding: 'offset', sliceLayout: 'adjacent' }],
    ['resnet20 seed-4b (signed first layer)', resnet20, 'seed-4b', {}],
    ['mobilenet_v2 seed-4b, packed depthwise groups', mobilenet, 'seed-4b', { packGroups: true }],
  ];
  for (const [name, model, target, options] of cases) {
    it(name, () => {
      const { loaded, factors } = compiled(model, target, options);
      expect(loaded.plan.planVersion).toBe(3);
      loaded.plan.layers.forEach((l, i) => {
        const compilers = factors.get(l.name)!;
        const read = cimLayerDataFromPlan(loaded, l, i).dequantFactor;
        expect(Buffer.from(bits(read)).equals(Buffer.from(bits(compilers))), `${l.name}: factors differ`).toBe(true);
        // Uncalibrated factors are always derivable, so they are always left out.
        if (loaded.plan.calibration.method === 'analytic') expect(l.dequantFactor, l.name).toBeUndefined();
        expect(l.weightMatrix, l.name).toBeUndefined();
      });
    });
  }
});

describe('float weights from the model are the ones a --keep-float-weights plan stores', () => {
  for (const [name, model, shape] of [['mnist', mnist, [1, 1, 28, 28]], ['resnet20', resnet20, [1, 3, 32, 32]]] as const) {
    it(`${name}: same weights, and both engines give the same bytes on the CIM and the float path`, async () => {
      const kept = open(compile({ model, target: 'seed-4b', options: { keepFloatWeights: true, sidecarUri: 'mem.bin' } }).built);
      const lean = open(compile({ model, target: 'seed-4b', options: { sidecarUri: 'mem.bin' } }).built);
      expect(kept.plan.layers.every((l) => l.weightMatrix)).toBe(true);
      const fromModel = withModelFloatWeights(lean, { model });
      expect(withModelFloatWeights(kept, { model })).toBe(kept); // nothing to add
      kept.plan.layers.forEach((l, i) => {
        const stored = kept.tensor(l.weightMatrix!, `w${i}`) as Float32Array;
        expect(Buffer.from(bits(fromModel.floatWeights!.get(l.name)!)).equals(Buffer.from(bits(stored))), l.name).toBe(true);
      });
      const input = kept.plan.inputs[0];
      const output = kept.plan.outputs[0].name;
      const feeds = { [input.name]: makeTensor('float32', input.shape, randomFloats((shape as readonly number[]).reduce((a, b) => a * b, 1), 41)) };
      for (const float of [false, true]) {
        const want = toFloat32(execute(executableFromPlan(kept), feeds, { float })[output]);
        expect(Buffer.from(toFloat32(execute(executableFromPlan(fromModel), feeds, { float })[output]).buffer).equals(Buffer.from(want.buffer)), `ref float=${float}`).toBe(true);
        const byOrt = async (loaded: LoadedPlan) => {
          const engine = await OrtEngine.create(loaded, { float });
          try { return toFloat32((await engine.run(feeds))[output]); } finally { await engine.release(); }
        };
        const a = await byOrt(kept);
        const b = await byOrt(fromModel);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), `ort float=${float}`).toBe(true);
      }
    });
  }
});

describe('without float weights the float path ends in CIM4006 naming the layer', () => {
  const lean = open(compile({ model: mnist, target: 'seed-4b', options: { sidecarUri: 'mem.bin' } }).built);
  const input = lean.plan.inputs[0];
  const feeds = { [input.name]: makeTensor('float32', input.shape, randomFloats(784, 3)) };
  const first = lean.plan.layers[0].name;
  const refusal = async (f: () => unknown): Promise<{ code: string; node?: string; message: string }> => {
    try { await f(); } catch (e) { if (isCimcError(e)) return { code: e.code, node: e.diagnostic.node, message: e.message }; throw e; }
    throw new Error('not refused');
  };

  it('reference and ORT engines, and the CIM path still runs', async () => {
    const exe = executableFromPlan(lean);
    expect(() => execute(exe, feeds)).not.toThrow();
    for (const r of [await refusal(() => execute(exe, feeds, { float: true })), await refusal(() => OrtEngine.create(lean, { float: true }))]) {
      expect(r).toMatchObject({ code: 'CIM4006', node: first });
      expect(r.message).toMatch(/--model .*--keep-float-weights/);
    }
  });

  it('a model that makes no weights for a plan layer is refused, naming the layer', async () => {
    const renamed = JSON.parse(serializePlan({ plan: lean.plan }));
    renamed.layers[1].name = 'not-in-the-model';
    const r = await refusal(() => withModelFloatWeights(openPlan(renamed, 'mem.json', lean.sidecar), { model: mnist }));
    expect(r).toMatchObject({ code: 'CIM4006', node: 'not-in-the-model' });
  });
});
