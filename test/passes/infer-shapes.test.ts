/**
 * infer-shapes, op by op: small graphs built directly, one node each, in the opset forms
 * that differ (attribute vs input parameters). Cases marked `ort` are also exported to
 * ONNX and run in onnxruntime, whose actual output shapes must equal the inferred ones.
 */
import { describe, expect, it } from 'vitest';
import { CimcError, DiagnosticSink } from '../../base/diagnostics.js';
import { Graph, type Attr, type Dim, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import type { PassContext } from '../../compiler/pass-manager/pass.js';
import { makeTensor, type DType, type Tensor } from '../../base/tensor.js';
import { inferGraphShapes } from '../../compiler/shape-rules/infer-graph.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { ortValueShapes, type FeedSpec } from '../helpers/ort-intermediates.js';

// ---- building graphs ---------------------------------------------------------------

/** A node input: a graph input of some type, a constant, or omitted. */
type InputSpec =
  | { kind: 'input'; dtype: DType; shape: Dim[] }
  | { kind: 'const'; tensor: Tensor }
  | { kind: 'none' };

const input = (dtype: DType, ...shape: Dim[]): InputSpec => ({ kind: 'input', dtype, shape });
const f32 = (...shape: Dim[]): InputSpec => input('float32', ...shape);
const constant = (tensor: Tensor): InputSpec => ({ kind: 'const', tensor });
/** 1-d int64 constant (shape vectors, axes, pads…). */
const ints64 = (...values: number[]): InputSpec => constant(makeTensor('int64', [values.length], values));
const scalar64 = (value: number): InputSpec => constant(makeTensor('int64', [], [value]));
const floats = (...values: number[]): InputSpec => constant(makeTensor('float32', [values.length], values));
const weights = (...shape: number[]): InputSpec => constant(makeTensor('float32', shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(0.1)));
const none: InputSpec = { kind: 'none' };

const attr = {
  i: (value: number): Attr => ({ kind: 'int', value }),
  is: (...value: number[]): Attr => ({ kind: 'ints', value }),
  f: (value: number): Attr => ({ kind: 'float', value }),
  fs: (...value: number[]): Attr => ({ kind: 'floats', value }),
  s: (value: string): Attr => ({ kind: 'string', value }),
  t: (value: Tensor): Attr => ({ kind: 'tensor', value }),
};

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, domain = ''): Node {
  return { name, opType, domain, inputs, outputs, attrs };
}

/** A graph with one node `n` reading in0…inK and writing out0…outM. */
function oneNodeGraph(opType: string, specs: InputSpec[], attrs: Record<string, Attr>, opset: number, outputs: number): Graph {
  const inputs: string[] = [];
  const constants = new Map<string, Tensor>();
  const values = new Map<string, ValueType>();
  const names = specs.map((spec, k) => {
    const name = `in${k}`;
    if (spec.kind === 'none') return '';
    if (spec.kind === 'const') constants.set(name, spec.tensor);
    else {
      inputs.push(name);
      values.set(name, { dtype: spec.dtype, shape: spec.shape });
    }
    return name;
  });
  const outs = Array.from({ length: outputs }, (_, k) => `out${k}`);
  return new Graph({
    name: 'main', opset, opsetImports: { '': opset }, inputs, outputs: outs,
    nodes: [node('n', opType, names, outs, attrs)], constants, values,
  });
}

function context(options: Record<string, unknown> = {}): PassContext & { diagnostics: DiagnosticSink } {
  return { options, diagnostics: new DiagnosticSink(), stats: new Map() };
}

function infer(graph: Graph, options: Record<string, unknown> = {}): { graph: Graph; diagnostics: DiagnosticSink } {
  const ctx = context(options);
  return { graph: inferShapes.run(graph, ctx).graph, diagnostics: ctx.diagnostics };
}

function typesOf(graph: Graph, names: readonly string[]): [DType | undefined, readonly Dim[] | undefined][] {
  return names.map((n) => [graph.typeOf(n)?.dtype, graph.typeOf(n)?.shape]);
}

/** Runs infer-shapes and returns the CimcError it throws. */
function inferError(graph: Graph, options: Record<string, unknown> = {}): CimcError {
  try {
    infer(graph, options);
  } catch (e) {
    if (e instanceof CimcError) return e;
    throw e;
  }
  throw new Error('expected infer-shapes to fail');
}

// ---- op cases ----------------------------------------------------------------------

interface OpCase {
  title: string;
  op: string;
  opset: number;
  inputs: InputSpec[];
  attrs?: Record<string, Attr>;
  /** [dtype, shape] per output. */
  expect: [DType, number[]][];
  /** Also compare with onnxruntime's actual output shapes. */
  ort?: boolean;
}

const cases: OpCase[] = [
  // -- pointwise and broadcasting
  { title: 'Add broadcasts numpy-style', op: 'Add', opset: 13, inputs: [f32(2, 1, 5), f32(3, 1)], expect: [['float32', [2, 3, 5]]], ort: true },
  { title: 'Mul with a scalar', op: 'Mul', opset: 7, inputs: [f32(1, 8, 4, 4), f32()], expect: [['float32', [1, 8, 4, 4]]], ort: true },
  { title: 'Pow keeps the base dtype', op: 'Pow', opset: 15, inputs: [f32(4, 3), floats(2)], expect: [['float32', [4, 3]]], ort: true },
  { title: 'Div broadcasts a 0-size dim', op: 'Div', opset: 14, inputs: [f32(0, 3), f32(1, 3)], expect: [['float32', [0, 3]]] },
  { title: 'Equal gives bool', op: 'Equal', opset: 11, inputs: [input('int64', 3, 1), input('int64', 4)], expect: [['bool', [3, 4]]], ort: true },
  { title: 'Less gives bool', op: 'Less', opset: 9, inputs: [f32(2, 3), f32(3)], expect: [['bool', [2, 3]]], ort: true },
  { title: 'Greater gives bool', op: 'Greater', opset: 13, inputs: [f32(2, 3), f32(1)], expect: [['bool', [2, 3]]], ort: true },
  { title: 'And/Or give bool', op: 'Or', opset: 7, inputs: [input('bool', 2, 1), input('bool', 1, 3)], expect: [['bool', [2, 3]]], ort: true },
  { title: 'Not gives bool', op: 'Not', opset: 1, inputs: [input('bool', 5)], expect: [['bool', [5]]] },
  { title: 'Where broadcasts three inputs, dtype of X', op: 'Where', opset: 16, inputs: [input('bool', 2, 1, 1), f32(3, 1), f32(1, 4)], expect: [['float32', [2, 3, 4]]], ort: true },
  { title: 'Max is variadic', op: 'Max', opset: 13, inputs: [f32(3, 1), f32(1, 4), f32(4)], expect: [['float32', [3, 4]]], ort: true },
  { title: 'Sum is variadic', op: 'Sum', opset: 8, inputs: [f32(2, 3), f32(3), f32(1, 1)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'Mean is variadic', op: 'Mean', opset: 13, inputs: [f32(2, 3), f32(2, 1)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'Min of one input', op: 'Min', opset: 13, inputs: [f32(2, 3)], expect: [['float32', [2, 3]]] },
  { title: 'PRelu broadcasts the slope onto X', op: 'PRelu', opset: 9, inputs: [f32(1, 4, 3, 3), weights(4, 1, 1)], expect: [['float32', [1, 4, 3, 3]]], ort: true },
  { title: 'Relu', op: 'Relu', opset: 14, inputs: [f32(2, 7)], expect: [['float32', [2, 7]]], ort: true },
  { title: 'LeakyRelu', op: 'LeakyRelu', opset: 16, inputs: [f32(2, 7)], attrs: { alpha: attr.f(0.2) }, expect: [['float32', [2, 7]]], ort: true },
  { title: 'HardSigmoid', op: 'HardSigmoid', opset: 6, inputs: [f32(1, 3)], expect: [['float32', [1, 3]]], ort: true },
  { title: 'HardSwish', op: 'HardSwish', opset: 14, inputs: [f32(1, 3)], expect: [['float32', [1, 3]]], ort: true },
  { title: 'Mish', op: 'Mish', opset: 18, inputs: [f32(1, 3)], expect: [['float32', [1, 3]]], ort: true },
  { title: 'Gelu', op: 'Gelu', opset: 20, inputs: [f32(2, 3)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'Erf, Sqrt, Exp…', op: 'Erf', opset: 13, inputs: [f32(6)], expect: [['float32', [6]]], ort: true },
  { title: 'Softplus', op: 'Softplus', opset: 1, inputs: [f32(6)], expect: [['float32', [6]]], ort: true },
  { title: 'Selu', op: 'Selu', opset: 6, inputs: [f32(6)], expect: [['float32', [6]]], ort: true },
  { title: 'Round', op: 'Round', opset: 11, inputs: [f32(6)], expect: [['float32', [6]]], ort: true },
  { title: 'Cast uses `to`', op: 'Cast', opset: 13, inputs: [f32(2, 3)], attrs: { to: attr.i(7) }, expect: [['int64', [2, 3]]], ort: true },
  { title: 'Cast to bool', op: 'Cast', opset: 9, inputs: [f32(2)], attrs: { to: attr.i(9) }, expect: [['bool', [2]]], ort: true },
  { title: 'CastLike takes the dtype of input 1', op: 'CastLike', opset: 15, inputs: [f32(2, 3), input('int32', 1)], expect: [['int32', [2, 3]]], ort: true },
  { title: 'QuantizeLinear takes the zero point dtype', op: 'QuantizeLinear', opset: 13, inputs: [f32(2, 3), constant(makeTensor('float32', [], [0.1])), constant(makeTensor('int8', [], [0]))], expect: [['int8', [2, 3]]], ort: true },
  { title: 'QuantizeLinear defaults to uint8', op: 'QuantizeLinear', opset: 13, inputs: [f32(2, 3), constant(makeTensor('float32', [], [0.1]))], expect: [['uint8', [2, 3]]], ort: true },
  { title: 'DequantizeLinear takes the scale dtype', op: 'DequantizeLinear', opset: 13, inputs: [constant(makeTensor('int8', [2, 3], [1, 2, 3, 4, 5, 6])), constant(makeTensor('float32', [], [0.1]))], expect: [['float32', [2, 3]]], ort: true },
  { title: 'Identity', op: 'Identity', opset: 16, inputs: [f32(3, 3)], expect: [['float32', [3, 3]]], ort: true },
  { title: 'Dropout-7 mask has the dtype of the data', op: 'Dropout', opset: 7, inputs: [f32(2, 5)], expect: [['float32', [2, 5]], ['float32', [2, 5]]] },
  { title: 'Dropout-12 mask is bool', op: 'Dropout', opset: 12, inputs: [f32(2, 5)], expect: [['float32', [2, 5]], ['bool', [2, 5]]], ort: true },
  { title: 'Clip-6 min/max attributes', op: 'Clip', opset: 6, inputs: [f32(1, 4)], attrs: { min: attr.f(0), max: attr.f(6) }, expect: [['float32', [1, 4]]], ort: true },
  { title: 'Clip-11 min/max inputs', op: 'Clip', opset: 11, inputs: [f32(1, 4), constant(makeTensor('float32', [], [0])), constant(makeTensor('float32', [], [6]))], expect: [['float32', [1, 4]]], ort: true },
  { title: 'Clip-13 without max', op: 'Clip', opset: 13, inputs: [f32(1, 4), constant(makeTensor('float32', [], [0]))], expect: [['float32', [1, 4]]], ort: true },
  { title: 'Softmax-11 (axis 1)', op: 'Softmax', opset: 11, inputs: [f32(2, 3, 4)], expect: [['float32', [2, 3, 4]]], ort: true },
  { title: 'LogSoftmax-13 (axis -1)', op: 'LogSoftmax', opset: 13, inputs: [f32(2, 3, 4)], expect: [['float32', [2, 3, 4]]], ort: true },

  // -- convolution
  { title: 'Conv with pads and strides', op: 'Conv', opset: 11, inputs: [f32(1, 3, 9, 9), weights(8, 3, 3, 3), weights(8)], attrs: { pads: attr.is(1, 1, 1, 1), strides: attr.is(2, 2) }, expect: [['float32', [1, 8, 5, 5]]], ort: true },
  { title: 'Conv with dilations and asymmetric pads', op: 'Conv', opset: 11, inputs: [f32(2, 4, 10, 11), weights(6, 4, 3, 2)], attrs: { dilations: attr.is(2, 3), pads: attr.is(0, 1, 2, 0) }, expect: [['float32', [2, 6, 8, 9]]], ort: true },
  { title: 'Conv depthwise (group = C)', op: 'Conv', opset: 13, inputs: [f32(1, 8, 7, 7), weights(8, 1, 3, 3)], attrs: { group: attr.i(8), pads: attr.is(1, 1, 1, 1) }, expect: [['float32', [1, 8, 7, 7]]], ort: true },
  { title: 'Conv auto_pad SAME_UPPER', op: 'Conv', opset: 11, inputs: [f32(1, 2, 7, 8), weights(4, 2, 3, 3)], attrs: { auto_pad: attr.s('SAME_UPPER'), strides: attr.is(2, 3) }, expect: [['float32', [1, 4, 4, 3]]], ort: true },
  { title: 'Conv auto_pad SAME_LOWER', op: 'Conv', opset: 11, inputs: [f32(1, 2, 7, 8), weights(4, 2, 2, 2)], attrs: { auto_pad: attr.s('SAME_LOWER'), strides: attr.is(2, 2) }, expect: [['float32', [1, 4, 4, 4]]], ort: true },
  { title: 'Conv auto_pad VALID', op: 'Conv', opset: 11, inputs: [f32(1, 2, 7, 8), weights(4, 2, 3, 3)], attrs: { auto_pad: attr.s('VALID'), strides: attr.is(2, 2) }, expect: [['float32', [1, 4, 3, 3]]], ort: true },
  { title: 'Conv 1-d', op: 'Conv', opset: 11, inputs: [f32(1, 3, 20), weights(5, 3, 4)], attrs: { strides: attr.is(3) }, expect: [['float32', [1, 5, 6]]], ort: true },
  { title: 'ConvTranspose stride 2', op: 'ConvTranspose', opset: 11, inputs: [f32(1, 4, 5, 5), weights(4, 3, 2, 2)], attrs: { strides: attr.is(2, 2) }, expect: [['float32', [1, 3, 10, 10]]], ort: true },
  { title: 'ConvTranspose pads, output_padding, dilations', op: 'ConvTranspose', opset: 11, inputs: [f32(1, 2, 4, 6), weights(2, 3, 3, 3)], attrs: { strides: attr.is(2, 3), pads: attr.is(1, 0, 1, 1), output_padding: attr.is(1, 2), dilations: attr.is(1, 2) }, expect: [['float32', [1, 3, 8, 21]]], ort: true },
  { title: 'ConvTranspose grouped', op: 'ConvTranspose', opset: 11, inputs: [f32(1, 4, 3, 3), weights(4, 2, 3, 3)], attrs: { group: attr.i(2) }, expect: [['float32', [1, 4, 5, 5]]], ort: true },
  { title: 'ConvTranspose output_shape', op: 'ConvTranspose', opset: 11, inputs: [f32(1, 2, 4, 4), weights(2, 3, 3, 3)], attrs: { strides: attr.is(2, 2), output_shape: attr.is(10, 9) }, expect: [['float32', [1, 3, 10, 9]]], ort: true },
  { title: 'ConvTranspose auto_pad SAME_UPPER', op: 'ConvTranspose', opset: 11, inputs: [f32(1, 2, 4, 5), weights(2, 3, 3, 3)], attrs: { strides: attr.is(2, 2), auto_pad: attr.s('SAME_UPPER') }, expect: [['float32', [1, 3, 8, 10]]], ort: true },

  // -- pooling
  { title: 'MaxPool with pads', op: 'MaxPool', opset: 8, inputs: [f32(1, 3, 8, 8)], attrs: { kernel_shape: attr.is(3, 3), strides: attr.is(2, 2), pads: attr.is(1, 1, 1, 1) }, expect: [['float32', [1, 3, 4, 4]], ['int64', [1, 3, 4, 4]]], ort: true },
  { title: 'MaxPool ceil_mode', op: 'MaxPool', opset: 10, inputs: [f32(1, 3, 14, 14)], attrs: { kernel_shape: attr.is(3, 3), strides: attr.is(2, 2), ceil_mode: attr.i(1) }, expect: [['float32', [1, 3, 7, 7]]], ort: true },
  { title: 'MaxPool ceil_mode drops a window starting in the end padding', op: 'MaxPool', opset: 12, inputs: [f32(1, 1, 5, 5)], attrs: { kernel_shape: attr.is(2, 2), strides: attr.is(2, 2), pads: attr.is(1, 1, 1, 1), ceil_mode: attr.i(1) }, expect: [['float32', [1, 1, 3, 3]]], ort: true },
  { title: 'MaxPool dilations', op: 'MaxPool', opset: 12, inputs: [f32(1, 2, 10, 10)], attrs: { kernel_shape: attr.is(2, 3), dilations: attr.is(2, 2) }, expect: [['float32', [1, 2, 8, 6]]], ort: true },
  { title: 'MaxPool SAME_LOWER', op: 'MaxPool', opset: 11, inputs: [f32(1, 2, 9, 10)], attrs: { kernel_shape: attr.is(3, 3), strides: attr.is(2, 2), auto_pad: attr.s('SAME_LOWER') }, expect: [['float32', [1, 2, 5, 5]]], ort: true },
  { title: 'AveragePool VALID', op: 'AveragePool', opset: 11, inputs: [f32(1, 2, 9, 10)], attrs: { kernel_shape: attr.is(3, 3), strides: attr.is(2, 2), auto_pad: attr.s('VALID') }, expect: [['float32', [1, 2, 4, 4]]], ort: true },
  { title: 'AveragePool ceil_mode with pads', op: 'AveragePool', opset: 11, inputs: [f32(1, 2, 10, 10)], attrs: { kernel_shape: attr.is(3, 3), strides: attr.is(3, 3), pads: attr.is(1, 1, 1, 1), ceil_mode: attr.i(1) }, expect: [['float32', [1, 2, 4, 4]]], ort: true },
  { title: 'AveragePool 1-d', op: 'AveragePool', opset: 7, inputs: [f32(1, 2, 9)], attrs: { kernel_shape: attr.is(2), strides: attr.is(2) }, expect: [['float32', [1, 2, 4]]], ort: true },
  { title: 'LpPool', op: 'LpPool', opset: 11, inputs: [f32(1, 2, 6, 6)], attrs: { kernel_shape: attr.is(2, 2), strides: attr.is(2, 2) }, expect: [['float32', [1, 2, 3, 3]]], ort: true },
  { title: 'GlobalAveragePool', op: 'GlobalAveragePool', opset: 1, inputs: [f32(2, 16, 7, 5)], expect: [['float32', [2, 16, 1, 1]]], ort: true },
  { title: 'GlobalMaxPool 3-d', op: 'GlobalMaxPool', opset: 1, inputs: [f32(1, 4, 3, 3, 3)], expect: [['float32', [1, 4, 1, 1, 1]]], ort: true },

  // -- matrix products
  { title: 'Gemm', op: 'Gemm', opset: 13, inputs: [f32(4, 6), weights(6, 3), weights(3)], expect: [['float32', [4, 3]]], ort: true },
  { title: 'Gemm transA/transB', op: 'Gemm', opset: 11, inputs: [f32(6, 4), weights(3, 6)], attrs: { transA: attr.i(1), transB: attr.i(1) }, expect: [['float32', [4, 3]]], ort: true },
  { title: 'Gemm-7 with C broadcast', op: 'Gemm', opset: 7, inputs: [f32(2, 5), weights(5, 3), weights(1, 3)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'MatMul 2-d', op: 'MatMul', opset: 13, inputs: [f32(3, 4), weights(4, 5)], expect: [['float32', [3, 5]]], ort: true },
  { title: 'MatMul batched broadcast', op: 'MatMul', opset: 13, inputs: [f32(2, 1, 3, 4), f32(5, 4, 6)], expect: [['float32', [2, 5, 3, 6]]], ort: true },
  { title: 'MatMul 1-d × 3-d', op: 'MatMul', opset: 9, inputs: [f32(4), f32(2, 4, 6)], expect: [['float32', [2, 6]]], ort: true },
  { title: 'MatMul 3-d × 1-d', op: 'MatMul', opset: 9, inputs: [f32(2, 3, 4), f32(4)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'MatMul 1-d × 1-d', op: 'MatMul', opset: 9, inputs: [f32(4), f32(4)], expect: [['float32', []]], ort: true },
  { title: 'Einsum batched matmul', op: 'Einsum', opset: 12, inputs: [f32(2, 3, 4), f32(2, 4, 5)], attrs: { equation: attr.s('bij,bjk->bik') }, expect: [['float32', [2, 3, 5]]], ort: true },
  { title: 'Einsum implicit output with ellipsis', op: 'Einsum', opset: 12, inputs: [f32(7, 2, 3), f32(3, 4)], attrs: { equation: attr.s('...ij,jk') }, expect: [['float32', [7, 2, 4]]], ort: true },

  // -- normalisation
  { title: 'BatchNormalization', op: 'BatchNormalization', opset: 9, inputs: [f32(2, 3, 4, 4), weights(3), weights(3), weights(3), weights(3)], expect: [['float32', [2, 3, 4, 4]]], ort: true },
  { title: 'BatchNormalization on [N, C]', op: 'BatchNormalization', opset: 15, inputs: [f32(2, 3), weights(3), weights(3), weights(3), weights(3)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'InstanceNormalization', op: 'InstanceNormalization', opset: 6, inputs: [f32(2, 3, 4, 4), weights(3), weights(3)], expect: [['float32', [2, 3, 4, 4]]], ort: true },
  { title: 'LayerNormalization with Mean and InvStdDev', op: 'LayerNormalization', opset: 17, inputs: [f32(2, 5, 8), weights(8), weights(8)], expect: [['float32', [2, 5, 8]], ['float32', [2, 5, 1]], ['float32', [2, 5, 1]]], ort: true },
  { title: 'LayerNormalization axis 1', op: 'LayerNormalization', opset: 17, inputs: [f32(2, 5, 8), weights(5, 8)], attrs: { axis: attr.i(1) }, expect: [['float32', [2, 5, 8]], ['float32', [2, 1, 1]], ['float32', [2, 1, 1]]], ort: true },

  // -- reductions
  { title: 'ReduceMean-13 axes attribute, keepdims', op: 'ReduceMean', opset: 13, inputs: [f32(2, 3, 4)], attrs: { axes: attr.is(-1) }, expect: [['float32', [2, 3, 1]]], ort: true },
  { title: 'ReduceMean-18 axes input, keepdims 0', op: 'ReduceMean', opset: 18, inputs: [f32(2, 3, 4), ints64(0, 2)], attrs: { keepdims: attr.i(0) }, expect: [['float32', [3]]], ort: true },
  { title: 'ReduceMean-18 no axes reduces all', op: 'ReduceMean', opset: 18, inputs: [f32(2, 3, 4)], expect: [['float32', [1, 1, 1]]], ort: true },
  { title: 'ReduceMean-18 noop_with_empty_axes', op: 'ReduceMean', opset: 18, inputs: [f32(2, 3, 4)], attrs: { noop_with_empty_axes: attr.i(1) }, expect: [['float32', [2, 3, 4]]], ort: true },
  { title: 'ReduceSum-11 axes attribute', op: 'ReduceSum', opset: 11, inputs: [f32(2, 3, 4)], attrs: { axes: attr.is(1), keepdims: attr.i(0) }, expect: [['float32', [2, 4]]], ort: true },
  { title: 'ReduceSum-13 axes input', op: 'ReduceSum', opset: 13, inputs: [f32(2, 3, 4), ints64(1)], expect: [['float32', [2, 1, 4]]], ort: true },
  { title: 'ReduceMax without axes, keepdims 0', op: 'ReduceMax', opset: 13, inputs: [f32(2, 3)], attrs: { keepdims: attr.i(0) }, expect: [['float32', []]], ort: true },
  { title: 'ReduceMin', op: 'ReduceMin', opset: 13, inputs: [f32(2, 3)], attrs: { axes: attr.is(0) }, expect: [['float32', [1, 3]]], ort: true },
  { title: 'ReduceProd', op: 'ReduceProd', opset: 13, inputs: [f32(2, 3)], attrs: { axes: attr.is(1) }, expect: [['float32', [2, 1]]], ort: true },
  { title: 'ReduceL2', op: 'ReduceL2', opset: 18, inputs: [f32(2, 3), ints64(-1)], attrs: { keepdims: attr.i(0) }, expect: [['float32', [2]]], ort: true },
  { title: 'ArgMax gives int64', op: 'ArgMax', opset: 13, inputs: [f32(2, 3, 4)], attrs: { axis: attr.i(1) }, expect: [['int64', [2, 1, 4]]], ort: true },
  { title: 'ArgMin keepdims 0', op: 'ArgMin', opset: 12, inputs: [f32(2, 3, 4)], attrs: { axis: attr.i(-1), keepdims: attr.i(0) }, expect: [['int64', [2, 3]]], ort: true },

  // -- layout
  { title: 'Flatten axis 1', op: 'Flatten', opset: 13, inputs: [f32(2, 3, 4, 5)], expect: [['float32', [2, 60]]], ort: true },
  { title: 'Flatten axis 0', op: 'Flatten', opset: 13, inputs: [f32(2, 3, 4)], attrs: { axis: attr.i(0) }, expect: [['float32', [1, 24]]], ort: true },
  { title: 'Flatten negative axis', op: 'Flatten', opset: 13, inputs: [f32(2, 3, 4)], attrs: { axis: attr.i(-1) }, expect: [['float32', [6, 4]]], ort: true },
  { title: 'Reshape with 0 and -1', op: 'Reshape', opset: 13, inputs: [f32(2, 3, 4), ints64(0, -1)], expect: [['float32', [2, 12]]], ort: true },
  { title: 'Reshape -1 in front', op: 'Reshape', opset: 5, inputs: [f32(2, 3, 4), ints64(-1, 2, 2)], expect: [['float32', [6, 2, 2]]], ort: true },
  { title: 'Reshape allowzero keeps a literal 0', op: 'Reshape', opset: 14, inputs: [f32(0, 3), ints64(3, 0)], attrs: { allowzero: attr.i(1) }, expect: [['float32', [3, 0]]], ort: true },
  { title: 'Transpose with perm', op: 'Transpose', opset: 13, inputs: [f32(1, 2, 3, 4)], attrs: { perm: attr.is(0, 3, 1, 2) }, expect: [['float32', [1, 4, 2, 3]]], ort: true },
  { title: 'Transpose default reverses', op: 'Transpose', opset: 13, inputs: [f32(1, 2, 3)], expect: [['float32', [3, 2, 1]]], ort: true },
  { title: 'Squeeze-11 axes attribute', op: 'Squeeze', opset: 11, inputs: [f32(1, 3, 1, 2)], attrs: { axes: attr.is(0, -2) }, expect: [['float32', [3, 2]]], ort: true },
  { title: 'Squeeze-13 axes input', op: 'Squeeze', opset: 13, inputs: [f32(1, 3, 1, 2), ints64(2)], expect: [['float32', [1, 3, 2]]], ort: true },
  { title: 'Squeeze-13 without axes drops every 1', op: 'Squeeze', opset: 13, inputs: [f32(1, 3, 1, 2)], expect: [['float32', [3, 2]]], ort: true },
  { title: 'Squeeze-13 empty axes drops every 1', op: 'Squeeze', opset: 13, inputs: [f32(1, 3, 1, 2), ints64()], expect: [['float32', [3, 2]]], ort: true },
  { title: 'Unsqueeze-11 axes attribute', op: 'Unsqueeze', opset: 11, inputs: [f32(3, 4)], attrs: { axes: attr.is(0, 3) }, expect: [['float32', [1, 3, 4, 1]]], ort: true },
  { title: 'Unsqueeze-13 axes input, negative', op: 'Unsqueeze', opset: 13, inputs: [f32(3, 4), ints64(-1, 1)], expect: [['float32', [3, 1, 4, 1]]], ort: true },
  { title: 'Expand broadcasts both ways', op: 'Expand', opset: 13, inputs: [f32(3, 1), ints64(2, 1, 4)], expect: [['float32', [2, 3, 4]]], ort: true },
  { title: 'Tile', op: 'Tile', opset: 13, inputs: [f32(2, 3), ints64(2, 3)], expect: [['float32', [4, 9]]], ort: true },
  { title: 'DepthToSpace', op: 'DepthToSpace', opset: 13, inputs: [f32(1, 8, 2, 3)], attrs: { blocksize: attr.i(2) }, expect: [['float32', [1, 2, 4, 6]]], ort: true },
  { title: 'SpaceToDepth', op: 'SpaceToDepth', opset: 13, inputs: [f32(1, 2, 4, 6)], attrs: { blocksize: attr.i(2) }, expect: [['float32', [1, 8, 2, 3]]], ort: true },

  // -- joining, splitting, slicing
  { title: 'Concat', op: 'Concat', opset: 11, inputs: [f32(1, 2, 4), f32(1, 3, 4), f32(1, 1, 4)], attrs: { axis: attr.i(-2) }, expect: [['float32', [1, 6, 4]]], ort: true },
  { title: 'Split-11 split attribute', op: 'Split', opset: 11, inputs: [f32(2, 7)], attrs: { axis: attr.i(1), split: attr.is(3, 4) }, expect: [['float32', [2, 3]], ['float32', [2, 4]]], ort: true },
  { title: 'Split-13 split input', op: 'Split', opset: 13, inputs: [f32(2, 7), ints64(5, 2)], attrs: { axis: attr.i(-1) }, expect: [['float32', [2, 5]], ['float32', [2, 2]]], ort: true },
  { title: 'Split equal parts', op: 'Split', opset: 13, inputs: [f32(6, 2)], expect: [['float32', [2, 2]], ['float32', [2, 2]], ['float32', [2, 2]]], ort: true },
  { title: 'Split-18 num_outputs, last chunk smaller', op: 'Split', opset: 18, inputs: [f32(7, 2)], attrs: { num_outputs: attr.i(3) }, expect: [['float32', [3, 2]], ['float32', [3, 2]], ['float32', [1, 2]]], ort: true },
  { title: 'Slice-9 attributes', op: 'Slice', opset: 9, inputs: [f32(4, 10)], attrs: { starts: attr.is(1, 2), ends: attr.is(3, -1), axes: attr.is(0, 1) }, expect: [['float32', [2, 7]]], ort: true },
  { title: 'Slice-9 huge end is clamped', op: 'Slice', opset: 9, inputs: [f32(4, 10)], attrs: { starts: attr.is(2), ends: attr.is(2 ** 31 - 1), axes: attr.is(1) }, expect: [['float32', [4, 8]]], ort: true },
  { title: 'Slice-13 inputs with steps', op: 'Slice', opset: 13, inputs: [f32(4, 10), ints64(0, 1), ints64(4, 10), ints64(0, 1), ints64(2, 3)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'Slice negative step', op: 'Slice', opset: 13, inputs: [f32(4, 10), ints64(-1), ints64(-1e18), ints64(1), ints64(-2)], expect: [['float32', [4, 5]]], ort: true },
  { title: 'Slice clamped past the end gives 0', op: 'Slice', opset: 11, inputs: [f32(4, 10), ints64(12), ints64(20), ints64(-1)], expect: [['float32', [4, 0]]], ort: true },
  { title: 'Slice INT64_MAX end', op: 'Slice', opset: 11, inputs: [f32(4, 10), ints64(1), constant(makeTensor('int64', [1], [9223372036854775807n])), ints64(0)], expect: [['float32', [3, 10]]], ort: true },
  { title: 'Gather scalar index drops the axis', op: 'Gather', opset: 13, inputs: [f32(5, 4, 3), scalar64(2)], attrs: { axis: attr.i(1) }, expect: [['float32', [5, 3]]], ort: true },
  { title: 'Gather indices tensor', op: 'Gather', opset: 11, inputs: [f32(5, 4), input('int64', 2, 3)], expect: [['float32', [2, 3, 4]]], ort: true },
  { title: 'GatherElements', op: 'GatherElements', opset: 13, inputs: [f32(3, 4), input('int64', 2, 4)], attrs: { axis: attr.i(0) }, expect: [['float32', [2, 4]]], ort: true },
  { title: 'GatherND', op: 'GatherND', opset: 13, inputs: [f32(2, 3, 4), input('int64', 5, 2)], expect: [['float32', [5, 4]]], ort: true },
  { title: 'Pad-2 pads attribute', op: 'Pad', opset: 2, inputs: [f32(1, 3, 4, 4)], attrs: { pads: attr.is(0, 0, 1, 2, 0, 0, 3, 4) }, expect: [['float32', [1, 3, 8, 10]]], ort: true },
  { title: 'Pad-11 pads input', op: 'Pad', opset: 11, inputs: [f32(1, 3, 4, 4), ints64(0, 0, 1, 1, 0, 0, 1, 1), constant(makeTensor('float32', [], [0]))], expect: [['float32', [1, 3, 6, 6]]], ort: true },
  { title: 'Pad negative pads crop', op: 'Pad', opset: 13, inputs: [f32(1, 3, 4, 4), ints64(0, 0, -1, 0, 0, 0, 0, -2)], expect: [['float32', [1, 3, 3, 2]]], ort: true },
  { title: 'Pad-18 axes input', op: 'Pad', opset: 18, inputs: [f32(1, 3, 4, 4), ints64(1, 2, 3, 4), none, ints64(-2, -1)], expect: [['float32', [1, 3, 8, 10]]], ort: true },
  { title: 'Pad reflect', op: 'Pad', opset: 13, inputs: [f32(1, 3, 4, 4), ints64(0, 0, 2, 2, 0, 0, 2, 2)], attrs: { mode: attr.s('reflect') }, expect: [['float32', [1, 3, 8, 8]]], ort: true },
  { title: 'TopK-1 k attribute', op: 'TopK', opset: 1, inputs: [f32(3, 8)], attrs: { k: attr.i(2) }, expect: [['float32', [3, 2]], ['int64', [3, 2]]] },
  { title: 'TopK-11 K input', op: 'TopK', opset: 11, inputs: [f32(3, 8), ints64(5)], attrs: { axis: attr.i(1) }, expect: [['float32', [3, 5]], ['int64', [3, 5]]], ort: true },

  // -- resizing
  { title: 'Resize-10 scales', op: 'Resize', opset: 10, inputs: [f32(1, 2, 3, 5), floats(1, 1, 2, 1.5)], expect: [['float32', [1, 2, 6, 7]]], ort: true },
  { title: 'Resize-11 empty roi and scales', op: 'Resize', opset: 11, inputs: [f32(1, 2, 4, 4), floats(), floats(1, 1, 2, 2)], attrs: { mode: attr.s('nearest'), coordinate_transformation_mode: attr.s('asymmetric'), nearest_mode: attr.s('floor') }, expect: [['float32', [1, 2, 8, 8]]], ort: true },
  { title: 'Resize-11 sizes with empty scales', op: 'Resize', opset: 11, inputs: [f32(1, 2, 4, 4), floats(), floats(), ints64(1, 2, 7, 9)], expect: [['float32', [1, 2, 7, 9]]], ort: true },
  { title: 'Resize-13 omitted roi, downscale', op: 'Resize', opset: 13, inputs: [f32(1, 2, 9, 9), none, floats(1, 1, 0.5, 0.34)], attrs: { mode: attr.s('linear') }, expect: [['float32', [1, 2, 4, 3]]], ort: true },
  { title: 'Resize-13 sizes only', op: 'Resize', opset: 13, inputs: [f32(1, 2, 4, 4), none, none, ints64(1, 2, 3, 5)], attrs: { mode: attr.s('linear') }, expect: [['float32', [1, 2, 3, 5]]], ort: true },
  { title: 'Resize-18 axes with sizes', op: 'Resize', opset: 18, inputs: [f32(1, 2, 4, 4), none, none, ints64(6, 10)], attrs: { axes: attr.is(2, 3) }, expect: [['float32', [1, 2, 6, 10]]], ort: true },
  { title: 'Resize-18 keep_aspect_ratio_policy not_larger', op: 'Resize', opset: 18, inputs: [f32(1, 2, 4, 8), none, none, ints64(6, 10)], attrs: { axes: attr.is(2, 3), keep_aspect_ratio_policy: attr.s('not_larger') }, expect: [['float32', [1, 2, 5, 10]]], ort: true },
  { title: 'Resize-18 keep_aspect_ratio_policy not_smaller', op: 'Resize', opset: 18, inputs: [f32(1, 2, 4, 8), none, none, ints64(6, 10)], attrs: { axes: attr.is(2, 3), keep_aspect_ratio_policy: attr.s('not_smaller') }, expect: [['float32', [1, 2, 6, 12]]], ort: true },
  { title: 'Upsample-7 scales attribute', op: 'Upsample', opset: 7, inputs: [f32(1, 2, 3, 3)], attrs: { scales: attr.fs(1, 1, 2, 3) }, expect: [['float32', [1, 2, 6, 9]]], ort: true },
  { title: 'Upsample-9 scales input', op: 'Upsample', opset: 9, inputs: [f32(1, 2, 3, 3), floats(1, 1, 2, 2)], expect: [['float32', [1, 2, 6, 6]]], ort: true },

  // -- generators
  { title: 'Shape gives an int64 vector', op: 'Shape', opset: 13, inputs: [f32(2, 3, 4)], expect: [['int64', [3]]], ort: true },
  { title: 'Shape-15 start/end', op: 'Shape', opset: 15, inputs: [f32(2, 3, 4, 5)], attrs: { start: attr.i(1), end: attr.i(-1) }, expect: [['int64', [2]]], ort: true },
  { title: 'Size is an int64 scalar', op: 'Size', opset: 13, inputs: [f32(2, 3, 4)], expect: [['int64', []]], ort: true },
  { title: 'ConstantOfShape default float32', op: 'ConstantOfShape', opset: 9, inputs: [ints64(2, 3)], expect: [['float32', [2, 3]]], ort: true },
  { title: 'ConstantOfShape value dtype', op: 'ConstantOfShape', opset: 9, inputs: [ints64(4)], attrs: { value: attr.t(makeTensor('int64', [1], [7])) }, expect: [['int64', [4]]], ort: true },
  { title: 'Range', op: 'Range', opset: 11, inputs: [scalar64(1), scalar64(10), scalar64(3)], expect: [['int64', [3]]], ort: true },
  { title: 'Range float, negative delta', op: 'Range', opset: 11, inputs: [constant(makeTensor('float32', [], [5])), constant(makeTensor('float32', [], [0])), constant(makeTensor('float32', [], [-1.5]))], expect: [['float32', [4]]], ort: true },
  { title: 'NonZero of a constant is known', op: 'NonZero', opset: 13, inputs: [constant(makeTensor('float32', [2, 3], [0, 1, 0, 2, 0, 3]))], expect: [['int64', [2, 3]]], ort: true },
  { title: 'OneHot', op: 'OneHot', opset: 11, inputs: [input('int64', 2, 3), scalar64(5), floats(0, 1)], attrs: { axis: attr.i(1) }, expect: [['float32', [2, 5, 3]]], ort: true },
];

describe('shape rules per op', () => {
  for (const c of cases) {
    it(`${c.op}-${c.opset}: ${c.title}`, async () => {
      const graph = oneNodeGraph(c.op, c.inputs, c.attrs ?? {}, c.opset, c.expect.length);
      const { graph: typed } = infer(graph);
      expect(typesOf(typed, graph.outputs)).toEqual(c.expect);
      if (!c.ort) return;
      const feeds: Record<string, FeedSpec> = {};
      c.inputs.forEach((spec, k) => {
        if (spec.kind === 'input') feeds[`in${k}`] = { dims: spec.shape as number[], type: spec.dtype as FeedSpec['type'] };
      });
      const actual = await ortValueShapes(exportOnnxBytes(graph), feeds);
      expect(graph.outputs.map((o) => actual.get(o))).toEqual(c.expect.map(([, shape]) => shape));
    });
  }
});

// ---- errors ------------------------------------------------------------------------

interface ErrorCase {
  title: string;
  op: string;
  opset: number;
  inputs: InputSpec[];
  attrs?: Record<string, Attr>;
  outputs?: number;
  code: string;
  message: RegExp;
}

const errorCases: ErrorCase[] = [
  { title: 'Conv channel mismatch', op: 'Conv', opset: 13, inputs: [f32(1, 3, 8, 8), weights(8, 4, 3, 3)], code: 'CIM2002', message: /3 channels.*expects 4/ },
  { title: 'Conv grouped channel mismatch', op: 'Conv', opset: 13, inputs: [f32(1, 6, 8, 8), weights(6, 2, 3, 3)], attrs: { group: attr.i(2) }, code: 'CIM2002', message: /6 channels.*group 2 expects 4/ },
  { title: 'Conv bias length', op: 'Conv', opset: 13, inputs: [f32(1, 3, 8, 8), weights(8, 3, 3, 3), weights(7)], code: 'CIM2002', message: /bias \[7\]/ },
  { title: 'Conv kernel larger than input', op: 'Conv', opset: 13, inputs: [f32(1, 3, 2, 2), weights(8, 3, 3, 3)], code: 'CIM2002', message: /larger than the padded input/ },
  { title: 'ConvTranspose channel mismatch', op: 'ConvTranspose', opset: 13, inputs: [f32(1, 3, 4, 4), weights(4, 2, 2, 2)], code: 'CIM2002', message: /3 channels/ },
  { title: 'Add not broadcastable', op: 'Add', opset: 13, inputs: [f32(2, 3), f32(4)], code: 'CIM2002', message: /cannot be broadcast/ },
  { title: 'MatMul inner dims', op: 'MatMul', opset: 13, inputs: [f32(2, 3), f32(4, 5)], code: 'CIM2002', message: /inner dims differ/ },
  { title: 'Gemm inner dims', op: 'Gemm', opset: 13, inputs: [f32(2, 3), weights(4, 5)], code: 'CIM2002', message: /inner dims differ/ },
  { title: 'Reshape element count', op: 'Reshape', opset: 13, inputs: [f32(2, 3), ints64(4, 2)], code: 'CIM2002', message: /cannot reshape \[2,3\]/ },
  { title: 'Reshape two -1', op: 'Reshape', opset: 13, inputs: [f32(2, 3), ints64(-1, -1)], code: 'CIM2002', message: /more than one -1/ },
  { title: 'Reshape with a runtime shape', op: 'Reshape', opset: 13, inputs: [f32(2, 3), input('int64', 2)], code: 'CIM2001', message: /depends on shape \('in1'\).*runtime data/ },
  { title: 'Concat dims differ', op: 'Concat', opset: 13, inputs: [f32(1, 2), f32(2, 2)], attrs: { axis: attr.i(1) }, code: 'CIM2002', message: /differ outside axis 1/ },
  { title: 'Concat without axis', op: 'Concat', opset: 13, inputs: [f32(1, 2), f32(1, 2)], code: 'CIM2002', message: /axis is required/ },
  { title: 'Split sizes do not add up', op: 'Split', opset: 13, inputs: [f32(2, 7), ints64(3, 3)], attrs: { axis: attr.i(1) }, outputs: 2, code: 'CIM2002', message: /does not add up to dim 7/ },
  { title: 'Split uneven without sizes', op: 'Split', opset: 11, inputs: [f32(7)], outputs: 2, code: 'CIM2002', message: /does not split evenly/ },
  { title: 'Squeeze of a non-1 dim', op: 'Squeeze', opset: 13, inputs: [f32(2, 3), ints64(0)], code: 'CIM2002', message: /size is 2, not 1/ },
  { title: 'Transpose bad perm', op: 'Transpose', opset: 13, inputs: [f32(2, 3)], attrs: { perm: attr.is(0, 0) }, code: 'CIM2002', message: /not a permutation/ },
  { title: 'Axis out of range', op: 'Softmax', opset: 13, inputs: [f32(2, 3)], attrs: { axis: attr.i(2) }, code: 'CIM2002', message: /axis 2 is out of range for rank 2/ },
  { title: 'Slice step 0', op: 'Slice', opset: 13, inputs: [f32(4), ints64(0), ints64(4), ints64(0), ints64(0)], code: 'CIM2002', message: /must not be 0/ },
  { title: 'Gather constant index out of range', op: 'Gather', opset: 13, inputs: [f32(3, 2), ints64(3)], code: 'CIM2002', message: /out of range for dim 3/ },
  { title: 'NonZero of runtime data', op: 'NonZero', opset: 13, inputs: [f32(3, 2)], code: 'CIM2001', message: /depends on the values of 'in0'/ },
  { title: 'Unique is data-dependent', op: 'Unique', opset: 11, inputs: [f32(3)], code: 'CIM2001', message: /runtime data/ },
  { title: 'Resize without scales or sizes', op: 'Resize', opset: 13, inputs: [f32(1, 1, 2, 2)], code: 'CIM2002', message: /scales or sizes/ },
  { title: 'Resize scales from runtime data', op: 'Resize', opset: 11, inputs: [f32(1, 1, 2, 2), floats(), f32(4)], code: 'CIM2001', message: /depends on scales/ },
  { title: 'TopK k too large', op: 'TopK', opset: 11, inputs: [f32(3, 4), ints64(5)], outputs: 2, code: 'CIM2002', message: /k 5 is out of range/ },
  { title: 'BatchNormalization scale length', op: 'BatchNormalization', opset: 15, inputs: [f32(1, 3, 2, 2), weights(4), weights(3), weights(3), weights(3)], code: 'CIM2002', message: /scale \[4\] does not match 3 channels/ },
  { title: 'MaxPool without kernel_shape', op: 'MaxPool', opset: 13, inputs: [f32(1, 3, 4, 4)], code: 'CIM2002', message: /kernel_shape is required/ },
  { title: 'Pad wrong length', op: 'Pad', opset: 13, inputs: [f32(2, 2), ints64(1, 1)], code: 'CIM2002', message: /need 4 values/ },
  { title: 'Unknown op', op: 'FancyOp', opset: 13, inputs: [f32(2)], code: 'CIM2001', message: /no shape rule for FancyOp/ },
  { title: 'Loop is not inferred', op: 'Loop', opset: 13, inputs: [scalar64(3), none], code: 'CIM2001', message: /Loop is not supported by shape inference/ },
];

describe('shape rule errors name the node', () => {
  for (const c of errorCases) {
    it(`${c.op}: ${c.title} → ${c.code}`, () => {
      const e = inferError(oneNodeGraph(c.op, c.inputs, c.attrs ?? {}, c.opset, c.outputs ?? 1));
      expect(e.code).toBe(c.code);
      expect(e.diagnostic.node).toBe('n');
      expect(e.diagnostic.opType).toBe(c.op);
      expect(e.message).toMatch(c.message);
    });
  }

  it('a custom-domain op is CIM2001', () => {
    const g = oneNodeGraph('Relu', [f32(2)], {}, 13, 1);
    const custom = g.with({ nodes: [{ ...g.nodes[0], domain: 'com.microsoft' }] });
    const e = inferError(custom);
    expect(e.code).toBe('CIM2001');
    expect(e.message).toMatch(/no shape rule for com\.microsoft::Relu/);
  });
});

// ---- known values through shape computations ----------------------------------------------

/** A graph from nodes, with float32 inputs and constants given by name. */
function graphOf(opset: number, inputs: Record<string, [DType, Dim[]]>, nodes: Node[], outputs: string[], constants: Record<string, Tensor> = {}, declared: Record<string, ValueType> = {}): Graph {
  const values = new Map<string, ValueType>(Object.entries(inputs).map(([n, [dtype, shape]]) => [n, { dtype, shape }]));
  for (const [n, t] of Object.entries(declared)) values.set(n, t);
  return new Graph({
    name: 'main', opset, opsetImports: { '': opset }, inputs: Object.keys(inputs), outputs, nodes,
    constants: new Map(Object.entries(constants)), values,
  });
}

const i64 = (...values: (number | bigint)[]): Tensor => makeTensor('int64', [values.length], values.map((v) => BigInt(v)));

describe('known values resolve shapes computed in the graph', () => {
  it('torch-style flatten: Shape → Gather → Unsqueeze → Concat → Reshape (opset 13)', async () => {
    const g = graphOf(13, { x: ['float32', ['N', 8, 2, 2]] }, [
      node('shape', 'Shape', ['x'], ['s']),
      node('gather', 'Gather', ['s', 'zero'], ['n']),
      node('unsqueeze', 'Unsqueeze', ['n', 'axes0'], ['n1']),
      node('concat', 'Concat', ['n1', 'minus1'], ['target'], { axis: attr.i(0) }),
      node('reshape', 'Reshape', ['x', 'target'], ['y']),
    ], ['y'], { zero: makeTensor('int64', [], [0]), axes0: i64(0), minus1: i64(-1) });
    const { graph } = infer(g, { inputShapes: { x: [3, 8, 2, 2] } });
    expect(typesOf(graph, ['s', 'n', 'n1', 'target', 'y'])).toEqual([
      ['int64', [4]], ['int64', []], ['int64', [1]], ['int64', [2]], ['float32', [3, 32]],
    ]);
    const actual = await ortValueShapes(exportOnnxBytes(g), { x: { dims: [3, 8, 2, 2] } });
    expect(actual.get('y')).toEqual([3, 32]);
  });

  it('paddle-style: Shape → Cast int32 → Slice-9 → Cast int64 → Concat → Reshape', async () => {
    const g = graphOf(9, { x: ['float32', ['N', 6, 'H', 'W']] }, [
      node('shape', 'Shape', ['x'], ['s']),
      node('cast32', 'Cast', ['s'], ['s32'], { to: attr.i(6) }),
      node('slice', 'Slice', ['s32'], ['hw32'], { axes: attr.is(0), starts: attr.is(2), ends: attr.is(4) }),
      node('cast64', 'Cast', ['hw32'], ['hw'], { to: attr.i(7) }),
      node('mul', 'Mul', ['hw', 'two'], ['hw2']),
      node('reduce', 'ReduceProd', ['hw'], ['area'], { keepdims: attr.i(1) }),
      node('concat', 'Concat', ['batch', 'area', 'minus1'], ['target'], { axis: attr.i(0) }),
      node('reshape', 'Reshape', ['x', 'target'], ['y']),
    ], ['y', 'hw2'], { two: i64(2), batch: i64(0), minus1: i64(-1) });
    const { graph } = infer(g, { inputShapes: { x: [1, 6, 4, 5] } });
    expect(typesOf(graph, ['s32', 'hw32', 'hw', 'hw2', 'area', 'target', 'y'])).toEqual([
      ['int32', [4]], ['int32', [2]], ['int64', [2]], ['int64', [2]], ['int64', [1]], ['int64', [3]], ['float32', [1, 20, 6]],
    ]);
    const actual = await ortValueShapes(exportOnnxBytes(g), { x: { dims: [1, 6, 4, 5] } });
    expect(actual.get('y')).toEqual([1, 20, 6]);
  }, 10_000);

  it('Shape → Slice → ConstantOfShape, Concat → Expand', async () => {
    const g = graphOf(13, { x: ['float32', [1, 1, 5]] }, [
      node('shape', 'Shape', ['x'], ['s']),
      node('slice', 'Slice', ['s', 'start', 'end'], ['s2']),
      node('ones', 'ConstantOfShape', ['s2'], ['o'], { value: attr.t(makeTensor('int64', [1], [1])) }),
      node('concat', 'Concat', ['three', 's2'], ['target'], { axis: attr.i(0) }),
      node('expand', 'Expand', ['x', 'target'], ['y']),
    ], ['y', 'o'], { start: i64(1), end: i64(9), three: i64(3) });
    const { graph } = infer(g);
    expect(typesOf(graph, ['s2', 'o', 'target', 'y'])).toEqual([
      ['int64', [2]], ['int64', [1, 5]], ['int64', [3]], ['float32', [3, 1, 5]],
    ]);
    const actual = await ortValueShapes(exportOnnxBytes(g), { x: { dims: [1, 1, 5] } });
    expect([actual.get('o'), actual.get('y')]).toEqual([[1, 5], [3, 1, 5]]);
  });

  it('Range from Size and a Div of known values', () => {
    const g = graphOf(13, { x: ['float32', [4, 6]] }, [
      node('size', 'Size', ['x'], ['n']),
      node('div', 'Div', ['n', 'three'], ['limit']),
      node('range', 'Range', ['zero', 'limit', 'one'], ['r']),
    ], ['r'], { three: makeTensor('int64', [], [3]), zero: makeTensor('int64', [], [0]), one: makeTensor('int64', [], [1]) });
    expect(typesOf(infer(g).graph, ['limit', 'r'])).toEqual([['int64', []], ['int64', [8]]]);
  });

  it('tracks the elements of small tensors through the rules', () => {
    const g = graphOf(13, { x: ['float32', [2, 3, 4, 5]] }, [
      node('shape', 'Shape', ['x'], ['s']),
      node('last', 'Gather', ['s', 'minus1'], ['w']),
      node('tail', 'Slice', ['s', 'minus3', 'big'], ['chw']),
      node('prod', 'ReduceProd', ['chw'], ['volume'], { keepdims: attr.i(0) }),
      node('sub', 'Sub', ['volume', 'w'], ['rest']),
      node('eq', 'Equal', ['chw', 'four'], ['isFour']),
      node('where', 'Where', ['isFour', 'chw', 'zeros'], ['picked']),
      node('transpose', 'Transpose', ['grid'], ['gridT']),
      node('tile', 'Tile', ['chw', 'two'], ['ww']),
      node('unsq', 'Unsqueeze', ['volume', 'axis0'], ['volume1']),
      node('cat', 'Concat', ['volume1', 'chw'], ['joined'], { axis: attr.i(0) }),
      node('split', 'Split', ['joined', 'splits'], ['left', 'right'], { axis: attr.i(0) }),
    ], ['rest', 'picked', 'gridT', 'ww', 'left', 'right'], {
      minus1: makeTensor('int64', [], [-1]), minus3: i64(-3), big: i64(2n ** 62n), four: i64(4), zeros: i64(0, 0, 0),
      grid: makeTensor('int64', [2, 3], [1, 2, 3, 4, 5, 6]), two: i64(2), axis0: i64(0), splits: i64(1, 3),
    });
    const values = inferGraphShapes(g, { inputs: new Map([['x', { dtype: 'float32', shape: [2, 3, 4, 5] }]]) });
    const data = (name: string): readonly number[] | undefined => values.get(name)?.data;
    expect(data('s')).toEqual([2, 3, 4, 5]);
    expect(data('w')).toEqual([5]);
    expect(data('chw')).toEqual([3, 4, 5]);
    expect(data('volume')).toEqual([60]);
    expect(data('rest')).toEqual([55]);
    expect(data('isFour')).toEqual([0, 1, 0]);
    expect(data('picked')).toEqual([0, 4, 0]);
    expect(data('gridT')).toEqual([1, 4, 2, 5, 3, 6]);
    expect(data('ww')).toEqual([3, 4, 5, 3, 4, 5]);
    expect([data('left'), data('right')]).toEqual([[60], [3, 4, 5]]);
    expect(values.get('x')?.data).toBeUndefined();
  });

  it('a Reshape target that depends on runtime data is CIM2001 naming the node', () => {
    const g = graphOf(13, { x: ['float32', [2, 3]], k: ['int64', [2]] }, [
      node('add', 'Add', ['k', 'one'], ['target']),
      node('reshape', 'Reshape', ['x', 'target'], ['y']),
    ], ['y'], { one: i64(1) });
    const e = inferError(g);
    expect(e.code).toBe('CIM2001');
    expect(e.diagnostic.node).toBe('reshape');
    expect(e.message).toMatch(/not known at compile time/);
  });
});

// ---- control flow ------------------------------------------------------------------------

function branch(name: string, nodes: Node[], outputs: string[], constants: Record<string, Tensor> = {}): Graph {
  return new Graph({
    name, opset: 13, opsetImports: { '': 13 }, inputs: [], outputs, nodes,
    constants: new Map(Object.entries(constants)), values: new Map(), outerScope: new Set(['x']),
  });
}

describe('If', () => {
  const thenBranch = branch('then', [node('t_relu', 'Relu', ['x'], ['t_out'])], ['t_out']);
  const elseBranch = branch('else', [node('e_flat', 'Flatten', ['x'], ['e_out'])], ['e_out']);

  it('a constant condition picks its branch', () => {
    for (const [cond, shape] of [[1, [2, 3, 4]], [0, [2, 12]]] as const) {
      const g = graphOf(13, { x: ['float32', [2, 3, 4]] }, [
        node('if', 'If', ['c'], ['y'], { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: elseBranch } }),
      ], ['y'], { c: makeTensor('bool', [], [cond]) });
      expect(infer(g).graph.typeOf('y')?.shape).toEqual(shape);
    }
  });

  it('a runtime condition with agreeing branches is fine', () => {
    const g = graphOf(13, { x: ['float32', [2, 3, 4]], c: ['bool', []] }, [
      node('if', 'If', ['c'], ['y'], { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: branch('else', [node('e_neg', 'Neg', ['x'], ['e_out'])], ['e_out']) } }),
    ], ['y']);
    expect(infer(g).graph.typeOf('y')).toEqual({ dtype: 'float32', shape: [2, 3, 4] });
  });

  it('a runtime condition with differing branches is CIM2001', () => {
    const g = graphOf(13, { x: ['float32', [2, 3, 4]], c: ['bool', []] }, [
      node('if', 'If', ['c'], ['y'], { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: elseBranch } }),
    ], ['y']);
    const e = inferError(g);
    expect(e.code).toBe('CIM2001');
    expect(e.diagnostic.node).toBe('if');
    expect(e.message).toMatch(/then_branch but float32\[2,12\] in else_branch/);
  });

  it('a branch that cannot be inferred is CIM2001 on the If', () => {
    const bad = branch('else', [node('e_foo', 'FancyOp', ['x'], ['e_out'])], ['e_out']);
    const g = graphOf(13, { x: ['float32', [2, 3, 4]], c: ['bool', []] }, [
      node('if', 'If', ['c'], ['y'], { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: bad } }),
    ], ['y']);
    const e = inferError(g);
    expect(e.code).toBe('CIM2001');
    expect(e.diagnostic.node).toBe('if');
    expect(e.message).toMatch(/cannot infer the outputs of If.*FancyOp/);
  });
});

// ---- binding dynamic input dims -----------------------------------------------------------

describe('input shape bindings', () => {
  const twoInputs = (): Graph => graphOf(13, { image: ['float32', ['batch', 3, 'height', 'width']], mask: ['float32', ['batch', 1, 'height', 'width']] }, [
    node('mul', 'Mul', ['image', 'mask'], ['y']),
  ], ['y']);

  it('binds named inputs; dims sharing a name follow', () => {
    const { graph } = infer(twoInputs(), { inputShapes: { image: [2, 3, 32, 48] } });
    expect(graph.typeOf('mask')?.shape).toEqual([2, 1, 32, 48]);
    expect(graph.typeOf('y')?.shape).toEqual([2, 3, 32, 48]);
  });

  it('accepts NAME=DxD… strings too', () => {
    const { graph } = infer(twoInputs(), { inputShapes: ['image=1x3x8x8'] });
    expect(graph.typeOf('y')?.shape).toEqual([1, 3, 8, 8]);
  });

  it('a free batch dim defaults to 1 (with a note); other free dims are CIM2003 naming input and dim', () => {
    const g = graphOf(13, { x: ['float32', ['N', 3, 'H', 16]] }, [node('relu', 'Relu', ['x'], ['y'])], ['y']);
    const e = inferError(g);
    expect(e.code).toBe('CIM2003');
    expect(e.message).toMatch(/input 'x' has dim 'H' at axis 2/);
    expect(e.message).toContain('--input-shape x=1x3x?x16');

    const { graph, diagnostics } = infer(graphOf(13, { x: ['float32', ['N', 3, 16, 16]] }, [node('relu', 'Relu', ['x'], ['y'])], ['y']));
    expect(graph.typeOf('y')?.shape).toEqual([1, 3, 16, 16]);
    expect(diagnostics.items.map((d) => [d.severity, d.code])).toEqual([['note', 'CIM2003']]);
  });

  it('an unnamed dynamic dim reads as such', () => {
    const g = graphOf(13, { x: ['float32', [1, '?x:1']] }, [node('relu', 'Relu', ['x'], ['y'])], ['y']);
    expect(inferError(g).message).toMatch(/input 'x' has an unnamed dim at axis 1/);
  });

  it('a binding for a missing input is CIM1006', () => {
    const e = inferError(twoInputs(), { inputShapes: { images: [1, 3, 8, 8] } });
    expect(e.code).toBe('CIM1006');
    expect(e.message).toMatch(/'images', which is not a graph input \(inputs: image, mask\)/);
  });

  it('a rank mismatch is CIM1006', () => {
    const e = inferError(twoInputs(), { inputShapes: { image: [3, 8, 8] } });
    expect(e.code).toBe('CIM1006');
    expect(e.message).toMatch(/rank 3/);
  });

  it('a conflict with a static dim is CIM1006', () => {
    const e = inferError(twoInputs(), { inputShapes: { image: [1, 4, 8, 8] } });
    expect(e.code).toBe('CIM1006');
    expect(e.message).toMatch(/sets axis 1 to 4, but the model fixes it to 3/);
  });

  it('two bindings that disagree on a shared dim name are CIM1006', () => {
    const e = inferError(twoInputs(), { inputShapes: { image: [1, 3, 8, 8], mask: [1, 1, 8, 9] } });
    expect(e.code).toBe('CIM1006');
    expect(e.message).toMatch(/dim 'width' is 8 from input 'image' but 9 from input 'mask'/);
  });

  it('an input without a declared shape needs a binding', () => {
    const g = new Graph({
      name: 'main', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'],
      nodes: [node('relu', 'Relu', ['x'], ['y'])], constants: new Map(), values: new Map([['x', { dtype: 'float32' }]]),
    });
    expect(inferError(g).code).toBe('CIM2003');
    expect(infer(g, { inputShapes: { x: [5] } }).graph.typeOf('y')?.shape).toEqual([5]);
  });
});

// ---- declared types, the pass contract -------------------------------------------------------

describe('the pass', () => {
  it('warns (CIM2002) where a declared value_info shape disagrees, and keeps the inferred one', () => {
    const g = graphOf(13, { x: ['float32', [1, 3, 8, 8]] }, [
      node('pool', 'MaxPool', ['x'], ['p'], { kernel_shape: attr.is(2, 2), strides: attr.is(2, 2) }),
      node('relu', 'Relu', ['p'], ['y']),
    ], ['y'], {}, { p: { dtype: 'float32', shape: [1, 3, 5, 5] }, y: { dtype: 'float32', shape: ['N', 3, 4, 4] } });
    const { graph, diagnostics } = infer(g);
    expect(graph.typeOf('p')?.shape).toEqual([1, 3, 4, 4]);
    expect(graph.typeOf('y')?.shape).toEqual([1, 3, 4, 4]);
    expect(diagnostics.items).toHaveLength(1);
    expect(diagnostics.items[0]).toMatchObject({ severity: 'warning', code: 'CIM2002', node: 'pool', pass: 'infer-shapes' });
    expect(diagnostics.items[0].message).toMatch(/'p' is declared float32\[1,3,5,5\].*infers as float32\[1,3,4,4\]/);
  });

  it('types every input and node output, and leaves constants to their tensors', () => {
    const g = graphOf(13, { x: ['float32', [2, 4]] }, [node('mm', 'MatMul', ['x', 'w'], ['y'])], ['y'], { w: makeTensor('float32', [4, 3], new Array(12).fill(1)) });
    const { graph } = infer(g);
    expect([...graph.values.keys()].sort()).toEqual(['x', 'y']);
    expect(graph.typeOf('w')).toEqual({ dtype: 'float32', shape: [4, 3] });
    expect(graph.staticShape('y')).toEqual([2, 3]);
  });

  it('declares its contract', () => {
    expect(inferShapes.name).toBe('infer-shapes');
    expect(inferShapes.requires).toEqual(['imported']);
    expect(inferShapes.provides).toEqual(['shapes']);
    expect(inferShapes.options?.map((o) => o.name)).toEqual(['inputShapes', 'partialShapes']);
  });
});
