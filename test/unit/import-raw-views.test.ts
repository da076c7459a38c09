/**
 * import with ownBytes (how import-onnx reads a model file): large raw tensors are views into
 * the file's bytes, unaligned ones moved into their own framing; the values are those of a
 * copying import, whatever each tensor's offset in the file.
 */
import { describe, expect, it } from 'vitest';
import { onnx, type TensorProto } from '../../base/onnx-proto.js';
import { importOnnxBytes } from '../../compiler/onnx/import.js';

/** A model with one Relu and float32/int32/float64 initializers whose raw bytes sit at every offset mod 8. */
function modelBytes(): { bytes: Uint8Array; values: Map<string, { dtype: number; raw: Uint8Array }> } {
  const values = new Map<string, { dtype: number; raw: Uint8Array }>();
  const initializer: TensorProto[] = [];
  const kinds = [[1, Float32Array], [6, Int32Array], [11, Float64Array]] as const;
  let k = 0;
  for (const [dtype, Kind] of kinds) {
    for (let pad = 0; pad < 8; pad++) {
      const n = 1500 + 37 * pad; // > 4096 bytes: viewed, not copied
      const data = new Kind(n);
      for (let i = 0; i < n; i++) data[i] = dtype === 6 ? (i * 7919 + k) % 100003 - 50000 : Math.sin(i + k) * 3.5;
      const raw = new Uint8Array(data.buffer.slice(0));
      const name = `w${k++}${'x'.repeat(pad)}`; // names of every length shift the raw bytes
      values.set(name, { dtype, raw });
      initializer.push({ name, dataType: dtype, dims: [n], rawData: raw });
    }
  }
  initializer.push({ name: 'small', dataType: 1, dims: [3], rawData: new Uint8Array(new Float32Array([1, 2, 3]).buffer) });
  const model = onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g', initializer,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'r' }],
    },
  }).finish();
  return { bytes: Uint8Array.from(model), values };
}

const bytesOf = (d: ArrayBufferView) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

describe('import of an owned model buffer', () => {
  it('views large raw tensors in place, aligned, with the values a copying import gives', () => {
    const { bytes, values } = modelBytes();
    const offsets = new Set<number>();
    const probe = onnx.ModelProto.decode(bytes);
    for (const t of probe.graph!.initializer!) if (t.dataType === 1 && t.name !== 'small') offsets.add(t.rawData!.byteOffset % 4);
    expect(offsets.size).toBe(4); // every misalignment of float32 is exercised

    const copied = importOnnxBytes(bytes);
    const own = Uint8Array.from(bytes);
    const viewed = importOnnxBytes(own, { ownBytes: true });
    let views = 0;
    for (const [name, v] of values) {
      const a = copied.constants.get(name)!.data as Float32Array;
      const b = viewed.constants.get(name)!.data as Float32Array;
      expect(Buffer.compare(bytesOf(b), v.raw)).toBe(0);
      expect(Buffer.compare(bytesOf(a), v.raw)).toBe(0);
      expect(a.buffer).not.toBe(bytes.buffer);
      // 4-byte kinds always fit their move in the framing (tag + 2-byte length); 8-byte ones when shifted ≤ 3.
      if (v.dtype !== 11) expect(b.buffer).toBe(own.buffer);
      if (b.buffer === own.buffer) views++;
    }
    expect(views).toBeGreaterThan(16);
    expect(Array.from(viewed.constants.get('small')!.data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('leaves bytes it does not own untouched, copying every tensor', () => {
    const { bytes } = modelBytes();
    const before = Uint8Array.from(bytes);
    const g = importOnnxBytes(bytes);
    expect(Buffer.compare(bytes, before)).toBe(0);
    for (const t of g.constants.values()) expect(t.data instanceof Array ? undefined : (t.data as Uint8Array).buffer).not.toBe(bytes.buffer);
  });
});
