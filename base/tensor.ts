/** Constant tensors: typed arrays with an ONNX dtype and a static shape. */

export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'int4' | 'uint4'
  | 'bool' | 'string';

export type TensorStorage =
  | Float32Array | Float64Array
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array
  | string[];

/**
 * A constant. float16/bfloat16 are widened to Float32Array on import (dtype is kept);
 * int4/uint4 (opset 21, packed two per byte in ONNX) are unpacked to Int8Array/Uint8Array;
 * int64/uint64 are BigInt64Array/BigUint64Array so shape arithmetic stays exact.
 */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorStorage;
}

/** ONNX TensorProto.DataType numbers. */
export const onnxDTypeByCode: Readonly<Record<number, DType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
  21: 'uint4', 22: 'int4',
};

export const onnxCodeByDType: Readonly<Record<DType, number>> = Object.fromEntries(
  Object.entries(onnxDTypeByCode).map(([code, dtype]) => [dtype, Number(code)]),
) as Record<DType, number>;

/** Bytes per element as stored in ONNX raw_data (int4/uint4: half a byte; use rawByteLength). */
export const dtypeByteSize: Readonly<Record<DType, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1, string: 0, int4: 0.5, uint4: 0.5,
};

/** Bytes of n elements in ONNX raw_data: 4-bit types pack two per byte (the last byte half used when n is odd). */
export function rawByteLength(dtype: DType, n: number): number {
  return Math.ceil(n * dtypeByteSize[dtype]);
}

/** Whether a dtype is one of the packed 4-bit integer types of opset 21. */
export function isPacked4Bit(d: DType): boolean {
  return d === 'int4' || d === 'uint4';
}

/** The range of an integer dtype (int4 … int32, uint4 … uint32), or undefined for others. */
export function integerRange(d: DType): { min: number; max: number; bits: number } | undefined {
  switch (d) {
    case 'int4': return { min: -8, max: 7, bits: 4 };
    case 'uint4': return { min: 0, max: 15, bits: 4 };
    case 'int8': return { min: -128, max: 127, bits: 8 };
    case 'uint8': return { min: 0, max: 255, bits: 8 };
    case 'int16': return { min: -32768, max: 32767, bits: 16 };
    case 'uint16': return { min: 0, max: 65535, bits: 16 };
    case 'int32': return { min: -(2 ** 31), max: 2 ** 31 - 1, bits: 32 };
    case 'uint32': return { min: 0, max: 2 ** 32 - 1, bits: 32 };
    default: return undefined;
  }
}

/** Unpacks 4-bit values, low nibble first (ONNX int4/uint4 raw_data), sign-extending int4. */
export function unpack4Bit(dtype: 'int4' | 'uint4', bytes: Uint8Array, n: number): Int8Array | Uint8Array {
  const out = dtype === 'int4' ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const nibble = (bytes[i >> 1] >> ((i & 1) * 4)) & 0xf;
    out[i] = dtype === 'int4' && nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}

/** Packs 4-bit values two per byte, low nibble first (the inverse of unpack4Bit). */
export function pack4Bit(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= (values[i] & 0xf) << ((i & 1) * 4);
  return out;
}

/** Whether typed arrays on this machine are little-endian, as ONNX raw_data is. */
export const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The typed array whose elements are stored exactly as ONNX raw_data stores the dtype (little-endian). */
const rawLayout: Partial<Record<DType, abstract new (...args: never[]) => ArrayBufferView>> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
};

/**
 * Whether `data`'s bytes are the dtype's raw_data on this host, so that a tensor can be read or
 * written by one byte copy (float16/bfloat16 are stored widened and bool is normalized: never).
 */
export function hasRawLayout(dtype: DType, data: TensorStorage): data is Exclude<TensorStorage, string[]> {
  const layout = rawLayout[dtype];
  return hostLittleEndian && layout !== undefined && data instanceof layout;
}

export function isFloatDType(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocates zeroed storage of the in-memory kind used for a dtype. */
export function allocStorage(dtype: DType, length: number): TensorStorage {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int8': case 'int4': return new Int8Array(length);
    case 'uint8': case 'uint4': case 'bool': return new Uint8Array(length);
    case 'int16': return new Int16Array(length);
    case 'uint16': return new Uint16Array(length);
    case 'int32': return new Int32Array(length);
    case 'uint32': return new Uint32Array(length);
    case 'int64': return new BigInt64Array(length);
    case 'uint64': return new BigUint64Array(length);
    case 'string': return new Array<string>(length).fill('');
  }
}

/** Float storage at least this long is put in shared memory by allocSharedFloats. */
const sharedFromElements = 1 << 16;

/**
 * Zeroed float storage that worker threads can read without a copy (a SharedArrayBuffer) when
 * it is big enough to be worth sharing, else ordinary storage; it behaves as any typed array.
 */
export function allocSharedFloats(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array {
  if (length < sharedFromElements) return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  const bytes = new SharedArrayBuffer(length * (dtype === 'float32' ? 4 : 8));
  return dtype === 'float32' ? new Float32Array(bytes) : new Float64Array(bytes);
}

export function makeTensor(dtype: DType, shape: readonly number[], values: ArrayLike<number> | ArrayLike<bigint> | readonly string[]): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new Error(`makeTensor: ${values.length} values for shape [${shape.join(',')}]`);
  const data = allocStorage(dtype, n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      data[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    }
  } else if (Array.isArray(data)) {
    for (let i = 0; i < n; i++) data[i] = String(values[i]);
  } else {
    const numeric = data as Exclude<TensorStorage, BigInt64Array | BigUint64Array | string[]>;
    for (let i = 0; i < n; i++) numeric[i] = Number(values[i]);
  }
  return { dtype, shape: [...shape], data };
}

/** Numbers of a tensor (int64 beyond 2^53 lose precision; clamp-style uses are fine). */
export function tensorToNumbers(t: Tensor): number[] {
  const out = new Array<number>(t.data.length);
  const d = t.data;
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Float32 view of a numeric tensor (copies unless already float32 storage). */
export function tensorToFloat32(t: Tensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return out;
}

export function scalarTensor(dtype: DType, value: number): Tensor {
  return makeTensor(dtype, [], [value]);
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = (h & 0x8000) ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function bfloat16ToFloat(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, h << 16, false);
  return buf.getFloat32(0, false);
}
