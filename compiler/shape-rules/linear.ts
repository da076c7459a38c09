/** Matrix products: Gemm, MatMul (numpy batched broadcast), Einsum. */
import { attrInt, attrString } from '../ir/ir.js';
import type { DType } from '../../base/tensor.js';
import { broadcastShapes } from './elements.js';
import { dimsText, requireSameDType, type ShapeRule, type ShapeRuleContext } from './types.js';

/** Gemm: op(A) [M, K] × op(B) [K, N] (+ C broadcast to [M, N]) → [M, N]. */
const gemm: ShapeRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  if (a.length !== 2 || b.length !== 2) throw ctx.inconsistent(`A ${dimsText(a)} and B ${dimsText(b)} must both be 2-d`);
  requireSameDType(ctx, [0, 1, 2], ['A', 'B', 'C']);
  const [m, ka] = attrInt(ctx.node, 'transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = attrInt(ctx.node, 'transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (ka !== kb) throw ctx.inconsistent(`inner dims differ: A ${dimsText(a)} gives K=${ka}, B ${dimsText(b)} gives K=${kb}`);
  if (ctx.has(2)) {
    const c = ctx.shape(2);
    const out = broadcastShapes(ctx, [[m, n], c]);
    if (out.length !== 2 || out[0] !== m || out[1] !== n) throw ctx.inconsistent(`C ${dimsText(c)} does not broadcast to [${m},${n}]`);
  }
  return [{ dtype: ctx.dtype(0), shape: [m, n] }];
};

/** numpy.matmul shapes: 1-d operands gain and then lose a dim; batch dims broadcast. */
export function matmulShape(ctx: ShapeRuleContext, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) throw ctx.inconsistent('MatMul operands must have rank 1 or more');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (k1 !== k2) throw ctx.inconsistent(`inner dims differ: ${dimsText(a)} × ${dimsText(b)} (${k1} vs ${k2})`);
  const batch = broadcastShapes(ctx, [a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

function matmulLike(dtypeOf: (ctx: ShapeRuleContext) => DType, aIndex = 0, bIndex = 1): ShapeRule {
  return (ctx) => [{ dtype: dtypeOf(ctx), shape: matmulShape(ctx, ctx.shape(aIndex), ctx.shape(bIndex)) }];
}

/**
 * Einsum: letters name dims; '...' stands for broadcast leading dims. Without '->' the
 * output is '...' then the letters used once, in alphabetical order.
 */
const einsum: ShapeRule = (ctx) => {
  const equation = (attrString(ctx.node, 'equation') ?? '').replace(/\s+/g, '');
  const arrow = equation.indexOf('->');
  const lhs = arrow >= 0 ? equation.slice(0, arrow) : equation;
  const terms = lhs.split(',');
  const inputs = ctx.node.inputs.length;
  if (terms.length !== inputs) throw ctx.inconsistent(`equation '${equation}' has ${terms.length} operands, node has ${inputs} inputs`);
  const sizes = new Map<string, number>();
  const counts = new Map<string, number>();
  const ellipses: number[][] = [];
  terms.forEach((term, i) => {
    const shape = ctx.shape(i);
    const parts = term.split('...');
    if (parts.length > 2 || /[^a-zA-Z]/.test(parts.join(''))) throw ctx.unsupported(`cannot parse einsum term '${term}'`);
    const letters = parts.join('');
    const ellipsisRank = shape.length - letters.length;
    if (ellipsisRank < 0 || (parts.length === 1 && ellipsisRank !== 0)) {
      throw ctx.inconsistent(`einsum term '${term}' does not match operand ${i} of shape ${dimsText(shape)}`);
    }
    const head = parts[0].length;
    ellipses.push(shape.slice(head, head + (parts.length === 2 ? ellipsisRank : 0)));
    [...letters].forEach((letter, j) => {
      const dim = shape[j < head ? j : j + ellipsisRank];
      const seen = sizes.get(letter);
      if (seen !== undefined && seen !== dim && seen !== 1 && dim !== 1) {
        throw ctx.inconsistent(`einsum label '${letter}' is ${seen} in one operand and ${dim} in another`);
      }
      sizes.set(letter, seen === undefined || seen === 1 ? dim : seen);
      counts.set(letter, (counts.get(letter) ?? 0) + 1);
    });
  });
  const ellipsisShape = broadcastShapes(ctx, ellipses);
  const rhs = arrow >= 0
    ? equation.slice(arrow + 2)
    : `${ellipses.some((e) => e.length) ? '...' : ''}${[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort().join('')}`;
  const out: number[] = [];
  const parts = rhs.split('...');
  if (parts.length > 2) throw ctx.unsupported(`cannot parse einsum output '${rhs}'`);
  parts.forEach((part, p) => {
    if (p === 1) out.push(...ellipsisShape);
    for (const letter of part) {
      const dim = sizes.get(letter);
      if (dim === undefined) throw ctx.inconsistent(`einsum output label '${letter}' appears in no operand`);
      out.push(dim);
    }
  });
  return [{ dtype: ctx.dtype(0), shape: out }];
};

export const linearRules: Readonly<Record<string, ShapeRule>> = {
  Gemm: gemm,
  MatMul: (ctx) => {
    requireSameDType(ctx, [0, 1], ['A', 'B']);
    return matmulLike((c) => c.dtype(0))(ctx);
  },
  MatMulInteger: matmulLike(() => 'int32'),
  // QLinearMatMul(a, a_scale, a_zero, b, b_scale, b_zero, y_scale, y_zero)
  QLinearMatMul: matmulLike((ctx) => ctx.dtype(7), 0, 3),
  Einsum: einsum,
};
