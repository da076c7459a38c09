/** Normalisations: the output has X's shape; per-channel parameters are checked against C. */
import { attrInt } from '../ir/ir.js';
import { onnxDTypeByCode } from '../../base/tensor.js';
import { dimsText, normalizeAxis, type InferredValue, type ShapeRule, type ShapeRuleContext } from './types.js';

function requireChannelVector(ctx: ShapeRuleContext, i: number, channels: number, what: string): void {
  if (!ctx.has(i)) return;
  const s = ctx.shape(i);
  if (s.length !== 1 || s[0] !== channels) throw ctx.inconsistent(`${what} ${dimsText(s)} does not match ${channels} channels`);
}

/**
 * BatchNormalization: Y like X; the optional training outputs (running/saved mean and
 * variance) are [C].
 */
const batchNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x.length < 2) throw ctx.inconsistent(`X must be [N, C, …], got ${dimsText(x)}`);
  const c = x[1];
  // Opset 7–8 `spatial=0` means per-activation parameters of shape [C, D…].
  if (attrInt(ctx.node, 'spatial', 1) !== 0) {
    ['scale', 'B', 'mean', 'var'].forEach((what, k) => requireChannelVector(ctx, k + 1, c, what));
  }
  const stats: InferredValue = { dtype: ctx.has(1) ? ctx.dtype(1) : ctx.dtype(0), shape: [c] };
  return [{ dtype: ctx.dtype(0), shape: x }, stats, stats, stats, stats];
};

const instanceNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x.length < 3) throw ctx.inconsistent(`X must be [N, C, D…], got ${dimsText(x)}`);
  requireChannelVector(ctx, 1, x[1], 'scale');
  requireChannelVector(ctx, 2, x[1], 'B');
  return [{ dtype: ctx.dtype(0), shape: x }];
};

/** LayerNormalization: Y like X; Mean and InvStdDev are X[:axis] followed by ones. */
const layerNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normalizeAxis(ctx, attrInt(ctx.node, 'axis', -1), x.length);
  const normalized = x.slice(axis);
  for (const [i, what] of [[1, 'Scale'], [2, 'B']] as const) {
    if (!ctx.has(i)) continue;
    const p = ctx.shape(i);
    if (p.length > normalized.length || p.some((d, k) => d !== 1 && d !== normalized[normalized.length - p.length + k])) {
      throw ctx.inconsistent(`${what} ${dimsText(p)} does not broadcast onto the normalised dims ${dimsText(normalized)}`);
    }
  }
  const stash = onnxDTypeByCode[attrInt(ctx.node, 'stash_type', 1)] ?? 'float32';
  const statsShape = x.map((d, k) => (k < axis ? d : 1));
  return [{ dtype: ctx.dtype(0), shape: x }, { dtype: stash, shape: statsShape }, { dtype: stash, shape: statsShape }];
};

const groupNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const groups = attrInt(ctx.node, 'num_groups', 1);
  if (x.length < 2 || groups < 1 || x[1] % groups !== 0) throw ctx.inconsistent(`${x[1]} channels cannot form ${groups} groups`);
  return [{ dtype: ctx.dtype(0), shape: x }];
};

export const normalizationRules: Readonly<Record<string, ShapeRule>> = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
};
