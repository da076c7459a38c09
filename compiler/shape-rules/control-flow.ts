/**
 * Control flow. An If whose condition is known takes its branch; otherwise both branches
 * are inferred and must agree. Loop and Scan are not inferred (their output shapes depend
 * on the trip count and on the body's carried state).
 */
import { isCimcError } from '../../base/diagnostics.js';
import type { Graph } from '../ir/ir.js';
import { dimsText, type InferredValue, type ShapeRule, type ShapeRuleContext } from './types.js';

function branch(ctx: ShapeRuleContext, attr: string): Graph {
  const a = ctx.node.attrs[attr];
  if (!a || a.kind !== 'graph') throw ctx.inconsistent(`attribute ${attr} must be a graph`);
  return a.value;
}

function sameType(a: InferredValue, b: InferredValue): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k]);
}

const ifRule: ShapeRule = (ctx) => {
  const condition = ctx.value(0);
  if (condition !== undefined) {
    return ctx.inferSubgraph(branch(ctx, condition[0] ? 'then_branch' : 'else_branch')).map(({ dtype, shape }) => ({ dtype, shape }));
  }
  let results: InferredValue[][];
  try {
    results = ['then_branch', 'else_branch'].map((attr) => ctx.inferSubgraph(branch(ctx, attr)));
  } catch (e) {
    if (!isCimcError(e)) throw e;
    throw ctx.unsupported(`cannot infer the outputs of If: its condition is not known at compile time and a branch failed: ${e.message}`);
  }
  const [thenOut, elseOut] = results;
  if (thenOut.length !== elseOut.length) throw ctx.inconsistent(`branches have ${thenOut.length} and ${elseOut.length} outputs`);
  thenOut.forEach((t, k) => {
    if (!sameType(t, elseOut[k])) {
      throw ctx.unsupported(`If output ${k} is ${t.dtype}${dimsText(t.shape)} in then_branch but ${elseOut[k].dtype}${dimsText(elseOut[k].shape)} in else_branch, and the condition is not known at compile time`);
    }
  });
  return thenOut.map(({ dtype, shape }) => ({ dtype, shape }));
};

function notInferred(what: string): ShapeRule {
  return (ctx): InferredValue[] => {
    throw ctx.unsupported(`${ctx.node.opType} is not supported by shape inference: ${what}`);
  };
}

export const controlFlowRules: Readonly<Record<string, ShapeRule>> = {
  If: ifRule,
  Loop: notInferred('its outputs depend on the trip count and the body; unroll it before compiling'),
  Scan: notInferred('its outputs depend on the scanned sequence and the body; unroll it before compiling'),
};

