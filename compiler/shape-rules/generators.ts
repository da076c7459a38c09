/**
 * Ops that make new tensors: Shape/Size (whose elements are always known here, since
 * every shape is static), ConstantOfShape, Range, the random and eye generators, and the
 * data-dependent ops (NonZero, Unique, Compress, NonMaxSuppression) that are only
 * inferable when their input elements are known.
 */
import { attrInt, attrInts, attrTensor } from '../ir/ir.js';
import { onnxDTypeByCode, tensorToNumbers, type DType } from '../../base/tensor.js';
import { stridesOf, toDType } from './elements.js';
import { maxKnownElements, productOf, withData, type ShapeRule, type ShapeRuleContext } from './types.js';

/** Shape: the dims (opset 15 adds start/end, clamped like Python slicing). */
const shapeOf: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const rank = x.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrInt(ctx.node, 'start', 0));
  const end = clamp(attrInt(ctx.node, 'end', rank));
  const dims = x.slice(start, Math.max(start, end));
  return [{ dtype: 'int64', shape: [dims.length], data: dims }];
};

const sizeOf: ShapeRule = (ctx) => [{ dtype: 'int64', shape: [], data: [productOf(ctx.shape(0))] }];

function targetShape(ctx: ShapeRuleContext, i: number): number[] {
  const dims = ctx.requireValue(i, 'shape');
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw ctx.inconsistent(`shape [${dims.join(',')}] must be non-negative integers`);
  return [...dims];
}

/** ConstantOfShape: the dtype of the one-element `value` attribute (default float32 0). */
const constantOfShape: ShapeRule = (ctx) => {
  const shape = targetShape(ctx, 0);
  const value = attrTensor(ctx.node, 'value');
  const dtype = value?.dtype ?? 'float32';
  const fill = value && value.dtype !== 'string' ? tensorToNumbers(value)[0] ?? 0 : 0;
  const n = productOf(shape);
  return [withData(dtype, shape, n <= maxKnownElements ? new Array<number>(n).fill(fill) : undefined)];
};

/** Range: max(ceil((limit - start) / delta), 0) elements of start's dtype. */
const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = ['start', 'limit', 'delta'].map((what, i) => {
    const v = ctx.requireValue(i, what);
    if (v.length !== 1) throw ctx.inconsistent(`${what} must be a scalar`);
    return v[0];
  });
  if (delta === 0) throw ctx.inconsistent('delta must not be 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const dtype = ctx.dtype(0);
  const data = n <= maxKnownElements ? Array.from({ length: n }, (_, k) => toDType(dtype, start + k * delta)) : undefined;
  return [withData(dtype, [n], data)];
};

function dtypeAttr(ctx: ShapeRuleContext, fallback: DType): DType {
  const code = attrInt(ctx.node, 'dtype');
  if (code === undefined) return fallback;
  const dtype = onnxDTypeByCode[code];
  if (!dtype) throw ctx.unsupported(`dtype ${code} is not a supported data type`);
  return dtype;
}

/** EyeLike, RandomNormalLike, RandomUniformLike, Bernoulli: X's shape, dtype attribute or X's. */
const likeInput: ShapeRule = (ctx) => [{ dtype: dtypeAttr(ctx, ctx.dtype(0)), shape: ctx.shape(0) }];

/** RandomNormal, RandomUniform: the `shape` attribute. */
const randomOfShape: ShapeRule = (ctx) => {
  const shape = attrInts(ctx.node, 'shape');
  if (!shape) throw ctx.inconsistent('shape is required');
  return [{ dtype: dtypeAttr(ctx, 'float32'), shape: [...shape] }];
};

/** NonZero: [rank, count of non-zeros] — known only when X's elements are. */
const nonZero: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  if (!x.data) {
    throw ctx.unsupported(`output shape depends on the values of '${ctx.node.inputs[0]}' (number of non-zero elements), which are not known at compile time`);
  }
  const strides = stridesOf(x.shape);
  const hits: number[] = [];
  x.data.forEach((v, flat) => { if (v !== 0) hits.push(flat); });
  const rank = x.shape.length;
  const data: number[] = [];
  for (let k = 0; k < rank; k++) for (const flat of hits) data.push(Math.floor(flat / strides[k]) % x.shape[k]);
  return [withData('int64', [rank, hits.length], data)];
};

function dataDependent(what: string): ShapeRule {
  return (ctx) => {
    throw ctx.unsupported(`output shape depends on runtime data (${what}); fold it to a constant or remove it before compiling`);
  };
}

export const generatorRules: Readonly<Record<string, ShapeRule>> = {
  Shape: shapeOf,
  Size: sizeOf,
  ConstantOfShape: constantOfShape,
  Range: range,
  EyeLike: likeInput,
  RandomNormalLike: likeInput,
  RandomUniformLike: likeInput,
  Bernoulli: likeInput,
  RandomNormal: randomOfShape,
  RandomUniform: randomOfShape,
  NonZero: nonZero,
  Unique: dataDependent('number of unique elements'),
  Compress: dataDependent('number of true conditions'),
  NonMaxSuppression: dataDependent('number of selected boxes'),
};

