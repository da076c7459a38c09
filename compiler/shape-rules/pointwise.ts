/**
 * Elementwise ops: the output has the (broadcast) shape of the inputs. Unary ops keep the
 * dtype; comparisons and logic give bool; Cast gives its `to`.
 *
 * Where the inputs' elements are known, the common integer/float arithmetic is evaluated
 * too, since exporters compute Reshape targets with it (Shape → Mul → Concat).
 */
import { attrFloat, attrInt } from '../ir/ir.js';
import { onnxDTypeByCode, type DType } from '../../base/tensor.js';
import { broadcastShapes, isIntegerDType, mapBroadcast, toDType } from './elements.js';
import { maxKnownElements, normalizeAxis, productOf, withData, type InferredValue, type ShapeRule, type ShapeRuleContext } from './types.js';

type Unary = (x: number, ctx: ShapeRuleContext) => number;
type Binary = (a: number, b: number, ctx: ShapeRuleContext) => number;

/** Same shape and dtype as input 0; `evaluate` computes known elements. */
function unary(evaluate?: Unary): ShapeRule {
  return (ctx) => {
    const x = ctx.input(0);
    const data = evaluate && x.data ? x.data.map((v) => toDType(x.dtype, evaluate(v, ctx))) : undefined;
    return [withData(x.dtype, x.shape, data)];
  };
}

/** Same shape as input 0, bool. */
const predicate: ShapeRule = (ctx) => [{ dtype: 'bool', shape: ctx.shape(0) }];

/** Broadcast of all given inputs; `dtypeOf` picks the output dtype. */
function broadcasting(dtypeOf: (ctx: ShapeRuleContext) => DType, evaluate?: (args: readonly number[], ctx: ShapeRuleContext) => number): ShapeRule {
  return (ctx) => {
    const inputs: InferredValue[] = [];
    for (let i = 0; i < ctx.node.inputs.length; i++) if (ctx.has(i)) inputs.push(ctx.input(i));
    if (inputs.length === 0) throw ctx.inconsistent('needs at least one input');
    const shape = broadcastShapes(ctx, inputs.map((v) => v.shape));
    const dtype = dtypeOf(ctx);
    let data: number[] | undefined;
    if (evaluate && inputs.every((v) => v.data) && productOf(shape) <= maxKnownElements) {
      data = mapBroadcast(shape, inputs.map((v) => ({ shape: v.shape, data: v.data! })), (args) => toDType(dtype, evaluate(args, ctx)));
    }
    return [withData(dtype, shape, data)];
  };
}

const firstInputDType = (ctx: ShapeRuleContext): DType => ctx.dtype(0);
const boolDType = (): DType => 'bool';

function binary(dtypeOf: (ctx: ShapeRuleContext) => DType, evaluate?: Binary): ShapeRule {
  const rule = broadcasting(dtypeOf, evaluate && ((args, ctx) => evaluate(args[0], args[1], ctx)));
  return (ctx) => {
    if (!ctx.has(0) || !ctx.has(1)) throw ctx.inconsistent('needs two inputs');
    return rule(ctx);
  };
}

/** Integer division truncates toward zero, as C does. */
const divide: Binary = (a, b, ctx) => (isIntegerDType(ctx.dtype(0)) ? (b === 0 ? 0 : Math.trunc(a / b)) : a / b);

/** Mod: fmod=1 keeps the dividend's sign (C fmod), fmod=0 the divisor's (Python %). */
const modulo: Binary = (a, b, ctx) => {
  if (attrInt(ctx.node, 'fmod', 0) === 1) return a % b;
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
};

/** ONNX Round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Clip bounds: attributes before opset 11, optional inputs after. */
function clipBounds(ctx: ShapeRuleContext): [number, number] {
  if (ctx.opset < 11) return [attrFloat(ctx.node, 'min', -Infinity), attrFloat(ctx.node, 'max', Infinity)];
  const lo = ctx.has(1) ? ctx.value(1)?.[0] : -Infinity;
  const hi = ctx.has(2) ? ctx.value(2)?.[0] : Infinity;
  return [lo ?? NaN, hi ?? NaN];
}

const clip: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  for (const i of [1, 2]) {
    if (ctx.opset >= 11 && ctx.has(i) && ctx.shape(i).length !== 0 && !(ctx.shape(i).length === 1 && ctx.shape(i)[0] === 1)) {
      throw ctx.inconsistent(`${i === 1 ? 'min' : 'max'} must be a scalar, got shape [${ctx.shape(i).join(',')}]`);
    }
  }
  const [lo, hi] = clipBounds(ctx);
  const data = x.data && !Number.isNaN(lo) && !Number.isNaN(hi) ? x.data.map((v) => Math.min(Math.max(v, lo), hi)) : undefined;
  return [withData(x.dtype, x.shape, data)];
};

function dtypeFromCode(ctx: ShapeRuleContext, code: number | undefined, what: string): DType {
  const dtype = code === undefined ? undefined : onnxDTypeByCode[code];
  if (!dtype) throw ctx.unsupported(`${what} ${code ?? '(missing)'} is not a supported data type`);
  return dtype;
}

const cast: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const to = dtypeFromCode(ctx, attrInt(ctx.node, 'to'), 'Cast to');
  return [withData(to, x.shape, x.data?.map((v) => toDType(to, v)))];
};

const castLike: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const to = ctx.dtype(1);
  return [withData(to, x.shape, x.data?.map((v) => toDType(to, v)))];
};

/** Dropout at inference is the identity; the mask is T before opset 10 and bool since. */
const dropout: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  return [withData(x.dtype, x.shape, x.data), { dtype: ctx.opset < 10 ? x.dtype : 'bool', shape: x.shape }];
};

/** PRelu broadcasts the slope onto X (one direction only). */
const prelu: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const shape = broadcastShapes(ctx, [x.shape, ctx.shape(1)]);
  if (shape.length !== x.shape.length || shape.some((d, k) => d !== x.shape[k])) {
    throw ctx.inconsistent(`slope of shape [${ctx.shape(1).join(',')}] does not broadcast onto X [${x.shape.join(',')}]`);
  }
  return [{ dtype: x.dtype, shape: x.shape }];
};

const where: ShapeRule = (ctx) => {
  if (![0, 1, 2].every((i) => ctx.has(i))) throw ctx.inconsistent('needs condition, X and Y');
  return broadcasting((c) => c.dtype(1), ([c, a, b]) => (c ? a : b))(ctx);
};

/** Softmax family: same shape; axis defaults to 1 before opset 13 and -1 since. */
const softmaxLike: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  normalizeAxis(ctx, attrInt(ctx.node, 'axis', ctx.opset < 13 ? 1 : -1), Math.max(x.shape.length, 1));
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** QuantizeLinear: the zero point's dtype, else `output_dtype` (opset 21), else uint8. */
const quantizeLinear: ShapeRule = (ctx) => {
  const code = attrInt(ctx.node, 'output_dtype', 0);
  const dtype = ctx.has(2) ? ctx.dtype(2) : code ? dtypeFromCode(ctx, code, 'output_dtype') : 'uint8';
  return [{ dtype, shape: ctx.shape(0) }];
};

/** DequantizeLinear: the scale's dtype. */
const dequantizeLinear: ShapeRule = (ctx) => [{ dtype: ctx.dtype(1), shape: ctx.shape(0) }];

const relu: Unary = (x) => Math.max(x, 0);

export const pointwiseRules: Readonly<Record<string, ShapeRule>> = {
  // activations and math that keep shape and dtype
  Relu: unary(relu), LeakyRelu: unary(), PRelu: prelu, Sigmoid: unary(), HardSigmoid: unary(), HardSwish: unary(),
  Tanh: unary(), Exp: unary(Math.exp), Log: unary(Math.log), Sqrt: unary(Math.sqrt), Neg: unary((x) => -x), Abs: unary(Math.abs),
  Erf: unary(), Floor: unary(Math.floor), Ceil: unary(Math.ceil), Round: unary(roundHalfEven), Reciprocal: unary((x) => 1 / x),
  Sign: unary(Math.sign), Softplus: unary(), Softsign: unary(), Elu: unary(), Selu: unary(), Celu: unary(), Mish: unary(),
  Gelu: unary(), ThresholdedRelu: unary(), Shrink: unary(), Sin: unary(), Cos: unary(), Tan: unary(), Asin: unary(),
  Acos: unary(), Atan: unary(), Sinh: unary(), Cosh: unary(), Asinh: unary(), Acosh: unary(), Atanh: unary(),
  Identity: unary((x) => x), Clip: clip, Dropout: dropout,
  // normalisations over an axis that keep the shape
  Softmax: softmaxLike, LogSoftmax: softmaxLike, Hardmax: softmaxLike, LpNormalization: unary(), LRN: unary(),
  MeanVarianceNormalization: unary(), CumSum: unary(), Trilu: unary(),
  // dtype changes
  Cast: cast, CastLike: castLike, IsNaN: predicate, IsInf: predicate, Not: broadcasting(boolDType, ([x]) => (x ? 0 : 1)),
  QuantizeLinear: quantizeLinear, DequantizeLinear: dequantizeLinear,
  // binary arithmetic with numpy broadcasting
  Add: binary(firstInputDType, (a, b) => a + b),
  Sub: binary(firstInputDType, (a, b) => a - b),
  Mul: binary(firstInputDType, (a, b) => a * b),
  Div: binary(firstInputDType, divide),
  Pow: binary(firstInputDType, (a, b) => a ** b),
  Mod: binary(firstInputDType, modulo),
  BitShift: binary(firstInputDType),
  BitwiseAnd: binary(firstInputDType), BitwiseOr: binary(firstInputDType), BitwiseXor: binary(firstInputDType),
  BitwiseNot: unary(),
  // comparisons and logic give bool
  Equal: binary(boolDType, (a, b) => (a === b ? 1 : 0)),
  Less: binary(boolDType, (a, b) => (a < b ? 1 : 0)),
  Greater: binary(boolDType, (a, b) => (a > b ? 1 : 0)),
  LessOrEqual: binary(boolDType, (a, b) => (a <= b ? 1 : 0)),
  GreaterOrEqual: binary(boolDType, (a, b) => (a >= b ? 1 : 0)),
  And: binary(boolDType, (a, b) => (a && b ? 1 : 0)),
  Or: binary(boolDType, (a, b) => (a || b ? 1 : 0)),
  Xor: binary(boolDType, (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0)),
  Where: where,
  // variadic, broadcasting
  Sum: broadcasting(firstInputDType, (xs) => xs.reduce((s, x) => s + x, 0)),
  Mean: broadcasting(firstInputDType, (xs) => xs.reduce((s, x) => s + x, 0) / xs.length),
  Min: broadcasting(firstInputDType, (xs) => Math.min(...xs)),
  Max: broadcasting(firstInputDType, (xs) => Math.max(...xs)),
};
