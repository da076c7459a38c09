/**
 * Runtime digital kernels against onnxruntime: elementwise, Gemm/MatMul, Conv/ConvTranspose,
 * pooling, normalization, reductions and softmax. Each case is a one-node model run on seeded
 * random inputs; float outputs must agree to 1e-5·max(1, max|ref|), integer outputs exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkOp, floats, input, ints, scalar, type OpInput, type TestAttr, type CheckOptions } from '../helpers/onnx-single-op.js';

let worst = { error: 0, name: '' };
let cases = 0;

function check(name: string, opType: string, inputs: (OpInput | null)[], attrs: Record<string, TestAttr> = {}, options: CheckOptions = {}): void {
  it(name, async () => {
    const err = await checkOp(opType, inputs, attrs, options);
    cases++;
    if (err > worst.error) worst = { error: err, name };
    expect(err).toBeLessThanOrEqual(options.tol ?? 1e-5);
  });
}

afterAll(() => {
  console.log(`runtime-ops-nn: ${cases} onnxruntime comparisons, worst relative error ${worst.error.toExponential(2)} (${worst.name})`);
});

const X = (shape: number[], extra: Partial<OpInput> = {}): OpInput => input('X', shape, extra);

describe('unary activations and math', () => {
  const shape = [2, 3, 4, 5];
  check('Relu', 'Relu', [X(shape)]);
  check('LeakyRelu alpha', 'LeakyRelu', [X(shape)], { alpha: { float: 0.2 } });
  check('Sigmoid', 'Sigmoid', [X(shape, { range: [-12, 12] })]);
  check('HardSigmoid', 'HardSigmoid', [X(shape, { range: [-6, 6] })], { alpha: { float: 0.3 }, beta: { float: 0.4 } });
  check('HardSwish', 'HardSwish', [X(shape, { range: [-5, 5] })], {}, { opset: 14 });
  check('Tanh', 'Tanh', [X(shape, { range: [-4, 4] })]);
  check('Exp', 'Exp', [X(shape, { range: [-5, 5] })]);
  check('Log', 'Log', [X(shape, { range: [0.01, 10] })]);
  check('Sqrt', 'Sqrt', [X(shape, { range: [0, 10] })]);
  check('Neg', 'Neg', [X(shape)]);
  check('Abs', 'Abs', [X(shape)]);
  check('Erf', 'Erf', [X(shape, { range: [-3, 3] })]);
  check('Floor', 'Floor', [X(shape, { range: [-5, 5] })]);
  check('Ceil', 'Ceil', [X(shape, { range: [-5, 5] })]);
  check('Round half to even', 'Round', [floats('X', [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, 0.51, -3.7, 4.2, 1e6 + 0.5, -0])]);
  check('Reciprocal', 'Reciprocal', [X(shape, { range: [0.5, 3] })]);
  check('Softplus', 'Softplus', [X(shape, { range: [-30, 30] })]);
  check('Softsign', 'Softsign', [X(shape, { range: [-5, 5] })]);
  check('Elu', 'Elu', [X(shape, { range: [-3, 3] })], { alpha: { float: 0.7 } });
  check('Selu', 'Selu', [X(shape, { range: [-3, 3] })]);
  check('Celu', 'Celu', [X(shape, { range: [-3, 3] })], { alpha: { float: 1.5 } }, { opset: 12 });
  check('Gelu (erf)', 'Gelu', [X(shape, { range: [-4, 4] })], {}, { opset: 20 });
  check('Gelu (tanh)', 'Gelu', [X(shape, { range: [-4, 4] })], { approximate: 'tanh' }, { opset: 20 });
  check('Mish', 'Mish', [X(shape, { range: [-6, 6] })], {}, { opset: 18 });
  check('Sign', 'Sign', [floats('X', [-2, -0.1, 0, 0.3, 5])]);
  check('ThresholdedRelu', 'ThresholdedRelu', [X(shape, { range: [-3, 3] })], { alpha: { float: 0.5 } });
  check('Shrink', 'Shrink', [X(shape, { range: [-2, 2] })], { bias: { float: 0.1 }, lambd: { float: 0.4 } });
  check('Sin', 'Sin', [X(shape, { range: [-4, 4] })]);
  check('Clip opset 6 (attributes)', 'Clip', [X(shape)], { min: { float: -0.3 }, max: { float: 0.6 } }, { opset: 6 });
  check('Clip opset 13 (inputs)', 'Clip', [X(shape), scalar('min', -0.25, 'float32'), scalar('max', 0.5, 'float32')], {}, { opset: 13 });
  check('Clip opset 13 max only', 'Clip', [X(shape), null, scalar('max', 0.1, 'float32')], {}, { opset: 13 });
  check('Clip int32', 'Clip', [X([10], { dtype: 'int32', range: [-20, 20] }), scalar('min', -3, 'int32'), scalar('max', 7, 'int32')], {}, { opset: 13 });
  check('Identity', 'Identity', [X(shape)]);
  check('Dropout (inference)', 'Dropout', [X(shape)], {}, { opset: 13 });
});

describe('binary, variadic, comparison, logic', () => {
  check('Add broadcast', 'Add', [input('A', [2, 3, 4, 5]), input('B', [3, 1, 5])]);
  check('Sub broadcast row', 'Sub', [input('A', [2, 3]), input('B', [3])]);
  check('Mul per-channel', 'Mul', [input('A', [2, 3, 4, 4]), input('B', [1, 3, 1, 1])]);
  check('Div', 'Div', [input('A', [4, 5]), input('B', [4, 1], { range: [0.5, 2] })]);
  check('Pow', 'Pow', [input('A', [3, 4], { range: [0.1, 2] }), input('B', [4], { range: [-2, 2] })]);
  check('Pow int exponent', 'Pow', [input('A', [6]), ints('B', [2], 'int64')], {}, { opset: 15 });
  check('Add int64 broadcast', 'Add', [input('A', [2, 3], { dtype: 'int64' }), input('B', [1], { dtype: 'int64' })]);
  check('Mul int32', 'Mul', [input('A', [5], { dtype: 'int32' }), input('B', [5], { dtype: 'int32' })]);
  check('Div int64 truncates', 'Div', [ints('A', [7, -7, 9, -9, 0]), ints('B', [2, 2, -4, -4, 3])]);
  check('Mod int fmod=0', 'Mod', [ints('A', [7, -7, 9, -9, 5]), ints('B', [3, 3, -4, -4, 5])]);
  check('Mod float fmod=1', 'Mod', [input('A', [12], { range: [-5, 5] }), input('B', [12], { range: [0.5, 2] })], { fmod: 1 });
  check('Equal int64', 'Equal', [input('A', [4, 5], { dtype: 'int64', range: [0, 3] }), input('B', [5], { dtype: 'int64', range: [0, 3] })], {}, { opset: 13 });
  check('Less', 'Less', [input('A', [3, 4]), input('B', [3, 1])]);
  check('Greater', 'Greater', [input('A', [3, 4]), input('B', [4])]);
  check('LessOrEqual', 'LessOrEqual', [input('A', [6], { dtype: 'int32', range: [0, 3] }), input('B', [6], { dtype: 'int32', range: [0, 3] })], {}, { opset: 16 });
  check('Not', 'Not', [input('X', [7], { dtype: 'bool' })]);
  check('And broadcast', 'And', [input('A', [3, 4], { dtype: 'bool' }), input('B', [4], { dtype: 'bool' })]);
  check('Or', 'Or', [input('A', [8], { dtype: 'bool' }), input('B', [8], { dtype: 'bool' })]);
  check('Xor', 'Xor', [input('A', [8], { dtype: 'bool' }), input('B', [8], { dtype: 'bool' })]);
  check('Where broadcast', 'Where', [input('C', [3, 1], { dtype: 'bool' }), input('A', [1, 4]), input('B', [3, 4])]);
  check('Where int64', 'Where', [input('C', [5], { dtype: 'bool' }), input('A', [5], { dtype: 'int64' }), input('B', [1], { dtype: 'int64' })]);
  check('Sum of three', 'Sum', [input('A', [2, 3]), input('B', [3]), input('C', [2, 1])]);
  check('Mean of three', 'Mean', [input('A', [2, 3]), input('B', [3]), input('C', [2, 1])]);
  check('Max of two', 'Max', [input('A', [4, 3]), input('B', [3])]);
  check('Min of three', 'Min', [input('A', [4, 3]), input('B', [3]), input('C', [4, 1])]);
  check('PRelu per-channel', 'PRelu', [input('X', [2, 3, 4, 4]), input('slope', [3, 1, 1])]);
  check('Cast float→int32', 'Cast', [X([12], { range: [-10, 10] })], { to: 6 });
  check('Cast float→int64', 'Cast', [X([12], { range: [-10, 10] })], { to: 7 });
  check('Cast int64→float', 'Cast', [X([12], { dtype: 'int64' })], { to: 1 });
  check('Cast float→bool', 'Cast', [floats('X', [0, 1.5, -0.2, 0, 3])], { to: 9 });
  check('Cast bool→float', 'Cast', [X([6], { dtype: 'bool' })], { to: 1 });
  check('Cast float→uint8', 'Cast', [X([8], { range: [0, 200] })], { to: 2 });
  check('CastLike', 'CastLike', [X([6], { range: [-9, 9] }), input('like', [1], { dtype: 'int32' })], {}, { opset: 15 });
  check('GreaterOrEqual', 'GreaterOrEqual', [input('A', [3, 4], { dtype: 'int64', range: [0, 3] }), input('B', [4], { dtype: 'int64', range: [0, 3] })], {}, { opset: 16 });
  check('IsNaN', 'IsNaN', [floats('X', [0, NaN, 1, -Infinity])], {}, { opset: 13 });
  check('IsInf negative only', 'IsInf', [floats('X', [0, NaN, Infinity, -Infinity])], { detect_positive: 0 }, { opset: 10 });
  for (const op of ['Cos', 'Tan', 'Atan', 'Sinh', 'Asinh', 'Cosh']) check(op, op, [X([2, 5], { range: [-1.2, 1.2] })]);
  check('Asin', 'Asin', [X([7], { range: [-0.99, 0.99] })]);
  check('Acosh', 'Acosh', [X([7], { range: [1, 5] })]);
  check('Acos', 'Acos', [X([7], { range: [-0.99, 0.99] })]);
  check('Atanh', 'Atanh', [X([7], { range: [-0.9, 0.9] })]);
});

describe('quantization and bitwise', () => {
  check('QuantizeLinear uint8 per tensor', 'QuantizeLinear', [X([2, 3, 4], { range: [-2, 2] }), scalar('scale', 0.0125, 'float32'), scalar('zp', 128, 'uint8')], {}, { opset: 13 });
  check('QuantizeLinear int8 per axis, ties', 'QuantizeLinear', [floats('X', [0.5, 1.5, 2.5, -0.5, -1.5, 300, -300, 0.25], [2, 4]), floats('scale', [1, 0.5]), { name: 'zp', dtype: 'int8', shape: [2], data: [0, -3] }], { axis: 0 }, { opset: 13 });
  check('DequantizeLinear int8 per axis', 'DequantizeLinear', [X([2, 3, 2], { dtype: 'int8', range: [-128, 128] }), floats('scale', [0.1, 0.02, 0.5]), { name: 'zp', dtype: 'int8', shape: [3], data: [0, 4, -7] }], { axis: 1 }, { opset: 13 });
  check('DequantizeLinear uint8 per tensor', 'DequantizeLinear', [X([5], { dtype: 'uint8', range: [0, 256] }), scalar('scale', 0.05, 'float32'), scalar('zp', 100, 'uint8')], {}, { opset: 13 });
  check('BitShift uint8 left', 'BitShift', [input('A', [6], { dtype: 'uint8', range: [0, 256] }), input('B', [6], { dtype: 'uint8', range: [0, 4] })], { direction: 'LEFT' }, { opset: 11 });
  check('BitShift uint8 right', 'BitShift', [input('A', [6], { dtype: 'uint8', range: [0, 256] }), input('B', [1], { dtype: 'uint8', range: [0, 4] })], { direction: 'RIGHT' }, { opset: 11 });
  check('BitwiseAnd int32', 'BitwiseAnd', [input('A', [6], { dtype: 'int32', range: [-100, 100] }), input('B', [6], { dtype: 'int32', range: [-100, 100] })], {}, { opset: 18 });
  check('BitwiseXor int64', 'BitwiseXor', [input('A', [6], { dtype: 'int64', range: [-100, 100] }), input('B', [1], { dtype: 'int64', range: [-100, 100] })], {}, { opset: 18 });
  check('BitwiseNot int32', 'BitwiseNot', [input('X', [6], { dtype: 'int32', range: [-100, 100] })], {}, { opset: 18 });
});

describe('Gemm and MatMul', () => {
  check('Gemm plain', 'Gemm', [input('A', [5, 7]), input('B', [7, 9])]);
  check('Gemm transB, bias row', 'Gemm', [input('A', [33, 70]), input('B', [50, 70]), input('C', [50])], { transB: 1 });
  check('Gemm transA, alpha, beta, C [M,1]', 'Gemm', [input('A', [70, 9]), input('B', [70, 6]), input('C', [9, 1])], { transA: 1, alpha: { float: 0.5 }, beta: { float: 2 } });
  check('Gemm both transposed, scalar C', 'Gemm', [input('A', [8, 6]), input('B', [11, 8]), input('C', [])], { transA: 1, transB: 1 });
  check('Gemm batch 1 (FC layer)', 'Gemm', [input('A', [1, 512]), input('B', [100, 512]), input('C', [100])], { transB: 1 });
  check('MatMul 2-D', 'MatMul', [input('A', [13, 17]), input('B', [17, 11])]);
  check('MatMul batched', 'MatMul', [input('A', [2, 3, 5, 7]), input('B', [7, 6])]);
  check('MatMul broadcast batch', 'MatMul', [input('A', [2, 1, 4, 5]), input('B', [3, 5, 6])]);
  check('MatMul vector × matrix', 'MatMul', [input('A', [7]), input('B', [7, 3])]);
  check('MatMul batch × vector', 'MatMul', [input('A', [2, 4, 7]), input('B', [7])]);
  check('MatMulInteger uint8, zero points', 'MatMulInteger', [input('A', [3, 40], { dtype: 'uint8', range: [0, 256] }), input('B', [40, 5], { dtype: 'uint8', range: [0, 256] }), scalar('a_zp', 120, 'uint8'), scalar('b_zp', 7, 'uint8')], {}, { opset: 10 });
  check('MatMulInteger int8 batched, per-column zero point', 'MatMulInteger', [input('A', [2, 3, 6], { dtype: 'int8', range: [-128, 128] }), input('B', [6, 4], { dtype: 'int8', range: [-128, 128] }), null, { name: 'b_zp', dtype: 'int8', shape: [4], data: [0, 1, -2, 3] }], {}, { opset: 10 });
  check('Einsum matmul', 'Einsum', [input('A', [3, 4]), input('B', [4, 5])], { equation: 'ij,jk->ik' }, { opset: 12 });
  check('Einsum batched with ellipsis', 'Einsum', [input('A', [2, 3, 4]), input('B', [2, 4, 5])], { equation: '...ij,...jk->...ik' }, { opset: 12 });
  check('Einsum transpose + reduce', 'Einsum', [input('A', [3, 4, 5])], { equation: 'ijk->ki' }, { opset: 12 });
  check('Einsum implicit output, trace', 'Einsum', [input('A', [4, 4]), input('B', [4, 3])], { equation: 'ii,ij' }, { opset: 12 });
});

describe('Conv and ConvTranspose', () => {
  const x = (shape: number[]): OpInput => input('X', shape);
  const w = (shape: number[]): OpInput => input('W', shape, { range: [-0.5, 0.5] });
  const b = (n: number): OpInput => input('B', [n]);
  check('Conv 3x3 pad 1 + bias', 'Conv', [x([2, 3, 8, 8]), w([4, 3, 3, 3]), b(4)], { pads: [1, 1, 1, 1] });
  check('Conv stride 2, asymmetric pads', 'Conv', [x([1, 3, 9, 10]), w([5, 3, 3, 3])], { strides: [2, 2], pads: [0, 1, 2, 1] });
  check('Conv dilation 2', 'Conv', [x([1, 2, 11, 11]), w([3, 2, 3, 3]), b(3)], { dilations: [2, 2], pads: [2, 2, 2, 2] });
  check('Conv group 2', 'Conv', [x([1, 4, 7, 7]), w([6, 2, 3, 3]), b(6)], { group: 2, pads: [1, 1, 1, 1] });
  check('Conv depthwise stride 2', 'Conv', [x([1, 6, 10, 10]), w([6, 1, 3, 3]), b(6)], { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] });
  check('Conv 1x1', 'Conv', [x([2, 16, 5, 5]), w([8, 16, 1, 1]), b(8)]);
  check('Conv 1x1 stride 2', 'Conv', [x([1, 8, 6, 6]), w([4, 8, 1, 1])], { strides: [2, 2] });
  check('Conv 5x3 kernel, non-square', 'Conv', [x([1, 2, 9, 6]), w([3, 2, 5, 3])], { pads: [2, 1, 2, 1] });
  check('Conv SAME_UPPER stride 2', 'Conv', [x([1, 3, 9, 9]), w([4, 3, 3, 3])], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
  check('Conv SAME_LOWER even kernel', 'Conv', [x([1, 3, 8, 8]), w([4, 3, 4, 4])], { auto_pad: 'SAME_LOWER' });
  check('Conv VALID', 'Conv', [x([1, 3, 8, 7]), w([2, 3, 3, 2])], { auto_pad: 'VALID', strides: [2, 1] });
  check('Conv 1-D', 'Conv', [x([2, 3, 20]), w([4, 3, 5]), b(4)], { pads: [2, 1], strides: [2], dilations: [2] });
  check('Conv many channels (GEMM tiles)', 'Conv', [x([1, 37, 9, 9]), w([19, 37, 3, 3]), b(19)], { pads: [1, 1, 1, 1] });
  check('ConvTranspose stride 2, pads, output_padding', 'ConvTranspose', [x([1, 4, 5, 5]), w([4, 3, 3, 3]), b(3)], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
  check('ConvTranspose group 2, dilation', 'ConvTranspose', [x([1, 4, 4, 5]), w([4, 2, 3, 2])], { group: 2, dilations: [2, 1], strides: [1, 2] });
  check('ConvTranspose output_shape', 'ConvTranspose', [x([1, 2, 4, 4]), w([2, 3, 3, 3])], { strides: [2, 2], output_shape: [8, 8] });
  check('ConvTranspose SAME_UPPER', 'ConvTranspose', [x([1, 2, 4, 4]), w([2, 2, 3, 3])], { strides: [2, 2], auto_pad: 'SAME_UPPER' });
  check('ConvTranspose SAME_LOWER', 'ConvTranspose', [x([1, 2, 4, 4]), w([2, 2, 4, 4])], { strides: [2, 2], auto_pad: 'SAME_LOWER' });
  check('ConvTranspose SAME_LOWER odd pad', 'ConvTranspose', [x([1, 2, 4, 5]), w([2, 2, 3, 3])], { strides: [2, 2], auto_pad: 'SAME_LOWER' });
  check('ConvTranspose output_shape odd pad, stride 3', 'ConvTranspose', [x([1, 2, 3, 3]), w([2, 2, 3, 3])], { strides: [3, 3], output_shape: [7, 8] });
  check('ConvTranspose 1-D', 'ConvTranspose', [x([2, 3, 7]), w([3, 2, 4]), b(2)], { strides: [3], pads: [1, 2] });
});

describe('pooling', () => {
  check('MaxPool 2x2 s2', 'MaxPool', [X([2, 3, 8, 8])], { kernel_shape: [2, 2], strides: [2, 2] });
  check('MaxPool 3x3 s2 pad 1 + Indices', 'MaxPool', [X([1, 2, 9, 9])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { opset: 12, outputs: ['Y', 'I'] });
  check('MaxPool ceil_mode', 'MaxPool', [X([1, 2, 10, 10])], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, { opset: 12 });
  check('MaxPool ceil_mode drops window in padding', 'MaxPool', [X([1, 1, 6, 6])], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, { opset: 12 });
  check('MaxPool dilations', 'MaxPool', [X([1, 2, 10, 9])], { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 0, 1, 2] }, { opset: 12 });
  check('MaxPool SAME_UPPER', 'MaxPool', [X([1, 2, 7, 7])], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
  check('MaxPool 1-D', 'MaxPool', [X([2, 3, 11])], { kernel_shape: [3], strides: [2], pads: [1, 1] });
  check('AveragePool exclude pad', 'AveragePool', [X([1, 3, 7, 7])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  check('AveragePool count_include_pad', 'AveragePool', [X([1, 3, 7, 7])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 });
  check('AveragePool ceil_mode', 'AveragePool', [X([1, 2, 8, 8])], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
  check('AveragePool ceil_mode + include pad', 'AveragePool', [X([1, 2, 8, 8])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 });
  check('AveragePool 1-D', 'AveragePool', [X([1, 2, 9])], { kernel_shape: [4], strides: [2] });
  check('LpPool p=2', 'LpPool', [X([1, 2, 6, 6])], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }, { opset: 18 });
  check('GlobalAveragePool', 'GlobalAveragePool', [X([2, 5, 7, 6])]);
  check('GlobalMaxPool', 'GlobalMaxPool', [X([2, 5, 7, 6])]);
  check('GlobalLpPool', 'GlobalLpPool', [X([1, 3, 4, 4])], { p: 2 });
});

describe('normalization', () => {
  const stats = (c: number): OpInput[] => [input('scale', [c]), input('B', [c]), input('mean', [c]), input('var', [c], { range: [0.1, 2] })];
  check('BatchNormalization opset 15', 'BatchNormalization', [X([2, 4, 5, 5]), ...stats(4)], { epsilon: { float: 1e-3 } }, { opset: 15 });
  check('BatchNormalization opset 9, 2-D input', 'BatchNormalization', [X([6, 3]), ...stats(3)], {}, { opset: 9 });
  check('InstanceNormalization', 'InstanceNormalization', [X([2, 3, 5, 6]), input('scale', [3]), input('B', [3])], { epsilon: { float: 1e-4 } });
  check('LayerNormalization last axis', 'LayerNormalization', [X([2, 5, 16]), input('Scale', [16]), input('B', [16])], {}, { opset: 17 });
  check('LayerNormalization axis 1, no bias, all outputs', 'LayerNormalization', [X([2, 3, 4]), input('Scale', [3, 4])], { axis: 1, epsilon: { float: 1e-3 } }, { opset: 17, outputs: ['Y', 'Mean', 'InvStdDev'] });
  check('GroupNormalization (per channel, opset 21)', 'GroupNormalization', [X([2, 6, 3, 3]), input('scale', [6]), input('bias', [6])], { num_groups: 3 }, { opset: 21 });
  check('LpNormalization p=2', 'LpNormalization', [X([3, 5])], { axis: 1, p: 2 });
  check('LpNormalization p=1 axis 0', 'LpNormalization', [X([4, 3])], { axis: 0, p: 1 });
  check('LRN', 'LRN', [X([1, 7, 3, 3])], { size: 3, alpha: { float: 1e-2 }, beta: { float: 0.75 }, bias: { float: 1 } });
  check('MeanVarianceNormalization', 'MeanVarianceNormalization', [X([2, 3, 4, 4])], {}, { opset: 13 });
});

describe('reductions, arg, softmax, TopK', () => {
  const shape = [3, 4, 5];
  check('ReduceMean axes attr, keepdims 0', 'ReduceMean', [X(shape)], { axes: [0, 2], keepdims: 0 }, { opset: 13 });
  check('ReduceMean axes input (opset 18)', 'ReduceMean', [X(shape), ints('axes', [-1])], {}, { opset: 18 });
  check('ReduceSum axes input (opset 13)', 'ReduceSum', [X(shape), ints('axes', [1])], {}, { opset: 13 });
  check('ReduceSum axes attr (opset 11)', 'ReduceSum', [X(shape)], { axes: [1, 2] }, { opset: 11 });
  check('ReduceSum all axes', 'ReduceSum', [X(shape)], { keepdims: 0 }, { opset: 13 });
  check('ReduceSum noop_with_empty_axes', 'ReduceSum', [X(shape)], { noop_with_empty_axes: 1 }, { opset: 13 });
  check('ReduceSum int64', 'ReduceSum', [X(shape, { dtype: 'int64' }), ints('axes', [0])], {}, { opset: 13 });
  check('ReduceMax', 'ReduceMax', [X(shape)], { axes: [1] }, { opset: 13 });
  check('ReduceMin', 'ReduceMin', [X(shape)], { axes: [0, 1], keepdims: 0 }, { opset: 13 });
  check('ReduceProd', 'ReduceProd', [X(shape, { range: [0.5, 1.5] })], { axes: [2] }, { opset: 13 });
  check('ReduceL2', 'ReduceL2', [X(shape)], { axes: [2] }, { opset: 13 });
  check('ReduceL1', 'ReduceL1', [X(shape)], { axes: [0] }, { opset: 13 });
  check('ReduceLogSumExp', 'ReduceLogSumExp', [X(shape, { range: [-20, 20] })], { axes: [1] }, { opset: 13 });
  check('ReduceSumSquare', 'ReduceSumSquare', [X(shape)], { axes: [1] }, { opset: 13 });
  check('ReduceLogSum', 'ReduceLogSum', [X(shape, { range: [0.1, 2] })], { axes: [0, 2] }, { opset: 13 });
  check('ArgMax keepdims', 'ArgMax', [X(shape)], { axis: 1 });
  check('ArgMax ties, select_last_index', 'ArgMax', [X([4, 6], { range: [0, 3] , dtype: 'int32' })], { axis: 1, keepdims: 0, select_last_index: 1 });
  check('ArgMin ties (first)', 'ArgMin', [X([4, 6], { range: [0, 3], dtype: 'int32' })], { axis: 0 });
  check('Softmax opset 11 (flatten at axis 1)', 'Softmax', [X([2, 3, 4], { range: [-5, 5] })], {}, { opset: 11 });
  check('Softmax opset 13 axis 1', 'Softmax', [X([2, 3, 4], { range: [-5, 5] })], { axis: 1 }, { opset: 13 });
  check('Softmax opset 13 default axis', 'Softmax', [X([2, 3, 10], { range: [-30, 30] })], {}, { opset: 13 });
  check('LogSoftmax opset 13 axis 0', 'LogSoftmax', [X([4, 5], { range: [-5, 5] })], { axis: 0 }, { opset: 13 });
  check('LogSoftmax opset 9', 'LogSoftmax', [X([2, 3, 4], { range: [-5, 5] })], { axis: 1 }, { opset: 9 });
  check('Hardmax', 'Hardmax', [X([3, 7])], {}, { opset: 13 });
  check('TopK largest', 'TopK', [X([3, 10]), ints('K', [4])], {}, { opset: 11, outputs: ['Values', 'Indices'] });
  check('TopK smallest, axis 0, ties', 'TopK', [X([8, 3], { range: [0, 4], dtype: 'int64' }), ints('K', [3])], { axis: 0, largest: 0 }, { opset: 11, outputs: ['Values', 'Indices'] });
  check('TopK opset 1 attribute k', 'TopK', [X([2, 9])], { k: 2 }, { opset: 9, outputs: ['Values', 'Indices'] });
  check('CumSum exclusive reverse', 'CumSum', [X([3, 5]), ints('axis', [1], 'int32')], { exclusive: 1, reverse: 1 }, { opset: 14 });
});
