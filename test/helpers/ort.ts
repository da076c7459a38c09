/**
 * Test helpers around onnxruntime-node, the independent reference for float outputs.
 *
 *   const out = await runOrt(bytes, { x: randomInput([1, 3, 8, 8], 1) });
 *   expect(maxRelError(ref.y.data, out.y.data)).toBeLessThan(1e-4);
 */
import * as ort from 'onnxruntime-node';
import { uniformSource } from '../../base/random.js';

/** Element arrays a feed or fetch can hold. */
export type OrtData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/**
 * One tensor in or out of a session. `type` is needed only where the array kind is
 * ambiguous: 'bool' (Uint8Array data) and 'float16' (Uint16Array of half bits).
 */
export interface OrtValue {
  dims: number[];
  data: OrtData;
  type?: 'bool' | 'float16';
}

export interface RunOrtOptions {
  /**
   * ORT graph optimization level; default 'disabled', so ORT runs each node as written
   * (with optimizations on, ORT would fold BatchNormalization itself).
   */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Runs a model (bytes or file path) once on CPU and returns every graph output. */
export async function runOrt(model: Uint8Array | string, feeds: Record<string, OrtValue>, options: RunOrtOptions = {}): Promise<Record<string, OrtValue>> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'disabled',
    logSeverityLevel: 3,
  };
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, sessionOptions)
    : await ort.InferenceSession.create(model, sessionOptions);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, v] of Object.entries(feeds)) {
      if (v.type === 'bool') inputs[name] = new ort.Tensor('bool', v.data as Uint8Array, v.dims);
      else if (v.type === 'float16') inputs[name] = new ort.Tensor('float16', v.data as Uint16Array, v.dims);
      else inputs[name] = new ort.Tensor(v.data, v.dims);
    }
    const results = await session.run(inputs);
    const out: Record<string, OrtValue> = {};
    for (const name of session.outputNames) {
      const t = results[name];
      const value: OrtValue = { dims: [...t.dims], data: t.data as OrtData };
      if (t.type === 'bool' || t.type === 'float16') value.type = t.type;
      out[name] = value;
    }
    return out;
  } finally {
    await session.release();
  }
}

/** A seeded PRNG giving floats in [0, 1) (the runtime's own). */
export const mulberry32 = uniformSource;

/** Seeded float32 values, uniform in [lo, hi) (default [-1, 1)). */
export function randomFloats(length: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** A float32 feed of the given shape, uniform in [-1, 1), reproducible from the seed. */
export function randomInput(shape: readonly number[], seed: number): OrtValue {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dims: [...shape], data: randomFloats(n, seed) };
}

/**
 * max |a − b| / max |a|: the worst error relative to the largest reference magnitude
 * (a is the reference). Lengths must match; NaN anywhere gives Infinity.
 */
export function maxRelError(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) throw new Error(`maxRelError: lengths ${a.length} and ${b.length} differ`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    const diff = Math.abs(x - y);
    if (Number.isNaN(diff)) return Infinity;
    if (diff > maxDiff) maxDiff = diff;
    if (Math.abs(x) > maxRef) maxRef = Math.abs(x);
  }
  if (maxDiff === 0) return 0;
  return maxDiff / (maxRef || Number.MIN_VALUE);
}
