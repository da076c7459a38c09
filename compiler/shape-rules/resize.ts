/**
 * Resize and its predecessor Upsample.
 *
 *   opset 10:     Resize(X, scales)
 *   opset 11–12:  Resize(X, roi, scales, sizes)      empty tensors stand for "not given"
 *   opset 13+:    Resize(X, roi?, scales?, sizes?)
 *   opset 18+:    + axes, keep_aspect_ratio_policy
 *   Upsample-7 has a `scales` attribute, Upsample-9 an input.
 *
 * out = floor(in * scale) (the product taken in float32, as onnxruntime does), or `sizes`.
 */
import { attrFloats, attrInts, attrString } from '../ir/ir.js';
import { dimsText, normalizeAxes, type ShapeRule, type ShapeRuleContext } from './types.js';

/** Whether an optional input is present and not an empty tensor. */
function given(ctx: ShapeRuleContext, i: number): boolean {
  return ctx.has(i) && !(ctx.shape(i).length === 1 && ctx.shape(i)[0] === 0);
}

function scaled(ctx: ShapeRuleContext, size: number, scale: number): number {
  if (!(scale > 0)) throw ctx.inconsistent(`scale ${scale} must be positive`);
  return Math.floor(Math.fround(size * scale));
}

const resize: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const rank = x.length;
  const [roiIndex, scalesIndex, sizesIndex] = ctx.opset < 11 ? [-1, 1, -1] : [1, 2, 3];
  const axes = normalizeAxes(ctx, attrInts(ctx.node, 'axes') ?? x.map((_, k) => k), rank);
  const shape = [...x];
  if (sizesIndex >= 0 && given(ctx, sizesIndex)) {
    const sizes = ctx.requireValue(sizesIndex, 'sizes');
    if (sizes.length !== axes.length) throw ctx.inconsistent(`sizes [${sizes.join(',')}] do not match ${axes.length} axes of ${dimsText(x)}`);
    const policy = attrString(ctx.node, 'keep_aspect_ratio_policy', 'stretch');
    if (policy === 'stretch') {
      axes.forEach((a, k) => { shape[a] = sizes[k]; });
    } else if (policy === 'not_larger' || policy === 'not_smaller') {
      const ratios = axes.map((a, k) => sizes[k] / x[a]);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => { shape[a] = Math.round(scale * x[a]); });
    } else {
      throw ctx.inconsistent(`unknown keep_aspect_ratio_policy '${policy}'`);
    }
  } else if (given(ctx, scalesIndex)) {
    const scales = ctx.requireValue(scalesIndex, 'scales');
    if (scales.length !== axes.length) throw ctx.inconsistent(`scales [${scales.join(',')}] do not match ${axes.length} axes of ${dimsText(x)}`);
    const crop = attrString(ctx.node, 'coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize';
    const roi = crop && roiIndex >= 0 && given(ctx, roiIndex) ? ctx.requireValue(roiIndex, 'roi') : undefined;
    axes.forEach((a, k) => {
      const extent = roi ? roi[k + axes.length] - roi[k] : 1;
      shape[a] = scaled(ctx, x[a] * extent, scales[k]);
    });
  } else {
    throw ctx.inconsistent('one of scales or sizes must be given');
  }
  if (shape.some((d) => d < 1 && x.every((s) => s > 0))) throw ctx.inconsistent(`output ${dimsText(shape)} has an empty dim`);
  return [{ dtype: ctx.dtype(0), shape }];
};

const upsample: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const scales = ctx.opset < 9 ? attrFloats(ctx.node, 'scales') : ctx.requireValue(1, 'scales');
  if (!scales) throw ctx.inconsistent('scales is required');
  if (scales.length !== x.length) throw ctx.inconsistent(`scales [${scales.join(',')}] do not match the rank of ${dimsText(x)}`);
  return [{ dtype: ctx.dtype(0), shape: x.map((d, k) => scaled(ctx, d, scales[k])) }];
};

export const resizeRules: Readonly<Record<string, ShapeRule>> = {
  Resize: resize,
  Upsample: upsample,
};
