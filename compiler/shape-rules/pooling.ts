/** Pooling: windowed (Max/Average/Lp), global, and the region ops that pool boxes. */
import { attrInt, attrInts } from '../ir/ir.js';
import { readWindowAttrs, windowOutputDims } from './conv.js';
import { dimsText, type ShapeRule, type ShapeRuleContext } from './types.js';

function spatialInput(ctx: ShapeRuleContext): readonly number[] {
  const x = ctx.shape(0);
  if (x.length < 3) throw ctx.inconsistent(`X must be [N, C, D…], got ${dimsText(x)}`);
  return x;
}

/**
 * MaxPool/AveragePool/LpPool: [N, C, out…]. MaxPool's optional second output holds int64
 * indices of the same shape.
 */
const windowPool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const kernel = attrInts(ctx.node, 'kernel_shape');
  if (!kernel) throw ctx.inconsistent('kernel_shape is required');
  if (kernel.length !== x.length - 2) throw ctx.inconsistent(`kernel_shape ${dimsText(kernel)} does not match input ${dimsText(x)}`);
  const spatial = windowOutputDims(ctx, x.slice(2), readWindowAttrs(ctx, kernel));
  const shape = [x[0], x[1], ...spatial];
  return [{ dtype: ctx.dtype(0), shape }, { dtype: 'int64', shape }];
};

/** GlobalAveragePool/GlobalMaxPool/GlobalLpPool: every spatial dim becomes 1. */
const globalPool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  return [{ dtype: ctx.dtype(0), shape: [x[0], x[1], ...x.slice(2).map(() => 1)] }];
};

/** MaxUnpool: output_shape input when given, else (in - 1) * stride + k - padBegin - padEnd. */
const maxUnpool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  if (ctx.has(2)) {
    const shape = ctx.requireValue(2, 'output_shape');
    if (shape.length !== x.length) throw ctx.inconsistent(`output_shape ${dimsText(shape)} does not match input rank ${x.length}`);
    return [{ dtype: ctx.dtype(0), shape: [...shape] }];
  }
  const kernel = attrInts(ctx.node, 'kernel_shape');
  if (!kernel || kernel.length !== x.length - 2) throw ctx.inconsistent('kernel_shape is required and must match the spatial rank');
  const w = readWindowAttrs(ctx, kernel);
  const n = kernel.length;
  const spatial = x.slice(2).map((size, i) => (size - 1) * w.strides[i] + kernel[i] - w.pads[i] - w.pads[i + n]);
  return [{ dtype: ctx.dtype(0), shape: [x[0], x[1], ...spatial] }];
};

/** RoiAlign/MaxRoiPool: [num_rois, C, out_h, out_w]. */
const roiPool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const rois = ctx.shape(1);
  if (rois.length !== 2) throw ctx.inconsistent(`rois must be [num_rois, 4 or 5], got ${dimsText(rois)}`);
  if (ctx.node.opType === 'MaxRoiPool') {
    const pooled = attrInts(ctx.node, 'pooled_shape');
    if (!pooled || pooled.length !== 2) throw ctx.inconsistent('pooled_shape must give 2 dims');
    return [{ dtype: ctx.dtype(0), shape: [rois[0], x[1], pooled[0], pooled[1]] }];
  }
  return [{ dtype: ctx.dtype(0), shape: [rois[0], x[1], attrInt(ctx.node, 'output_height', 1), attrInt(ctx.node, 'output_width', 1)] }];
};

export const poolingRules: Readonly<Record<string, ShapeRule>> = {
  MaxPool: windowPool,
  AveragePool: windowPool,
  LpPool: windowPool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxUnpool: maxUnpool,
  RoiAlign: roiPool,
  MaxRoiPool: roiPool,
};
