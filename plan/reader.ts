/** Reads a plan and its sidecar, checks schema and hashes, and hands out typed tensors. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { CimcError } from '../base/diagnostics.js';
import { describeSchemaError, schemaValidator } from '../base/json-schema.js';
import { readJsonFile } from '../base/json-file.js';
import { packedByteLength, unpackBits } from './packed-bits.js';
import type { Plan, PlanDType, TensorRef } from './types.js';

export type PlanTypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

const hash = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function checkPlanSchema(plan: unknown, file?: string): asserts plan is Plan {
  const validate = schemaValidator('plan.schema.json');
  if (!validate(plan)) {
    const { pointer, message } = describeSchemaError(validate.errors);
    throw new CimcError('CIM4002', `${pointer} ${message}`, { file, field: pointer });
  }
}

export interface LoadedPlan {
  plan: Plan;
  file: string;
  sidecar: Uint8Array;
  tensor(ref: TensorRef, what: string): PlanTypedArray;
  /**
   * Float weights supplied from outside the plan (a version-3 plan leaves `weightMatrix` out):
   * layer name → [groups, K, Ng], for the float path. The CLI makes them from the model
   * (compiler/driver/float-weights.ts); a layer's own `weightMatrix`, when present, wins.
   */
  floatWeights?: ReadonlyMap<string, Float32Array>;
}

/** The loaded plan with float weights for the layers that do not carry their own. */
export function withFloatWeights(loaded: LoadedPlan, floatWeights: ReadonlyMap<string, Float32Array>): LoadedPlan {
  return { ...loaded, floatWeights };
}

/** The bytes a tensor's values take, uncompressed: what a stored or inflated tensor must have. */
function rawByteLength(ref: TensorRef, count: number): number {
  return ref.packedBits !== undefined ? packedByteLength(count, ref.packedBits) : count * elementSize[ref.dtype];
}

/** Inflates a `compression: 'deflate'` tensor's stored bytes, refusing anything but exactly `expected` bytes. */
function inflated(stored: Uint8Array, expected: number, ref: TensorRef, what: string, file: string): Uint8Array {
  const shape = `shape [${ref.shape.join(',')}] of ${ref.dtype}${ref.packedBits ? ` packed ${ref.packedBits} bits` : ''}`;
  if (!(expected <= bufferConstants.MAX_LENGTH)) throw new CimcError('CIM4002', `${what}: ${shape} is too large to hold`, { file, field: what });
  let out: Buffer;
  try {
    // One byte more than needed, so that a stream that inflates to more is caught as too long.
    out = inflateSync(stored, { maxOutputLength: expected + 1 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new CimcError('CIM4002', `${what}: deflate data inflates to more than the ${expected} bytes of its ${shape}`, { file, field: what });
    throw new CimcError('CIM4002', `${what}: deflate data cannot be inflated (${err.message})`, { file, field: what });
  }
  if (out.byteLength !== expected) {
    throw new CimcError('CIM4002', `${what}: deflate data inflates to ${out.byteLength} bytes, its ${shape} needs ${expected}`, { file, field: what });
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const elementSize: Record<PlanDType, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, bool: 1, int16: 2, int32: 4, int64: 8 };

function view(dtype: PlanDType, bytes: Uint8Array): PlanTypedArray {
  // Copy to an aligned buffer (sidecar offsets are 8-aligned, base64 decodes are not).
  const b = new Uint8Array(bytes).buffer; // exact-length copy (Buffer.slice would be a view)
  switch (dtype) {
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int8': return new Int8Array(b);
    case 'uint8': case 'bool': return new Uint8Array(b);
    case 'int16': return new Int16Array(b);
    case 'int32': return new Int32Array(b);
    case 'int64': return new BigInt64Array(b);
  }
}

/** Loads and verifies a plan: schema, buffer hash and size, every tensor's hash and length. */
export function loadPlan(file: string): LoadedPlan {
  return openPlan(readJsonFile(file, 'CIM4001', 'plan'), file);
}

export function openPlan(json: unknown, file: string, sidecarBytes?: Uint8Array): LoadedPlan {
  checkPlanSchema(json, file);
  const plan = json;
  let sidecar: Uint8Array = new Uint8Array(0);
  if (plan.buffers.length) {
    const b = plan.buffers[0];
    if (sidecarBytes) sidecar = sidecarBytes;
    else {
      const sidecarPath = path.join(path.dirname(file), b.uri);
      try {
        sidecar = new Uint8Array(fs.readFileSync(sidecarPath));
      } catch (e) {
        throw new CimcError('CIM4003', `sidecar '${b.uri}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, field: '/buffers/0/uri' });
      }
    }
    if (sidecar.byteLength !== b.byteLength) {
      throw new CimcError('CIM4003', `sidecar '${b.uri}' has ${sidecar.byteLength} bytes, the plan says ${b.byteLength}`, { file, field: '/buffers/0/byteLength' });
    }
    if (b.sha256 !== undefined && hash(sidecar) !== b.sha256) {
      throw new CimcError('CIM4003', `sidecar '${b.uri}' does not match its sha256 (modified or from another plan)`, { file, field: '/buffers/0/sha256' });
    }
  }
  return {
    plan, file, sidecar,
    tensor(ref: TensorRef, what: string): PlanTypedArray {
      const count = ref.shape.reduce((a, d) => a * d, 1);
      let bytes: Uint8Array;
      if ('base64' in ref) {
        bytes = new Uint8Array(Buffer.from(ref.base64, 'base64'));
      } else {
        if (ref.byteOffset + ref.byteLength > sidecar.byteLength) {
          throw new CimcError('CIM4003', `${what}: range ${ref.byteOffset}+${ref.byteLength} is past the end of the sidecar`, { file, field: what });
        }
        bytes = sidecar.subarray(ref.byteOffset, ref.byteOffset + ref.byteLength);
        if (hash(bytes) !== ref.sha256) throw new CimcError('CIM4003', `${what}: tensor does not match its sha256 (sidecar modified or from another plan)`, { file, field: what });
      }
      if (ref.packedBits !== undefined && ref.dtype !== 'uint8') throw new CimcError('CIM4002', `${what}: packedBits needs dtype uint8, not ${ref.dtype}`, { file, field: `${what}/packedBits` });
      if (ref.compression === 'deflate') bytes = inflated(bytes, rawByteLength(ref, count), ref, what, file);
      if (ref.packedBits !== undefined) {
        if (bytes.byteLength !== packedByteLength(count, ref.packedBits)) {
          throw new CimcError('CIM4002', `${what}: ${bytes.byteLength} bytes for ${count} values of ${ref.packedBits} bits (needs ${packedByteLength(count, ref.packedBits)})`, { file, field: what });
        }
        return unpackBits(bytes, count, ref.packedBits);
      }
      if (bytes.byteLength !== count * elementSize[ref.dtype]) {
        throw new CimcError('CIM4002', `${what}: ${bytes.byteLength} bytes for shape [${ref.shape.join(',')}] of ${ref.dtype}`, { file, field: what });
      }
      return view(ref.dtype, bytes);
    },
  };
}
