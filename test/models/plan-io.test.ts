import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { serializePlan, writePlan } from '../../plan/writer.js';
import { loadPlan, openPlan } from '../../plan/reader.js';
import { packBits, packedByteLength, unpackBits } from '../../plan/packed-bits.js';
import { encodeNpy, parseNpy, readNpy } from '../../base/npy.js';
import { makeTensor } from '../../base/rt-tensor.js';
import { fixture, tempDir } from '../helpers/cli.js';

describe('.npy files', () => {
  it('reads the committed 1000-image split (a Buffer.slice view once leaked the whole pool)', () => {
    const x = readNpy(fixture('examples/data/mnist-test-x.npy'));
    expect(x.shape).toEqual([1000, 1, 28, 28]);
    expect(x.data.length).toBe(784000);
    const y = readNpy(fixture('examples/data/mnist-test-y.npy'));
    expect(y.dtype).toBe('int64');
    expect(y.shape).toEqual([1000]);
  });

  it('round-trips every dtype', () => {
    for (const t of [
      makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6.5])),
      makeTensor('int64', [3], BigInt64Array.from([1n, -2n, 3n])),
      makeTensor('uint8', [4], Uint8Array.from([0, 1, 254, 255])),
      makeTensor('int32', [1], Int32Array.from([-7])),
    ]) {
      const back = parseNpy(encodeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
  });
});

describe('writePlan', () => {
  it('names the sidecar after the plan, so two plans in one folder keep their own', () => {
    const dir = tempDir();
    const a = compile({ model: fixture('examples/models/mnist-cnn.onnx') });
    const b = compile({ model: fixture('examples/models/mnist-cnn.onnx'), options: { weightGranularity: 'layer' } });
    writePlan(a.built, path.join(dir, 'a.json'));
    writePlan(b.built, path.join(dir, 'b.json'));
    expect(fs.readdirSync(dir).sort()).toEqual(['a.bin', 'a.json', 'b.bin', 'b.json']);
    expect(loadPlan(path.join(dir, 'a.json')).plan.layers[0].weights.granularity).toBe('column');
    expect(loadPlan(path.join(dir, 'b.json')).plan.layers[0].weights.granularity).toBe('layer');
  });
});

describe('packed cells', () => {
  const mnist = fixture('examples/models/mnist-cnn.onnx');
  /** The plan's cells as the reader hands them out, next to the cells the compiler cut. */
  const cellsOf = (options: Record<string, unknown>, target = 'seed-4b', embed = false) => {
    const { built } = compile({ model: mnist, target, options: { ...options, embed } });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    return loaded.plan.layers.map((l, i) => ({ ref: l.cells, read: loaded.tensor(l.cells, `/layers/${i}/cells`), bits: l.bits.cell }));
  };

  it('stores 1-, 2- and 4-bit cells packed and reads back the values a byte-per-cell plan holds', () => {
    for (const [target, bits] of [['seed-4b', 2], ['large-256', 4]] as const) {
      for (const embed of [false, true]) {
        const layers = cellsOf({}, target, embed);
        // MNIST: 4 CIM layers (so the loop below checks something).
        expect(layers).toHaveLength(4);
        for (const { ref, read, bits: b } of layers) {
          expect(b).toBe(bits);
          expect(ref.packedBits).toBe(bits);
          const count = ref.shape[0];
          if ('byteLength' in ref) expect(ref.byteLength).toBe(Math.ceil((count * bits) / 8));
          expect(read.length).toBe(count);
        }
      }
    }
    // 1-bit cells: a custom target; 3-bit cells stay one byte each.
    const oneBit = { name: 't1', array: { rows: 64, cols: 64, cellBits: 1 }, weightBits: 4, activationBits: 4, dacBits: 1, adc: { bits: 5 }, encoding: 'differential' };
    const dir = tempDir();
    const t1 = path.join(dir, 't1.json');
    fs.writeFileSync(t1, JSON.stringify(oneBit));
    const oneBitLayers = cellsOf({}, t1);
    expect(oneBitLayers).toHaveLength(4);
    for (const l of oneBitLayers) expect(l.ref.packedBits).toBe(1);
    const t3 = path.join(dir, 't3.json');
    fs.writeFileSync(t3, JSON.stringify({ ...oneBit, name: 't3', array: { rows: 64, cols: 64, cellBits: 3 }, weightBits: 6 }));
    const threeBitLayers = cellsOf({}, t3);
    expect(threeBitLayers).toHaveLength(4);
    for (const l of threeBitLayers) {
      expect(l.ref.packedBits).toBeUndefined();
      if ('byteLength' in l.ref) expect(l.ref.byteLength).toBe(l.ref.shape[0]);
    }
  });

  it('the reader unpacks exactly the stored bits, cell for cell', () => {
    const { built } = compile({ model: mnist });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'mem.json', built.sidecar);
    // Independent unpacking of the stored bytes: value i at bits 2·(i mod 4) of byte ⌊i/4⌋.
    expect(loaded.plan.layers).toHaveLength(4);
    loaded.plan.layers.forEach((l, i) => {
      const ref = l.cells;
      if (!('byteOffset' in ref)) throw new Error('expected a sidecar tensor');
      const bytes = built.sidecar.subarray(ref.byteOffset, ref.byteOffset + ref.byteLength);
      const read = loaded.tensor(ref, `/layers/${i}/cells`);
      let nonZero = 0;
      for (let c = 0; c < ref.shape[0]; c++) {
        const want = (bytes[c >> 2] >> (2 * (c & 3))) & 3;
        if (read[c] !== want) throw new Error(`layer ${i} cell ${c}: ${read[c]} vs ${want}`);
        if (want) nonZero++;
      }
      expect(nonZero).toBeGreaterThan(0);
    });
  });
});

describe('packBits / unpackBits', () => {
  it('round-trip every length and alignment against a bit-by-bit reference', () => {
    for (const bits of [1, 2, 4] as const) {
      for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1001]) {
        for (const offset of [0, 1, 3]) {
          const backing = new Uint8Array(n + offset);
          for (let i = 0; i < backing.length; i++) backing[i] = (i * 7 + (i >> 3) + bits) & ((1 << bits) - 1);
          const values = backing.subarray(offset);
          const packed = packBits(values, bits);
          const ref = new Uint8Array(packedByteLength(n, bits));
          for (let i = 0; i < n; i++) ref[(i * bits) >> 3] |= values[i] << ((i * bits) & 7);
          expect(Array.from(packed)).toEqual(Array.from(ref));
          expect(Array.from(unpackBits(packed, n, bits))).toEqual(Array.from(values));
        }
      }
    }
  });
});
