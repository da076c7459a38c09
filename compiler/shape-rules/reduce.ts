/**
 * Reductions. Axes come from an attribute until they moved to an input: opset 13 for
 * ReduceSum, opset 18 for the others. No axes reduces everything, unless
 * noop_with_empty_axes=1 makes it the identity.
 */
import { attrInt, attrInts } from '../ir/ir.js';
import { reduceElements, toDType } from './elements.js';
import { normalizeAxes, normalizeAxis, withData, type ShapeRule, type ShapeRuleContext } from './types.js';

interface Reducer {
  init: number;
  combine(acc: number, x: number): number;
  finish?(acc: number, count: number): number;
}

const reducers: Readonly<Record<string, Reducer>> = {
  ReduceSum: { init: 0, combine: (a, x) => a + x },
  ReduceProd: { init: 1, combine: (a, x) => a * x },
  ReduceMin: { init: Infinity, combine: (a, x) => Math.min(a, x) },
  ReduceMax: { init: -Infinity, combine: (a, x) => Math.max(a, x) },
  ReduceMean: { init: 0, combine: (a, x) => a + x, finish: (a, n) => a / n },
};

/** The axes to reduce, or undefined for "leave the input as is". */
function reductionAxes(ctx: ShapeRuleContext, rank: number): number[] | undefined {
  const axesFromInput = ctx.opset >= (ctx.node.opType === 'ReduceSum' ? 13 : 18);
  const given = axesFromInput ? (ctx.has(1) ? ctx.requireValue(1, 'axes') : undefined) : attrInts(ctx.node, 'axes');
  if (given === undefined || given.length === 0) {
    if (axesFromInput && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return undefined;
    return Array.from({ length: rank }, (_, k) => k);
  }
  return normalizeAxes(ctx, given, rank);
}

const reduce: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const axes = reductionAxes(ctx, x.shape.length);
  if (axes === undefined) return [x];
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  const shape = keep ? x.shape.map((d, k) => (axes.includes(k) ? 1 : d)) : x.shape.filter((_, k) => !axes.includes(k));
  const reducer = reducers[ctx.node.opType];
  let data: number[] | undefined;
  if (reducer && x.data) {
    const count = axes.reduce((n, k) => n * x.shape[k], 1);
    data = reduceElements(x.data, x.shape, axes, reducer.init, reducer.combine)
      .map((v) => toDType(x.dtype, reducer.finish ? reducer.finish(v, count) : v));
  }
  return [withData(x.dtype, shape, data)];
};

/** ArgMax/ArgMin: int64 indices with the axis kept as 1 or dropped. */
const argReduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', 0), x.length);
  const shape = attrInt(ctx.node, 'keepdims', 1) === 1 ? x.map((d, k) => (k === axis ? 1 : d)) : x.filter((_, k) => k !== axis);
  return [{ dtype: 'int64', shape }];
};

export const reduceRules: Readonly<Record<string, ShapeRule>> = {
  ReduceMean: reduce, ReduceSum: reduce, ReduceMax: reduce, ReduceMin: reduce, ReduceProd: reduce,
  ReduceL1: reduce, ReduceL2: reduce, ReduceLogSum: reduce, ReduceLogSumExp: reduce, ReduceSumSquare: reduce,
  ArgMax: argReduce, ArgMin: argReduce,
};
