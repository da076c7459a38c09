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

export function parseNpy(bytes: Uint8Array, file = '(npy)'): RtTensor {
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
  const dataStart = start + headerLen;
  if (bytes.length - dataStart !== count * itemSize) bad(`${bytes.length - dataStart} data bytes for shape (${shape.join(',')}) of ${dtype}`);
  const copy = new Uint8Array(bytes.subarray(dataStart)).buffer; // a copy: Buffer.slice would share the whole pool
  let data: RtData;
  switch (dtype) {
    case 'float32': data = new Float32Array(copy); break;
    case 'float64': data = new Float64Array(copy); break;
    case 'int8': data = new Int8Array(copy); break;
    case 'uint8': case 'bool': data = new Uint8Array(copy); break;
    case 'int16': data = new Int16Array(copy); break;
    case 'uint16': data = new Uint16Array(copy); break;
    case 'int32': data = new Int32Array(copy); break;
    case 'int64': data = new BigInt64Array(copy); break;
    default: return bad(`dtype '${descr}' is not supported`);
  }
  return makeTensor(dtype, shape, data);
}

export function readNpy(file: string): RtTensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CimcError('CIM4004', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  return parseNpy(bytes, file);
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
