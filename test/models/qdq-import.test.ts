/**
 * QDQ / QAT exports mapped with the model's own integers and scales: with an ideal ADC the
 * reference runtime's output equals onnxruntime running the QDQ model itself (the layer is on
 * crossbars, weights.method is imported, and no Q/DQ is left in the plan's schedule).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan } from '../../plan/writer.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { CimcError } from '../../base/diagnostics.js';
import { maxRelError, randomFloats, runOrt } from '../helpers/ort.js';
import { inputShape, qdqModel, type QdqModelSpec } from '../helpers/qdq-models.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-qdq-'));

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(file, bytes);
  return file;
}

function planFor(model: string, options: Record<string, unknown> = {}, target = 'isaac-8b'): { loaded: LoadedPlan; notes: string[] } {
  const { built, diagnostics } = compile({ model, target, options: { adcBits: 'ideal', ...options, sidecarUri: 'mem.bin' } });
  return { loaded: openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar), notes: diagnostics.map((d) => d.message) };
}

function runPlan(loaded: LoadedPlan, x: Float32Array): Float32Array {
  const input = loaded.plan.inputs[0];
  const out = execute(executableFromPlan(loaded), { [input.name]: makeTensor('float32', input.shape, x) });
  return toFloat32(out[loaded.plan.outputs[0].name]);
}

const int8In = { dtype: 'int8' as const, zeroPoint: 0, scale: 0.02 };
const cases: { name: string; spec: QdqModelSpec; options?: Record<string, unknown>; granularity: string }[] = [
  { name: 'per-tensor int8', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'int8', perAxis: false }, input: int8In }, granularity: 'layer' },
  { name: 'per-axis int8', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'int8', perAxis: true }, input: int8In }, granularity: 'channel' },
  { name: 'per-axis int8 Gemm', spec: { op: 'Gemm', opset: 13, weight: { kind: 'dq', dtype: 'int8', perAxis: true }, input: int8In }, granularity: 'channel' },
  { name: 'int4 opset 21', spec: { op: 'Conv', opset: 21, weight: { kind: 'dq', dtype: 'int4', perAxis: true }, input: int8In }, options: { weightBits: 4 }, granularity: 'channel' },
  { name: 'Clip-bounded 4-bit in int8', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq-clip', dtype: 'int8', lo: -7, hi: 7 }, input: int8In }, options: { weightBits: 3 }, granularity: 'layer' },
  { name: 'fake-quant Q→DQ', spec: { op: 'Conv', opset: 13, weight: { kind: 'fake-quant', dtype: 'int8', perAxis: true }, input: int8In }, granularity: 'channel' },
  { name: 'non-zero weight zero point (uint8, offset encoding)', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'uint8', perAxis: false, zeroPoint: 128 }, input: int8In }, options: { encoding: 'offset' }, granularity: 'layer' },
  { name: 'uint8 activation with zero point', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'int8', perAxis: true }, input: { dtype: 'uint8', zeroPoint: 100, scale: 0.015 } }, granularity: 'channel' },
  { name: 'activation Clip between Q and DQ (4-bit)', spec: { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'int8', perAxis: true }, input: { dtype: 'int8', zeroPoint: 0, scale: 0.1, clip: [-8, 7] } }, options: { actBits: 4 }, granularity: 'channel' },
  { name: 'com.microsoft Q/DQ', spec: { op: 'Conv', opset: 13, domain: 'com.microsoft', weight: { kind: 'dq', dtype: 'int8', perAxis: true }, input: int8In }, granularity: 'channel' },
  { name: 'int16 weights opset 21', spec: { op: 'Gemm', opset: 21, weight: { kind: 'dq', dtype: 'int16', perAxis: true }, input: int8In }, options: { weightBits: 16 }, granularity: 'channel' },
  { name: 'block-quantized, blocks line up with row tiles', spec: { op: 'Conv', opset: 21, weight: { kind: 'dq', dtype: 'int8', perAxis: false, blockSize: 3 }, input: int8In }, granularity: 'column' },
];

describe('QDQ models map onto crossbars with their own integers and scales', () => {
  for (const c of cases) {
    it(`${c.name}: ideal ADC equals onnxruntime on the QDQ model`, async () => {
      const bytes = qdqModel(c.spec);
      const file = write(c.name.replace(/[^a-z0-9]+/gi, '-'), bytes);
      const { loaded } = planFor(file, c.options);
      const plan = loaded.plan;
      expect(plan.layers).toHaveLength(1);
      expect(plan.layers[0].weights.method).toBe('imported');
      expect(plan.layers[0].weights.granularity).toBe(c.granularity);
      expect(plan.layers[0].activation.scale).toBe(Math.fround(c.spec.input.scale));
      // The input Q/DQ pair is the layer's own input quantization: nothing digital is left.
      expect(plan.schedule.filter((s) => s.kind === 'digital').map((s) => s.opType)).toEqual([]);
      const shape = inputShape(c.spec);
      const x = randomFloats(shape.reduce((a, b) => a * b, 1), 11, -1.5, 1.5);
      const ref = await runOrt(bytes, { x: { dims: shape, data: x } });
      const ours = runPlan(loaded, x);
      expect(maxRelError(ref.y.data as Float32Array, ours)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('the model-side numbers differ from a re-quantized compile (the import is not a no-op)', async () => {
    const spec = cases[0].spec;
    const bytes = qdqModel(spec);
    const file = write('requant-compare', bytes);
    const shape = inputShape(spec);
    const x = randomFloats(shape.reduce((a, b) => a * b, 1), 11, -1.5, 1.5);
    const ref = await runOrt(bytes, { x: { dims: shape, data: x } });
    // The float pipeline without import-qdq: DQ folded to floats, weights re-quantized by cimc.
    const { built } = compile({
      model: file, target: 'isaac-8b', options: { adcBits: 'ideal', sidecarUri: 'mem.bin' },
      passes: ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm', 'select-cim', 'legalize-cim', 'quantize-weights', 'place', 'emit-plan'],
    });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    expect(loaded.plan.layers[0].weights.method).toBe('maxabs');
    expect(maxRelError(ref.y.data as Float32Array, runPlan(loaded, x))).toBeGreaterThan(1e-4);
  });

  it('int8 weights on a 4-bit target are refused with a coded error saying why', () => {
    const file = write('too-wide', qdqModel(cases[1].spec));
    let err: unknown;
    try { planFor(file, {}, 'seed-4b'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CimcError);
    expect((err as CimcError).diagnostic.code).toBe('CIM2005');
    expect((err as CimcError).message).toMatch(/imported int8 weights are integers in \[-12\d, 12\d\], beyond the layer's 4-bit differential range \[-15, 15\] \(they need 7 bits\); use --weight-bits 7/);
  });

  it('--imported-quant requantize maps them anyway, re-quantized, with a note', () => {
    const file = write('too-wide-requant', qdqModel(cases[1].spec));
    const { loaded, notes } = planFor(file, { importedQuant: 'requantize', actBits: 8 }, 'seed-4b');
    expect(loaded.plan.layers[0].weights.method).toBe('maxabs');
    expect(notes.some((n) => /re-quantized to 4 bits/.test(n))).toBe(true);
  });

  it('a uint8 weight zero point the encoding cannot hold exactly is refused', () => {
    const spec: QdqModelSpec = { op: 'Conv', opset: 13, weight: { kind: 'dq', dtype: 'uint8', perAxis: false, zeroPoint: 3 }, input: int8In };
    const file = write('zp3', qdqModel(spec));
    expect(() => planFor(file, { encoding: 'offset' })).toThrow(/zero point.*beyond the layer's 8-bit offset range/);
    // Differential pairs hold [−255, 255]: the same weights map there exactly.
    expect(planFor(file).loaded.plan.layers[0].weights.method).toBe('imported');
  });

  it('blocks that do not line up with the row tiles keep the layer digital with a note', () => {
    // Blocks of 2 input channels, row tiles of ⌊rows / 9⌋ channels on a 27-row array: 3, which straddles them.
    const spec: QdqModelSpec = { op: 'Conv', opset: 21, weight: { kind: 'dq', dtype: 'int8', perAxis: false, blockSize: 2 }, input: int8In };
    const file = write('blocks', qdqModel(spec));
    const target = { name: 'rows27', array: { rows: 27, cols: 64, cellBits: 2 }, weightBits: 8, activationBits: 8, dacBits: 1, adc: { bits: 8 }, encoding: 'differential' };
    const { built, diagnostics } = compile({ model: file, target: target as never, options: { adcBits: 'ideal', sidecarUri: 'mem.bin' } });
    expect(built.plan.layers).toHaveLength(0);
    expect(diagnostics.some((d) => d.code === 'CIM2009' && /blocks of 2 along axis 1 do not line up/.test(d.message))).toBe(true);
  });
});
