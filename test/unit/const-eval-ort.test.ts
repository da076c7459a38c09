/**
 * Every evaluator against onnxruntime: each case becomes a one-node ONNX model whose inputs
 * are initializers; ORT's output (dtype, shape, every element) must equal ours exactly.
 */
import { describe, expect, it } from 'vitest';
import { onnxDTypeByCode, type DType, type Tensor } from '../../base/tensor.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { buildGraph, bool, evalOp, f32, i32, i64, INT64_MAX, INT64_MIN, node, scalarI64, tensor, type AttrShorthand } from '../helpers/const-eval-builders.js';
import { runOrt } from '../helpers/ort.js';

interface Case {
  op: string;
  inputs: (Tensor | undefined)[];
  attrs?: Record<string, AttrShorthand>;
  opset?: number;
  label?: string;
}

const iota = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const m34 = f32(iota(12, -5).map((v) => v * 0.75), [3, 4]);
const l34 = i64(iota(12, -5), [3, 4]);

const cases: Case[] = [
  { op: 'Shape', inputs: [m34] },
  { op: 'Shape', inputs: [f32(iota(24), [2, 3, 4])], attrs: { start: -2, end: 10 }, opset: 15 },
  { op: 'Size', inputs: [m34] },
  { op: 'Gather', inputs: [l34, i64([-1, 0, 2])] },
  { op: 'Gather', inputs: [m34, i64([[3, -4], [1, 1]].flat(), [2, 2])], attrs: { axis: -1 } },
  { op: 'Gather', inputs: [i64([INT64_MAX, INT64_MIN, 2n ** 53n + 1n]), scalarI64(2)] },
  { op: 'Concat', inputs: [l34, i64(iota(4), [1, 4]), i64([], [0, 4])], attrs: { axis: 0 } },
  { op: 'Concat', inputs: [m34, f32(iota(6), [3, 2])], attrs: { axis: -1 } },
  { op: 'Unsqueeze', inputs: [m34], attrs: { axes: [0, -1] }, opset: 11 },
  { op: 'Unsqueeze', inputs: [m34, i64([-1, 1])], opset: 13 },
  { op: 'Squeeze', inputs: [f32(iota(3), [1, 3, 1])], attrs: { axes: [-1] }, opset: 11 },
  { op: 'Squeeze', inputs: [f32(iota(3), [1, 3, 1])], opset: 13 },
  { op: 'Cast', inputs: [f32([-2.7, 2.7, -0.5, 100.9, 0])], attrs: { to: 7 }, label: 'float→int64' },
  { op: 'Cast', inputs: [f32([-2.7, 2.7, -0.5, 100.9, 0])], attrs: { to: 6 }, label: 'float→int32' },
  { op: 'Cast', inputs: [f32([-2.7, 0, 1e-3, NaN])], attrs: { to: 9 }, label: 'float→bool' },
  { op: 'Cast', inputs: [i64([2n ** 32n + 5n, -1n, INT64_MAX, INT64_MIN])], attrs: { to: 6 }, label: 'int64→int32' },
  { op: 'Cast', inputs: [i64([-1n, 300n])], attrs: { to: 2 }, label: 'int64→uint8' },
  { op: 'Cast', inputs: [i64([2n ** 53n + 1n, -3n, 123456789123n])], attrs: { to: 11 }, label: 'int64→double' },
  { op: 'Cast', inputs: [i64([16777217n, -3n])], attrs: { to: 1 }, label: 'int64→float' },
  { op: 'Cast', inputs: [f32([0.1, 65519, 1 + 2 ** -11, 6e-8])], attrs: { to: 10 }, label: 'float→float16' },
  { op: 'Cast', inputs: [i32([-5, 0, 7])], attrs: { to: 13 }, label: 'int32→uint64' },
  { op: 'Cast', inputs: [bool([true, false])], attrs: { to: 1 }, label: 'bool→float' },
  { op: 'Reshape', inputs: [m34, i64([0, -1, 2])] },
  { op: 'Reshape', inputs: [m34, i64([-1])] },
  { op: 'Slice', inputs: [l34, i64([1, 2]), i64([INT64_MAX, INT64_MAX]), i64([0, 1])], opset: 13 },
  { op: 'Slice', inputs: [l34, i64([-1]), i64([INT64_MIN]), i64([-1]), i64([-2])], opset: 13 },
  { op: 'Slice', inputs: [l34, i64([INT64_MAX, -100]), i64([INT64_MIN, 100]), i64([0, 1]), i64([-1, 3])], opset: 13 },
  { op: 'Slice', inputs: [l34, i64([2]), i64([1])], opset: 13, label: 'empty' },
  { op: 'Slice', inputs: [m34], attrs: { starts: [-2, 1], ends: [1000, -1], axes: [1, 0] }, opset: 9 },
  { op: 'Range', inputs: [scalarI64(10), scalarI64(-3), scalarI64(-3)] },
  { op: 'Range', inputs: [f32([0.1], []), f32([1.3], []), f32([0.3], [])] },
  { op: 'Range', inputs: [i32([-4], []), i32([5], []), i32([2], [])] },
  { op: 'ConstantOfShape', inputs: [i64([2, 3])], attrs: { value: i64([-9], [1]) } },
  { op: 'ConstantOfShape', inputs: [i64([3])] },
  { op: 'Add', inputs: [f32([1.1, 2.2, 3.3], [3, 1]), f32([10.01, 20.02], [2])] },
  { op: 'Sub', inputs: [i64([INT64_MIN, 5]), i64([1, 7])] },
  { op: 'Mul', inputs: [i32([123456789, -7]), i32([987654321, 3])] },
  { op: 'Mul', inputs: [l34, scalarI64(2n ** 40n)] },
  { op: 'Div', inputs: [i64([7, -7, 7, -7, 0]), i64([2, 2, -2, -2, 5])] },
  { op: 'Div', inputs: [i32([7, -7, 7, -7]), i32([2, 2, -2, -2])] },
  { op: 'Div', inputs: [f32([1, -1, 0.3]), f32([3, 7, 0.1])] },
  { op: 'Equal', inputs: [l34, i64([-5, 0, 1, 6])] },
  { op: 'Equal', inputs: [f32([1, 0, -0]), f32([1, -0, 0.5])] },
  { op: 'Where', inputs: [bool([true, false, true, false]), l34, scalarI64(-1)] },
  { op: 'Where', inputs: [bool([true, false], [2, 1]), f32([1, 2, 3]), f32([9], [1, 1])] },
  { op: 'Expand', inputs: [i64([1, 2, 3], [3, 1]), i64([2, 1, 4])] },
  { op: 'Expand', inputs: [m34, i64([1])] },
  { op: 'Transpose', inputs: [f32(iota(24), [2, 3, 4])], attrs: { perm: [1, 2, 0] } },
  { op: 'Transpose', inputs: [l34] },
  { op: 'Neg', inputs: [i64([5, INT64_MIN, 0])] },
  { op: 'Neg', inputs: [m34] },
  { op: 'Sqrt', inputs: [f32([4, 2, 0.3, 1e-20])] },
  { op: 'Min', inputs: [l34, i64([0, -3, 3, 100]), scalarI64(2)], opset: 13 },
  { op: 'Max', inputs: [m34, f32([0.5], [1])], opset: 13 },
  { op: 'ReduceProd', inputs: [l34], attrs: { axes: [-1], keepdims: 1 }, opset: 13 },
  { op: 'ReduceProd', inputs: [m34], attrs: { keepdims: 0 }, opset: 13 },
  { op: 'ReduceProd', inputs: [l34, i64([0])], attrs: { keepdims: 0 }, opset: 18 },
  { op: 'Tile', inputs: [i64([1, 2, 3, 4], [2, 2]), i64([2, 3])] },
  { op: 'Flatten', inputs: [f32(iota(24), [2, 3, 4])], attrs: { axis: -1 }, opset: 13 },
  { op: 'Flatten', inputs: [f32(iota(24), [2, 3, 4])], attrs: { axis: 0 } },
  // NaN quantizes to the lowest code whatever the zero point (not to the zero point); ±∞ saturate.
  { op: 'QuantizeLinear', inputs: [f32([NaN, Infinity, -Infinity, 0, 2.5, 3.5, -300]), f32([1], []), tensor('int8', [], [5])], opset: 13, label: 'NaN, int8 zero point 5' },
  { op: 'QuantizeLinear', inputs: [f32([NaN, 0.25, -1, 7, NaN, 0.05], [2, 3]), f32([0.5, 0.1, 2]), tensor('uint8', [3], [128, 0, 200])], attrs: { axis: 1 }, opset: 13, label: 'NaN per axis, uint8' },
  { op: 'QuantizeLinear', inputs: [f32([NaN, 1.5, -2.25, 40000, 0.3, NaN, -0.7, 5], [2, 4]), f32([0.5, 0.25, 1, 0.125], [2, 2]), tensor('int16', [2, 2], [7, -3, 0, 100])], attrs: { axis: 1, block_size: 2 }, opset: 21, label: 'NaN, int16 blocks' },
  // (x − zp) in float32, as onnxruntime: int32 values beyond 2^24 round before the product.
  { op: 'DequantizeLinear', inputs: [i32([2 ** 31 - 1, -(2 ** 31), 16777217, 123456789, -33554435]), f32([0.0001234], [])], opset: 13, label: 'int32 beyond 2^24' },
  { op: 'DequantizeLinear', inputs: [tensor('int8', [2, 3], [-128, 127, 0, 5, -5, 1]), f32([0.1, 0.3, 7e-3]), tensor('int8', [3], [0, -3, 127])], attrs: { axis: -1 }, opset: 13, label: 'int8 per axis −1' },
];

const ortDType: Record<string, DType> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', uint8: 'uint8', uint64: 'uint64', bool: 'bool', float16: 'float16',
};

async function runInOrt(c: Case): Promise<{ dtype: DType; dims: number[]; values: (number | bigint)[] }> {
  const constants: Record<string, Tensor> = {};
  const names = c.inputs.map((t, i) => {
    if (!t) return '';
    constants[`in${i}`] = t;
    return `in${i}`;
  });
  const g = buildGraph({ opset: c.opset ?? 17, nodes: [node(c.op, names, ['out'], c.attrs)], constants, outputs: ['out'] });
  const out = (await runOrt(exportOnnxBytes(g), {})).out;
  const dtype: DType = out.type === 'bool' ? 'bool' : out.type === 'float16' ? 'float16' : arrayDType(out.data);
  let values = Array.from(out.data as ArrayLike<number | bigint>);
  if (dtype === 'float16') values = Array.from(out.data as Uint16Array, (h) => halfBitsToFloat(h));
  return { dtype, dims: out.dims, values };
}

function arrayDType(a: ArrayLike<unknown>): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof BigUint64Array) return 'uint64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  return onnxDTypeByCode[0];
}

function halfBitsToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

describe('const-eval matches onnxruntime exactly', () => {
  for (const c of cases) {
    const title = `${c.op}${c.label ? ` (${c.label})` : ''} opset ${c.opset ?? 17} ${Object.entries(c.attrs ?? {}).map(([k, v]) => `${k}=${typeof v === 'object' && !Array.isArray(v) ? 'tensor' : String(v)}`).join(' ')} on ${c.inputs.map((t) => (t ? `${t.dtype}[${t.shape}]` : '_')).join(', ')}`;
    it(title, async () => {
      const ours = evalOp(c.op, c.inputs, c.attrs, c.opset ?? 17);
      const ref = await runInOrt(c);
      expect(ortDType[ours.dtype] ?? ours.dtype).toBe(ref.dtype);
      expect(ours.shape).toEqual(ref.dims);
      expect(Array.from(ours.data as ArrayLike<number | bigint>)).toEqual(ref.values);
    });
  }
});
