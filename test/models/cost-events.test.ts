/**
 * The cost model's event counts against independent counts, ADC energy against the preset's
 * scaling law, and replication: same numbers, shorter bottleneck.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { exportOnnxFile } from '../../compiler/onnx/export.js';
import { planCost } from '../../compiler/cost/plan-cost.js';
import { openPlan, loadPlan } from '../../plan/reader.js';
import { serializePlan, writePlan } from '../../plan/writer.js';
import type { ConvGeometry, Plan } from '../../plan/types.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { readNpy } from '../../base/npy.js';
import { convGraph } from '../helpers/ir-builders.js';
import { fixture, tempDir } from '../helpers/cli.js';
import { requireModelFile } from '../helpers/model-files.js';

const dir = tempDir('cimc-cost-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function planOf(model: string, options: Parameters<typeof compile>[0]['options'] = {}, target = 'seed-4b'): Plan {
  const { built } = compile({ model, target, options });
  return openPlan(JSON.parse(serializePlan(built)), path.join(dir, 'p.json'), built.sidecar).plan;
}

describe('event counts', () => {
  it('counts a 3x3 conv 16→16 on two row tiles as by hand', () => {
    // design §3's worked example on an 8×8 input, pad 1: 64 output pixels; seed-4b drives 4-bit
    // inputs at once (1 cycle). Row tiles of 14 and 2 channels: 126 and 18 rows; 2 slices × 2
    // polarities per tile: 8 arrays, 16 columns each.
    const model = path.join(dir, 'conv3x3.onnx');
    exportOnnxFile(convGraph({ cin: 16, cout: 16, k: 3, pad: 1, hw: 8 }), model);
    const cost = planCost(planOf(model))!;
    const l = cost.layers.find((x) => x.cim)!;
    const pixels = 64, cycles = 1;
    const rows = 4 * 126 + 4 * 18, cols = 8 * 16;
    expect(l.events.adcConversions).toBe(pixels * cycles * cols); // 8192
    expect(l.events.sampleHolds).toBe(8192);
    expect(l.events.shiftAdds).toBe(8192);
    expect(l.events.rowActivations).toBe(pixels * cycles * rows); // 36864
    expect(l.events.cellOps).toBe(pixels * cycles * (4 * 126 * 16 + 4 * 18 * 16)); // 589824
    expect(l.events.bytesIn).toBe((16 * 8 * 8 * 4) / 8);
    expect(l.events.bytesOut).toBe((16 * 8 * 8 * 4) / 8);
    expect(l.losslessAdcBits).toBe(7 + 2 + 4); // ⌈log2 126⌉ + c + d
    // isaac-ce figures: every array reads in one 100 ns cycle (16 columns × 0.78 ns < 100 ns)
    expect(l.stageTimeNs).toBe(pixels * cycles * 100);
  });

  it('gives the ResNet-20 totals recomputed from its layer shapes', () => {
    const model = requireModelFile('test/fixtures/models/torchvision/resnet20_cifar.onnx');
    const plan = planOf(model, { inputShapes: { input: [1, 3, 32, 32] } });
    const cost = planCost(plan)!;
    // From the conv shapes alone (seed-4b: R = C = 128, 2 slices, 2 polarities, 1 input cycle):
    // whole-kernel row tiles of ⌊128 / (k·k)⌋ channels; every tile's columns are its Cout × 4.
    let conversions = 0, rowActivations = 0, cellOps = 0;
    for (const l of plan.layers) {
      const g = l.geometry;
      // a Gemm is a 1×1 conv on one pixel
      const area = g.kind === 'conv' ? g.kernel[0] * g.kernel[1] : 1;
      const perTile = Math.floor(128 / area);
      const cinPerGroup = g.kind === 'conv' ? g.inChannels / g.groups : g.inFeatures;
      const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
      const pixels = g.kind === 'conv' ? g.outputShape[2] * g.outputShape[3] : g.outputShape[0];
      const tileRows: number[] = [];
      for (let c = 0; c < cinPerGroup; c += perTile) tileRows.push(Math.min(perTile, cinPerGroup - c) * area);
      expect(outChannels).toBeLessThanOrEqual(128);
      const colsPerTile = outChannels * 2 * 2;
      conversions += pixels * tileRows.length * colsPerTile;
      rowActivations += pixels * tileRows.reduce((s, r) => s + r, 0) * 4; // each tile's rows in 4 arrays
      cellOps += pixels * tileRows.reduce((s, r) => s + r * outChannels, 0) * 4;
    }
    const sum = (k: 'adcConversions' | 'rowActivations' | 'cellOps'): number => cost.layers.reduce((s, l) => s + l.events[k], 0);
    expect(plan.layers.map((l) => l.geometry.kind).filter((k) => k === 'conv')).toHaveLength(21); // 19 3x3, 2 1x1 shortcuts
    expect(plan.layers).toHaveLength(22); // and the classifier
    expect(sum('adcConversions')).toBe(conversions);
    expect(sum('rowActivations')).toBe(rowActivations);
    expect(sum('cellOps')).toBe(cellOps);
    expect(sum('adcConversions')).toBe(plan.report.totals.adcConversions);
  });
});

describe('ADC resolution', () => {
  it('grows the ADC energy as the preset scaling says, at 3, 4, 5, 6 and 8 bits', () => {
    const model = fixture('examples/models/mnist-cnn.onnx');
    const at = (bits: number) => planCost(planOf(model, { adcBits: bits }, 'isaac-8b'))!.totals;
    const base = at(8);
    // isaac-ce: sar, E(b) ∝ b − 0.4, 1.5625 pJ at 8 bits; the conversions do not change with bits
    for (const b of [3, 4, 5, 6]) {
      const t = at(b);
      expect(t.energyPj.adc / base.energyPj.adc).toBeCloseTo((b - 0.4) / (8 - 0.4), 12);
      expect(t.energyPj.array).toBe(base.energyPj.array);
    }
    expect(at(3).energyPj.adc).toBeLessThan(at(4).energyPj.adc);
  });
});

describe('replicate', () => {
  const model = fixture('examples/models/mnist-cnn.onnx');

  it('copies the bottleneck within the budget, records replicas, and leaves every output the same', () => {
    const plain = compile({ model, options: {} }).built;
    const copied = compile({ model, options: { arrayBudget: 60 } }).built;
    const placed = plain.plan.report.totals.arrays;
    const replicas = copied.plan.layers.map((l) => l.replicas ?? 1);
    expect(plain.plan.layers.map((l) => l.replicas)).toEqual(plain.plan.layers.map(() => 1));
    expect(replicas.some((r) => r > 1)).toBe(true);
    const used = copied.plan.layers.reduce((s, l, i) => s + l.arrays.length * replicas[i], 0);
    expect(used).toBeLessThanOrEqual(60);
    expect(used).toBeGreaterThan(placed);
    const before = planCost(plain.plan)!, after = planCost(copied.plan)!;
    expect(after.totals.inferencesPerSecond).toBeGreaterThan(before.totals.inferencesPerSecond);
    expect(after.totals.adcEnergyShare).toBeGreaterThan(0);
    expect(after.layers.reduce((s, l) => s + l.events.adcConversions, 0)).toBe(before.layers.reduce((s, l) => s + l.events.adcConversions, 0));
    // numbers: identical outputs on real digits
    const a = path.join(dir, 'plain.json'), b = path.join(dir, 'copied.json');
    writePlan(plain, a); writePlan(copied, b);
    const x = readNpy(fixture('examples/data/mnist-sample-x.npy'));
    const one = makeTensor('float32', [1, ...x.shape.slice(1)], (x.data as Float32Array).slice(0, x.shape.slice(1).reduce((p, q) => p * q, 1)));
    const run = (f: string): number[] => {
      const loaded = loadPlan(f);
      return Array.from(toFloat32(Object.values(execute(executableFromPlan(loaded), { [loaded.plan.inputs[0].name]: one }))[0]));
    };
    expect(run(b)).toEqual(run(a));
  });

  it('stops once the bottleneck cannot be copied, and copies nothing without a budget', () => {
    const none = compile({ model, options: {} }).built.plan;
    expect(none.layers.every((l) => (l.replicas ?? 1) === 1)).toBe(true);
    const tight = compile({ model, options: { arrayBudget: 28 } }).built.plan; // exactly the placed arrays
    expect(tight.layers.every((l) => (l.replicas ?? 1) === 1)).toBe(true);
    const loose = compile({ model, options: { arrayBudget: 100000 } }).built.plan;
    const cost = planCost(loose)!;
    // with room to spare, the bottleneck is a layer with one vector per copy already
    const bottleneck = loose.layers.find((l) => l.name === cost.totals.bottleneck)!;
    const vectors = (bottleneck.geometry as ConvGeometry).outputShape.slice(2).reduce((p, q) => p * q, 1);
    expect(bottleneck.replicas).toBe(vectors);
  });
});
