/**
 * QuantizeLinear / DequantizeLinear kernels against onnxruntime-node, opsets 10, 13, 19, 21 and
 * com.microsoft: ties (x.5), saturation, per tensor / per axis (negative axis) / blocked, int4,
 * uint4, int16, uint16, the uint8 default. Each case is one node with its scale and zero point
 * as initializers (onnxruntime-node cannot feed or return 4-bit tensors, so a 4-bit output is
 * cast to int8 in the model and a 4-bit input comes from an initializer); integer outputs must
 * agree exactly, float outputs bit for bit. Then the refusals: CIM4005 naming the node.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { CimcError } from '../../base/diagnostics.js';
import { makeTensor, toNumbers, type RtData, type RtDType, type RtTensor } from '../../base/rt-tensor.js';
import { kernelFor } from '../../runtime/reference/ops/index.js';
import type { RtAttr } from '../../runtime/reference/ops/types.js';
import { checkOp, input, onnxCode, runModel, seeded, tensorProto } from '../helpers/onnx-single-op.js';

const { onnx } = onnxProto;

/** A constant of a dtype from numbers (4-bit values unpacked). */
function tensor(dtype: RtDType, shape: number[], values: readonly number[]): RtTensor {
  const data = makeTensor(dtype, shape).data;
  if (data instanceof BigInt64Array) values.forEach((v, i) => { data[i] = BigInt(v); });
  else values.forEach((v, i) => { (data as Exclude<RtData, BigInt64Array>)[i] = v; });
  return makeTensor(dtype, shape, data);
}

const f32 = (shape: number[], values: readonly number[]): RtTensor => tensor('float32', shape, values);

/** Seeded floats in [lo, hi), with exact ties k·scale/2 mixed in when `ties` is given. */
function randomX(shape: number[], lo: number, hi: number, seed: number, ties?: number): RtTensor {
  const rnd = seeded(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return f32(shape, Array.from({ length: n }, (_, i) => {
    const u = lo + (hi - lo) * rnd();
    return ties !== undefined && i % 3 === 0 ? (Math.round(u / ties) + 0.5) * ties : u;
  }));
}

interface Case {
  op: 'QuantizeLinear' | 'DequantizeLinear';
  domain?: '' | 'com.microsoft';
  opset: number;
  x: RtTensor;
  scale: RtTensor;
  zeroPoint?: RtTensor;
  attrs?: Record<string, number>;
}

const fourBit = (d: RtDType): boolean => d === 'int4' || d === 'uint4';

/** The case as an ONNX model: x a graph input (an initializer when 4-bit), a 4-bit output cast to int8. */
function caseModel(c: Case, outDType: RtDType): Uint8Array {
  const vi = (name: string, dtype: RtDType, shape: readonly number[]): onnxProto.onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: onnxCode[dtype], shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
  const xIsInit = fourBit(c.x.dtype);
  const inits = [tensorProto(c.scale, 's'), ...(c.zeroPoint ? [tensorProto(c.zeroPoint, 'z')] : []), ...(xIsInit ? [tensorProto(c.x, 'x')] : [])];
  const castOut = fourBit(outDType);
  const nodes: onnxProto.onnx.INodeProto[] = [{
    name: 'q', opType: c.op, domain: c.domain ?? '', input: ['x', 's', ...(c.zeroPoint ? ['z'] : [])], output: [castOut ? 'y4' : 'y'],
    attribute: Object.entries(c.attrs ?? {}).map(([name, i]) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i })),
  }];
  if (castOut) nodes.push({ name: 'cast', opType: 'Cast', input: ['y4'], output: ['y'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnxCode.int8 }] });
  const opsets = [{ domain: '', version: castOut ? Math.max(c.opset, 21) : c.opset }, ...(c.domain ? [{ domain: c.domain, version: 1 }] : [])];
  return onnx.ModelProto.encode({
    irVersion: c.opset >= 21 || castOut ? 10 : 7,
    opsetImport: opsets,
    graph: {
      name: 'q', node: nodes, initializer: inits,
      input: xIsInit ? [] : [vi('x', c.x.dtype, c.x.shape)],
      output: [vi('y', castOut ? 'int8' : outDType, c.x.shape)],
    },
  }).finish();
}

function ours(c: Case): RtTensor {
  const ctx = { node: 'q', opset: c.opset, opType: c.op };
  const attrs: Record<string, RtAttr> = { ...(c.attrs ?? {}) };
  return kernelFor(c.op, ctx, c.domain ?? '')([c.x, c.scale, c.zeroPoint], attrs, ctx)[0];
}

/** Runs the case in both; returns our output after checking it equals onnxruntime's exactly. */
async function agree(c: Case, outDType: RtDType): Promise<RtTensor> {
  const got = ours(c);
  expect(got.dtype).toBe(outDType);
  expect(got.shape).toEqual(c.x.shape);
  const ref = (await runModel(caseModel(c, outDType), fourBit(c.x.dtype) ? {} : { x: c.x })).y;
  const a = Array.from(ref.data, Number), b = Array.from(got.data, Number);
  const firstDiff = a.findIndex((v, i) => !Object.is(v, b[i]) && !(v === 0 && b[i] === 0));
  expect(firstDiff, `first difference at ${firstDiff}: onnxruntime ${a[firstDiff]}, ours ${b[firstDiff]} (x = ${c.x.data[firstDiff]})`).toBe(-1);
  return got;
}

describe('QuantizeLinear against onnxruntime', () => {
  it('opset 10, uint8 by default (no zero point): ties to even, saturation at 0 and 255', async () => {
    const x = f32([10], [0.5, 1.5, 2.5, 3.5, -0.5, -2, 254.5, 255.5, 1e9, 12.25]);
    const y = await agree({ op: 'QuantizeLinear', opset: 10, x, scale: f32([], [1]) }, 'uint8');
    expect(toNumbers(y)).toEqual([0, 2, 2, 4, 0, 0, 254, 255, 255, 12]);
  });

  it('opset 13, int8 per tensor with a zero point: random values and exact ties of the scale', async () => {
    await agree({ op: 'QuantizeLinear', opset: 13, x: randomX([4, 37], -3, 3, 1, 0.02), scale: f32([], [0.02]), zeroPoint: tensor('int8', [], [-5]) }, 'int8');
  });

  it('opset 13, per axis 1 (default) and axis −3 of a rank-4 tensor, zero points per channel', async () => {
    const x = randomX([2, 3, 4, 5], -4, 4, 2, 0.1);
    const scale = f32([3], [0.1, 0.05, 0.3]);
    const zeroPoint = tensor('uint8', [3], [128, 3, 250]);
    const a = await agree({ op: 'QuantizeLinear', opset: 13, x, scale, zeroPoint }, 'uint8');
    const b = await agree({ op: 'QuantizeLinear', opset: 13, x, scale, zeroPoint, attrs: { axis: -3 } }, 'uint8');
    expect(toNumbers(b)).toEqual(toNumbers(a));
  });

  it('opset 13, per axis on the last axis (axis −1)', async () => {
    await agree({ op: 'QuantizeLinear', opset: 13, x: randomX([6, 4], -2, 2, 3, 0.25), scale: f32([4], [0.25, 0.5, 0.125, 1]), zeroPoint: tensor('int8', [4], [0, 1, -1, 7]), attrs: { axis: -1 } }, 'int8');
  });

  it('opset 19, int8 per axis 0', async () => {
    await agree({ op: 'QuantizeLinear', opset: 19, x: randomX([3, 8], -30, 30, 4, 0.2), scale: f32([3], [0.2, 0.1, 0.4]), zeroPoint: tensor('int8', [3], [0, 0, 0]), attrs: { axis: 0 } }, 'int8');
  });

  it('opset 21, int4 per output channel (the 4-bit weight form): saturation at −8 and 7', async () => {
    const x = randomX([4, 3, 3, 3], -1, 1, 5, 0.125);
    const y = await agree({ op: 'QuantizeLinear', opset: 21, x, scale: f32([4], [0.125, 0.1, 0.05, 0.3]), zeroPoint: tensor('int4', [4], [0, 0, 0, 0]), attrs: { axis: 0 } }, 'int4');
    const values = toNumbers(y);
    expect(Math.min(...values)).toBe(-8);
    expect(Math.max(...values)).toBe(7);
  });

  it('opset 21, uint4 per tensor with a zero point (4-bit activations)', async () => {
    await agree({ op: 'QuantizeLinear', opset: 21, x: randomX([50], -0.5, 3, 6, 0.2), scale: f32([], [0.2]), zeroPoint: tensor('uint4', [], [2]) }, 'uint4');
  });

  it('opset 21, output_dtype without a zero point: int4 and int16', async () => {
    await agree({ op: 'QuantizeLinear', opset: 21, x: randomX([20], -2, 2, 7, 0.25), scale: f32([], [0.25]), attrs: { output_dtype: onnxCode.int4 } }, 'int4');
    await agree({ op: 'QuantizeLinear', opset: 21, x: randomX([20], -5000, 5000, 8, 0.125), scale: f32([], [0.125]), attrs: { output_dtype: onnxCode.int16 } }, 'int16');
  });

  it('opset 21, uint16 and int16 zero points: saturation at the 16-bit bounds', async () => {
    await agree({ op: 'QuantizeLinear', opset: 21, x: f32([6], [-1, 0.5, 1.5, 65534.5, 70000, 3.25]), scale: f32([], [1]), zeroPoint: tensor('uint16', [], [0]) }, 'uint16');
    await agree({ op: 'QuantizeLinear', opset: 21, x: randomX([30], -1, 1, 9), scale: f32([], [1e-5]), zeroPoint: tensor('int16', [], [100]) }, 'int16');
  });

  it('opset 21, blocks along axis 1 with a ragged last block (block 3 of 8) and along axis 0', async () => {
    const x = randomX([2, 8, 3], -2, 2, 10, 0.1);
    const scale = f32([2, 3, 3], Array.from({ length: 18 }, (_, i) => 0.05 + 0.01 * i));
    const zeroPoint = tensor('int8', [2, 3, 3], Array.from({ length: 18 }, (_, i) => i - 9));
    await agree({ op: 'QuantizeLinear', opset: 21, x, scale, zeroPoint, attrs: { axis: 1, block_size: 3 } }, 'int8');
    await agree({ op: 'QuantizeLinear', opset: 21, x: randomX([5, 4], -1, 1, 11, 0.1), scale: f32([3, 4], Array.from({ length: 12 }, (_, i) => 0.1 + 0.02 * i)), zeroPoint: tensor('int4', [3, 4], Array.from({ length: 12 }, () => 0)), attrs: { axis: 0, block_size: 2 } }, 'int4');
  });

  it('NaN takes the lowest code and ±∞ saturate, as onnxruntime does', async () => {
    await agree({ op: 'QuantizeLinear', opset: 13, x: f32([4], [NaN, Infinity, -Infinity, 0]), scale: f32([], [1]), zeroPoint: tensor('int8', [], [0]) }, 'int8');
    await agree({ op: 'QuantizeLinear', opset: 13, x: f32([4], [NaN, Infinity, -Infinity, 0]), scale: f32([], [1]) }, 'uint8');
  });

  it('com.microsoft: int4 per axis, uint16, and uint8 by default', async () => {
    const x = randomX([2, 4], -3, 3, 12, 0.5);
    await agree({ op: 'QuantizeLinear', domain: 'com.microsoft', opset: 13, x, scale: f32([4], [0.5, 1, 0.25, 2]), zeroPoint: tensor('int4', [4], [0, 1, 2, 3]), attrs: { axis: 1 } }, 'int4');
    await agree({ op: 'QuantizeLinear', domain: 'com.microsoft', opset: 13, x, scale: f32([], [0.001]), zeroPoint: tensor('uint16', [], [3000]) }, 'uint16');
    await agree({ op: 'QuantizeLinear', domain: 'com.microsoft', opset: 13, x, scale: f32([], [0.5]) }, 'uint8');
  });
});

describe('DequantizeLinear against onnxruntime', () => {
  const ints = (dtype: RtDType, shape: number[], lo: number, hi: number, seed: number): RtTensor => {
    const rnd = seeded(seed);
    return tensor(dtype, shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(lo + (hi - lo + 1) * rnd())));
  };

  it('opset 10, uint8 per tensor, no zero point', async () => {
    await agree({ op: 'DequantizeLinear', opset: 10, x: ints('uint8', [20], 0, 255, 1), scale: f32([], [0.0375]) }, 'float32');
  });

  it('opset 13, int8 per axis −1 and int32 (a bias)', async () => {
    await agree({ op: 'DequantizeLinear', opset: 13, x: ints('int8', [3, 5], -128, 127, 2), scale: f32([5], [0.1, 0.3, 0.7, 1e-3, 5]), zeroPoint: tensor('int8', [5], [0, 3, -3, 127, -128]), attrs: { axis: -1 } }, 'float32');
    await agree({ op: 'DequantizeLinear', opset: 13, x: ints('int32', [8], -(2 ** 31), 2 ** 31 - 1, 3), scale: f32([], [0.0001234]) }, 'float32');
  });

  it('opset 21, int4 weights per output channel, uint4 activations, int16 and uint16', async () => {
    await agree({ op: 'DequantizeLinear', opset: 21, x: ints('int4', [4, 3, 3], -8, 7, 4), scale: f32([4], [0.1, 0.2, 0.03, 0.7]), zeroPoint: tensor('int4', [4], [0, 0, -1, 1]), attrs: { axis: 0 } }, 'float32');
    await agree({ op: 'DequantizeLinear', opset: 21, x: ints('uint4', [9], 0, 15, 5), scale: f32([], [0.0667]), zeroPoint: tensor('uint4', [], [3]) }, 'float32');
    await agree({ op: 'DequantizeLinear', opset: 21, x: ints('int16', [9], -32768, 32767, 6), scale: f32([], [0.001]), zeroPoint: tensor('int16', [], [-5]) }, 'float32');
    await agree({ op: 'DequantizeLinear', opset: 21, x: ints('uint16', [9], 0, 65535, 7), scale: f32([], [0.001]), zeroPoint: tensor('uint16', [], [32768]) }, 'float32');
  });

  it('opset 21, blocks of 4 along the last axis (a ragged last block)', async () => {
    await agree({ op: 'DequantizeLinear', opset: 21, x: ints('int4', [3, 10], -8, 7, 8), scale: f32([3, 3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]), zeroPoint: tensor('int4', [3, 3], [0, 1, -1, 2, -2, 3, -3, 4, -4]), attrs: { axis: -1, block_size: 4 } }, 'float32');
  });

  it('com.microsoft: int4 per axis and uint16 per tensor', async () => {
    await agree({ op: 'DequantizeLinear', domain: 'com.microsoft', opset: 13, x: ints('int4', [2, 4], -8, 7, 9), scale: f32([4], [0.5, 1, 0.25, 2]), zeroPoint: tensor('int4', [4], [0, 1, 2, 3]), attrs: { axis: 1 } }, 'float32');
    await agree({ op: 'DequantizeLinear', domain: 'com.microsoft', opset: 13, x: ints('uint16', [6], 0, 65535, 10), scale: f32([], [0.01]), zeroPoint: tensor('uint16', [], [3000]) }, 'float32');
  });
});

describe('QuantizeLinear / DequantizeLinear refusals: CIM4005 naming the node', () => {
  function refusal(c: Case): CimcError {
    try {
      ours(c);
    } catch (e) {
      if (e instanceof CimcError) return e;
      throw e;
    }
    throw new Error('expected a CimcError');
  }
  const x = f32([2, 4], [0, 1, 2, 3, 4, 5, 6, 7]);
  const cases: [string, Case, RegExp][] = [
    ['int4 before opset 21', { op: 'QuantizeLinear', opset: 13, x, scale: f32([], [1]), zeroPoint: tensor('int4', [], [0]) }, /cannot quantize to int4 at opset 13/],
    ['per axis at opset 10', { op: 'QuantizeLinear', opset: 10, x, scale: f32([4], [1, 1, 1, 1]) }, /must be a scalar at opset 10/],
    ['a scale of the wrong length', { op: 'QuantizeLinear', opset: 13, x, scale: f32([3], [1, 1, 1]) }, /one value per index of axis 1 of x \[2,4\] \(4\)/],
    ['zero point and scale of different shapes', { op: 'DequantizeLinear', opset: 13, x: tensor('int8', [2, 4], [0, 0, 0, 0, 0, 0, 0, 0]), scale: f32([4], [1, 1, 1, 1]), zeroPoint: tensor('int8', [], [0]) }, /x_zero_point \[\] must have the shape of x_scale \[4\]/],
    ['an axis out of range', { op: 'QuantizeLinear', opset: 13, x, scale: f32([4], [1, 1, 1, 1]), attrs: { axis: 2 } }, /axis 2 is out of range for rank 2/],
    ['blocks before opset 21', { op: 'QuantizeLinear', opset: 19, x, scale: f32([2, 2], [1, 1, 1, 1]), attrs: { axis: 1, block_size: 2 } }, /block_size is not an attribute of opset 19/],
    ['blocks in com.microsoft', { op: 'DequantizeLinear', domain: 'com.microsoft', opset: 13, x: tensor('int8', [2, 4], [0, 0, 0, 0, 0, 0, 0, 0]), scale: f32([2, 2], [1, 1, 1, 1]), attrs: { block_size: 2 } }, /block_size is not an attribute of com.microsoft/],
    ['a block scale of the wrong shape', { op: 'QuantizeLinear', opset: 21, x, scale: f32([2, 2], [1, 1, 1, 1]), attrs: { axis: 1, block_size: 1 } }, /y_scale \[2,2\] must be \[2,4\] for blocks of 1 along axis 1/],
    ['a negative block size', { op: 'QuantizeLinear', opset: 21, x, scale: f32([], [1]), attrs: { block_size: -2 } }, /block_size must be a positive integer/],
    ['float8 output', { op: 'QuantizeLinear', opset: 21, x, scale: f32([], [1]), attrs: { output_dtype: 17 } }, /float8e4m3fn is not supported by the runtime/],
    ['output_dtype against the zero point', { op: 'QuantizeLinear', opset: 21, x, scale: f32([], [1]), zeroPoint: tensor('uint8', [], [0]), attrs: { output_dtype: onnxCode.int8 } }, /output_dtype int8 differs from the zero point's type uint8/],
    ['dequantizing a float', { op: 'DequantizeLinear', opset: 13, x, scale: f32([], [1]) }, /cannot dequantize float32 at opset 13/],
    ['an integer scale', { op: 'DequantizeLinear', opset: 13, x: tensor('int8', [1], [0]), scale: tensor('int8', [], [1]) }, /x_scale must be float, got int8/],
  ];
  for (const [name, c, message] of cases) {
    it(name, () => {
      const e = refusal(c);
      expect(e.code).toBe('CIM4005');
      expect(e.diagnostic.node).toBe('q');
      expect(e.message).toMatch(message);
    });
  }

  it('com.microsoft ops of other types are still missing kernels', () => {
    expect(() => kernelFor('Gelu', { node: 'g', opset: 17 }, 'com.microsoft')).toThrow(/no runtime kernel for com.microsoft.Gelu/);
  });
});

describe('Cast with the new runtime types', () => {
  it('Cast to uint16 is a uint16 tensor, as in onnxruntime (it was int64)', async () => {
    await checkOp('Cast', [input('X', [12], { range: [0, 60000] })], { to: onnxCode.uint16 }, { opset: 13 });
  });

  it('Cast from float to int4 is refused (onnxruntime rounds before wrapping; QuantizeLinear is the way to 4 bits)', () => {
    const ctx = { node: 'c', opset: 21, opType: 'Cast' };
    expect(() => kernelFor('Cast', ctx)([f32([2], [7.7, 1])], { to: onnxCode.int4 }, ctx)).toThrow(/Cast from float32 to int4 is not supported/);
  });
});
