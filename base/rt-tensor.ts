/**
 * The runtime's tensor: a dtype, a static shape and a typed array, row-major.
 *
 * bool is a Uint8Array of 0/1; int64 is a BigInt64Array (shapes and indices stay exact).
 * int4/uint4 (QuantizeLinear/DequantizeLinear of opset 21) are held unpacked, one value per
 * element of an Int8Array/Uint8Array, in [-8, 7] / [0, 15]; uint16 is a Uint16Array.
 * float16/bfloat16 and the unsigned wide integers never reach the runtime: the plan stores
 * them as float32 and int64.
 */

export type RtDType = 'float32' | 'float64' | 'int4' | 'uint4' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'bool';

export type RtData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

/** Arrays that hold plain numbers (every RtData but BigInt64Array). */
export type NumberArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

export type FloatArray = Float32Array | Float64Array;

export interface RtTensor {
  readonly dtype: RtDType;
  readonly shape: readonly number[];
  readonly data: RtData;
}

export const rtDTypes: readonly RtDType[] = ['float32', 'float64', 'int4', 'uint4', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'bool'];

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides (in elements). */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export const isFloatDType = (d: RtDType): d is 'float32' | 'float64' => d === 'float32' || d === 'float64';
export const isIntegerDType = (d: RtDType): boolean => d !== 'float32' && d !== 'float64' && d !== 'bool';

/** Zeroed storage of the array kind a dtype uses. */
export function allocData(dtype: RtDType, length: number): RtData {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int8': case 'int4': return new Int8Array(length);
    case 'uint8': case 'uint4': case 'bool': return new Uint8Array(length);
    case 'int16': return new Int16Array(length);
    case 'uint16': return new Uint16Array(length);
    case 'int32': return new Int32Array(length);
    case 'int64': return new BigInt64Array(length);
  }
}

/** A tensor; without data, zero-filled. Throws on a length mismatch (an internal error). */
export function makeTensor(dtype: RtDType, shape: readonly number[], data?: RtData): RtTensor {
  const n = sizeOf(shape);
  const d = data ?? allocData(dtype, n);
  if (d.length !== n) throw new Error(`makeTensor: ${d.length} elements for shape [${shape.join(',')}]`);
  return { dtype, shape: [...shape], data: d };
}

export function float32Tensor(shape: readonly number[], data?: Float32Array | readonly number[]): RtTensor {
  return makeTensor('float32', shape, data === undefined ? undefined : data instanceof Float32Array ? data : Float32Array.from(data));
}

export function int64Tensor(shape: readonly number[], values: readonly (number | bigint)[]): RtTensor {
  return makeTensor('int64', shape, BigInt64Array.from(values, (v) => BigInt(v)));
}

export function scalarTensor(dtype: RtDType, value: number): RtTensor {
  return makeTensor(dtype, [], fromNumbers(dtype, [value]));
}

/** Same data, new shape (no copy). */
export function reshaped(t: RtTensor, shape: readonly number[]): RtTensor {
  return makeTensor(t.dtype, shape, t.data);
}

/** The array kind each plan dtype decodes to matches RtData; this just pairs them up. */
export function fromTypedArray(dtype: string, shape: readonly number[], data: RtData | Uint32Array): RtTensor {
  if ((data instanceof Uint16Array && dtype !== 'uint16') || data instanceof Uint32Array) return makeTensor('int64', shape, BigInt64Array.from(data, (v) => BigInt(v)));
  if (!(rtDTypes as readonly string[]).includes(dtype)) throw new Error(`fromTypedArray: dtype ${dtype} is not a runtime dtype`);
  return makeTensor(dtype as RtDType, shape, data);
}

/** Element i as a number (int64 beyond 2^53 loses precision, which index and shape uses never reach). */
export function numberAt(t: RtTensor, i: number): number {
  return Number(t.data[i]);
}

/** All elements as numbers. */
export function toNumbers(t: RtTensor): number[] {
  const d = t.data;
  const out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Elements as a Float32Array (the same array when already float32). */
export function toFloat32(t: RtTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data);
}

/** Elements as a Float64Array (the same array when already float64). */
export function toFloat64(t: RtTensor): Float64Array {
  if (t.data instanceof Float64Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float64Array.from(t.data, (v) => Number(v));
  return Float64Array.from(t.data);
}

/**
 * Storage of a dtype filled from numbers: integers truncate toward zero and wrap (two's
 * complement; int4/uint4 wrap to 4 bits), bool is x ≠ 0 (NaN is true), NaN becomes 0 in integer types.
 */
export function fromNumbers(dtype: RtDType, values: ArrayLike<number>): RtData {
  const n = values.length;
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i] !== 0 ? 1 : 0; // NaN is true, as in C
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : v === Infinity ? 0x7fffffffffffffffn : v === -Infinity ? -0x8000000000000000n : 0n;
      }
      return out;
    }
    case 'int4': case 'uint4': {
      const out = allocData(dtype, n) as Int8Array | Uint8Array;
      for (let i = 0; i < n; i++) {
        const low = (Math.trunc(values[i]) | 0) & 15; // NaN | 0 is 0
        out[i] = dtype === 'int4' && low > 7 ? low - 16 : low;
      }
      return out;
    }
    default: {
      // ToInt32/ToUint8… on store truncate toward zero and wrap, which is the C cast for in-range values.
      const out = allocData(dtype, n) as NumberArray;
      for (let i = 0; i < n; i++) out[i] = values[i];
      return out;
    }
  }
}

/** A copy of t converted to another dtype (float → int truncates, as ONNX Cast does). */
export function castTensor(t: RtTensor, dtype: RtDType): RtTensor {
  if (t.dtype === dtype) return t;
  if (t.data instanceof BigInt64Array) {
    if (dtype === 'bool') return makeTensor(dtype, t.shape, Uint8Array.from(t.data, (v) => (v !== 0n ? 1 : 0)));
    if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int64') {
      // Wrap through BigInt so values beyond 2^53 keep their low bits.
      const low = Array.from(t.data, (v) => Number(BigInt.asIntN(32, v)));
      return makeTensor(dtype, t.shape, fromNumbers(dtype, low));
    }
    return makeTensor(dtype, t.shape, fromNumbers(dtype, toFloat64(t)));
  }
  return makeTensor(dtype, t.shape, fromNumbers(dtype, t.data));
}

/** ONNX TensorProto.DataType codes the runtime can hold (narrow floats widen, uint32/uint64 become int64). */
export const rtDTypeByOnnxCode: Readonly<Record<number, RtDType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool',
  10: 'float32', 11: 'float64', 12: 'int64', 13: 'int64', 16: 'float32', 21: 'uint4', 22: 'int4',
};

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Index of the largest value of a[from..to) counted from `from` (the first on ties): a top-1 class. */
export function argmax(a: Float32Array, from = 0, to = a.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (a[i] > a[best]) best = i;
  return best - from;
}
