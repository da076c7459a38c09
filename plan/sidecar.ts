/** Big tensors of a plan: a binary sidecar (offset/length/sha256) or embedded base64, like glTF buffers. */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { packBits, type PackedBits } from './packed-bits.js';
import type { PlanDType, TensorRef } from './types.js';

export type PlanArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function bytesOf(a: PlanArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Below this many bytes a tensor is stored as it is (a zlib stream has 6 bytes of framing). */
const minDeflateBytes = 64;

/** Collects tensors; `embed` stores them inline instead of in the sidecar. */
export class SidecarWriter {
  private readonly chunks_: Uint8Array[] = [];
  private length = 0;
  constructor(private readonly embed: boolean) {}

  /**
   * Adds a tensor; uint8 values below 2^packedBits can be stored packedBits to a value.
   * `deflate`: store the bytes as a zlib stream when that saves at least an eighth of them
   * (level 1: the per-column index tensors shrink a hundredfold for a millisecond or two).
   */
  add(dtype: PlanDType, shape: readonly number[], data: PlanArray, packedBits?: PackedBits, deflate = false): TensorRef {
    const packed = packedBits !== undefined && dtype === 'uint8' && data instanceof Uint8Array;
    let bytes = packed ? packBits(data, packedBits) : bytesOf(data);
    const storage: Pick<TensorRef, 'packedBits' | 'compression'> = packed ? { packedBits } : {};
    if (deflate && bytes.byteLength >= minDeflateBytes) {
      const z = deflateSync(bytes, { level: 1 });
      if (z.byteLength <= bytes.byteLength - bytes.byteLength / 8) {
        bytes = new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
        storage.compression = 'deflate';
      }
    }
    if (this.embed) return { dtype, shape: [...shape], base64: Buffer.from(bytes).toString('base64'), ...storage };
    const pad = (8 - (this.length % 8)) % 8;
    if (pad) { this.chunks_.push(new Uint8Array(pad)); this.length += pad; }
    const ref: TensorRef = { dtype, shape: [...shape], buffer: 0, byteOffset: this.length, byteLength: bytes.byteLength, sha256: sha256(bytes), ...storage };
    this.chunks_.push(bytes); // not copied: tensors handed to a plan are never modified afterwards
    this.length += bytes.byteLength;
    return ref;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The sidecar as the pieces added (alignment padding included), in order, without copying. */
  get chunks(): readonly Uint8Array[] {
    return this.chunks_;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks_) { out.set(c, o); o += c.byteLength; }
    return out;
  }
}
