/** NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order) in and out. */
import * as fs from 'node:fs';
import { CimcError } from './diagnostics.js';
import { makeTensor, type RtData, type RtDType, type RtTensor } from './rt-tensor.js';

const descrToDType: Record<string, RtDType> = {
  '<f4': 'float32', '<f8': 'float64', '|i1': 'int8', '|u1': 'uint8', '<i2': 'int16', '<u2': 'uint16', '<i4': 'int32', '<i8': 'int64', '|b1': 'bool',
};
// int4/uint4 are held one value per byte and written so (numpy has no 4-bit type).
const dtypeToDescr: Record<RtDType, string> = {
  ...Object.fromEntries(Object.entries(descrToDType).map(([k, v]) => [v, k])), int4: '|i1', uint4: '|u1',
} as Record<RtDType, string>;

/** What an .npy header says, and where the data starts. */
export interface NpyHeader {
  dtype: RtDType;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
}

/** Parses the header at the start of `bytes`; `fileLength` (the whole file's) checks the data size. */
function parseNpyHeader(bytes: Uint8Array, fileLength: number, file: string): NpyHeader {
  const bad = (why: string): never => { throw new CimcError('CIM4004', `not a readable .npy file: ${why}`, { file }); };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') bad('missing magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (start > bytes.length) bad('header length past end of file');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headerLen > bytes.length) bad('header past end of file');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) bad('header lacks descr/fortran_order/shape');
  const dtype = descrToDType[descr!] ?? bad(`dtype '${descr}' is not supported (use float32/float64/int8/uint8/int16/uint16/int32/int64/bool, little-endian)`);
  if (fortran === 'True') bad('Fortran order is not supported');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = Number(descr!.slice(2));
  const dataOffset = start + headerLen;
  if (fileLength - dataOffset !== count * itemSize) bad(`${fileLength - dataOffset} data bytes for shape (${shape.join(',')}) of ${dtype}`);
  return { dtype, shape, dataOffset, itemSize };
}

/** Elements of `dtype` over `copy`, a buffer of their bytes only (aligned, shared with nothing). */
function typedData(dtype: RtDType, copy: ArrayBuffer, file: string): RtData {
  switch (dtype) {
    case 'float32': return new Float32Array(copy);
    case 'float64': return new Float64Array(copy);
    case 'int8': return new Int8Array(copy);
    case 'uint8': case 'bool': return new Uint8Array(copy);
    case 'int16': return new Int16Array(copy);
    case 'uint16': return new Uint16Array(copy);
    case 'int32': return new Int32Array(copy);
    case 'int64': return new BigInt64Array(copy);
    default: throw new CimcError('CIM4004', `not a readable .npy file: dtype ${dtype} is not supported`, { file });
  }
}

export function parseNpy(bytes: Uint8Array, file = '(npy)'): RtTensor {
  const { dtype, shape, dataOffset } = parseNpyHeader(bytes, bytes.length, file);
  // A copy: Buffer.slice would share the whole pool.
  return makeTensor(dtype, shape, typedData(dtype, new Uint8Array(bytes.subarray(dataOffset)).buffer, file));
}

const cannotRead = (e: unknown, file: string): CimcError => new CimcError('CIM4004', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });

export function readNpy(file: string): RtTensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw cannotRead(e, file);
  }
  return parseNpy(bytes, file);
}

/** An .npy file read a range of its first axis at a time (by byte offset), never whole. */
export interface NpyRows {
  readonly file: string;
  readonly dtype: RtDType;
  readonly shape: readonly number[];
  /** Rows [from, to) of the first axis, shape [to − from, …shape[1:]]. */
  read(from: number, to: number): RtTensor;
  close(): void;
}

/** Opens an .npy file and checks its header and size; the data is read by `read`. */
export function openNpyRows(file: string): NpyRows {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw cannotRead(e, file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 65536 + 12));
    fs.readSync(fd, head, 0, head.length, 0);
    // A header longer than the first read (format 2.0 allows 4 GiB) is read whole.
    const lengthField = head.length >= 12 && head[6] !== 1 ? new DataView(head.buffer).getUint32(8, true) + 12 : 0;
    let bytes = head;
    if (lengthField > head.length && lengthField <= size) {
      bytes = new Uint8Array(lengthField);
      fs.readSync(fd, bytes, 0, lengthField, 0);
    }
    const { dtype, shape, dataOffset, itemSize } = parseNpyHeader(bytes, size, file);
    if (shape.length === 0) throw new CimcError('CIM4004', 'not a readable .npy file: a scalar has no first axis to read by rows', { file });
    const rest = shape.slice(1);
    const rowBytes = rest.reduce((a, b) => a * b, 1) * itemSize;
    return {
      file, dtype, shape,
      read(from, to) {
        if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= shape[0])) {
          throw new RangeError(`rows [${from}, ${to}) outside [0, ${shape[0]})`);
        }
        const bytes = new Uint8Array((to - from) * rowBytes);
        let done = 0;
        try {
          while (done < bytes.length) {
            const n = fs.readSync(fd, bytes, done, bytes.length - done, dataOffset + from * rowBytes + done);
            if (n === 0) throw Object.assign(new Error('file shorter than its header says'), { code: 'truncated' });
            done += n;
          }
        } catch (e) {
          throw cannotRead(e, file);
        }
        return makeTensor(dtype, [to - from, ...rest], typedData(dtype, bytes.buffer, file));
      },
      close() { fs.closeSync(fd); },
    };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

export function encodeNpy(t: RtTensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${dtypeToDescr[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), 10 + header.length);
  return out;
}
