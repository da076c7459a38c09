/**
 * Sliding-window ops: Conv, ConvTranspose, and the window arithmetic shared with pooling.
 *
 *   out = floor((in + padBegin + padEnd - ((k - 1) * dilation + 1)) / stride) + 1
 *
 * auto_pad SAME_UPPER/SAME_LOWER give ceil(in / stride); VALID means no padding.
 */
import { attrInt, attrInts, attrString } from '../ir/ir.js';
import { dimsText, requireSameDType, type ShapeRule, type ShapeRuleContext } from './types.js';

export interface WindowAttrs {
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  /** [x1_begin, x2_begin, …, x1_end, x2_end, …] */
  pads: readonly number[];
  autoPad: string;
  ceilMode: boolean;
}

/** Reads strides/dilations/pads/auto_pad/ceil_mode for `spatial` dims and checks their lengths. */
export function readWindowAttrs(ctx: ShapeRuleContext, kernel: readonly number[]): WindowAttrs {
  const n = kernel.length;
  const node = ctx.node;
  const strides = attrInts(node, 'strides', new Array<number>(n).fill(1));
  const dilations = attrInts(node, 'dilations', new Array<number>(n).fill(1));
  const pads = attrInts(node, 'pads', new Array<number>(2 * n).fill(0));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET') || 'NOTSET';
  if (strides.length !== n) throw ctx.inconsistent(`strides ${dimsText(strides)} do not match a ${n}-d kernel`);
  if (dilations.length !== n) throw ctx.inconsistent(`dilations ${dimsText(dilations)} do not match a ${n}-d kernel`);
  if (pads.length !== 2 * n) throw ctx.inconsistent(`pads ${dimsText(pads)} need ${2 * n} values for a ${n}-d kernel`);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) throw ctx.inconsistent('strides and dilations must be positive');
  if (kernel.some((k) => k < 1)) throw ctx.inconsistent(`kernel ${dimsText(kernel)} must be positive`);
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) throw ctx.inconsistent(`unknown auto_pad '${autoPad}'`);
  return { kernel, strides, dilations, pads, autoPad, ceilMode: attrInt(node, 'ceil_mode', 0) === 1 };
}

/** Output spatial dims of a window sliding over `input` spatial dims. */
export function windowOutputDims(ctx: ShapeRuleContext, input: readonly number[], w: WindowAttrs): number[] {
  const n = w.kernel.length;
  return input.map((size, i) => {
    const stride = w.strides[i];
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
    const [begin, end] = w.autoPad === 'VALID' ? [0, 0] : [w.pads[i], w.pads[i + n]];
    const span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const room = size + begin + end - span;
    if (room < 0) {
      throw ctx.inconsistent(`window of ${span} (kernel ${w.kernel[i]}, dilation ${w.dilations[i]}) is larger than the padded input ${size + begin + end} on spatial axis ${i}`);
    }
    if (!w.ceilMode) return Math.floor(room / stride) + 1;
    let out = Math.ceil(room / stride) + 1;
    // The last window must start inside the input or its leading padding.
    if ((out - 1) * stride >= size + begin) out--;
    return out;
  });
}

function requireRank(ctx: ShapeRuleContext, i: number, min: number, what: string): readonly number[] {
  const s = ctx.shape(i);
  if (s.length < min) throw ctx.inconsistent(`${what} must have rank ${min} or more, got ${dimsText(s)}`);
  return s;
}

/** Conv: X [N, C, D…], W [M, C/group, k…] → [N, M, out…]. */
const conv: ShapeRule = (ctx) => {
  const x = requireRank(ctx, 0, 3, 'X');
  requireSameDType(ctx, [0, 1, 2], ['X', 'W', 'B']);
  const w = ctx.shape(1);
  if (w.length !== x.length) throw ctx.inconsistent(`weight ${dimsText(w)} and input ${dimsText(x)} differ in rank`);
  const group = attrInt(ctx.node, 'group', 1);
  const [m, cPerGroup] = w;
  if (group < 1 || x[1] !== cPerGroup * group) {
    throw ctx.inconsistent(`input has ${x[1]} channels but weight ${dimsText(w)} with group ${group} expects ${cPerGroup * group}`);
  }
  if (m % group !== 0) throw ctx.inconsistent(`${m} output channels are not divisible by group ${group}`);
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2);
  if (kernel.length !== w.length - 2 || kernel.some((k, i) => k !== w[i + 2])) {
    throw ctx.inconsistent(`kernel_shape ${dimsText(kernel)} does not match weight ${dimsText(w)}`);
  }
  if (ctx.has(2)) {
    const b = ctx.shape(2);
    if (b.length !== 1 || b[0] !== m) throw ctx.inconsistent(`bias ${dimsText(b)} does not match ${m} output channels`);
  }
  const spatial = windowOutputDims(ctx, x.slice(2), readWindowAttrs(ctx, kernel));
  return [{ dtype: ctx.dtype(0), shape: [x[0], m, ...spatial] }];
};

/**
 * ConvTranspose: X [N, C, D…], W [C, M/group, k…] → [N, M, out…] with
 *   out = stride * (in - 1) + output_padding + ((k - 1) * dilation + 1) - padBegin - padEnd,
 * or in * stride under SAME_*, or output_shape when given.
 */
const convTranspose: ShapeRule = (ctx) => {
  const x = requireRank(ctx, 0, 3, 'X');
  requireSameDType(ctx, [0, 1, 2], ['X', 'W', 'B']);
  const w = ctx.shape(1);
  if (w.length !== x.length) throw ctx.inconsistent(`weight ${dimsText(w)} and input ${dimsText(x)} differ in rank`);
  const group = attrInt(ctx.node, 'group', 1);
  if (group < 1 || x[1] !== w[0]) {
    throw ctx.inconsistent(`input has ${x[1]} channels but weight ${dimsText(w)} expects ${w[0]}`);
  }
  if (w[0] % group !== 0) throw ctx.inconsistent(`${w[0]} input channels are not divisible by group ${group}`);
  const m = w[1] * group;
  const n = x.length - 2;
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2);
  if (kernel.length !== n || kernel.some((k, i) => k !== w[i + 2])) {
    throw ctx.inconsistent(`kernel_shape ${dimsText(kernel)} does not match weight ${dimsText(w)}`);
  }
  if (ctx.has(2)) {
    const b = ctx.shape(2);
    if (b.length !== 1 || b[0] !== m) throw ctx.inconsistent(`bias ${dimsText(b)} does not match ${m} output channels`);
  }
  const win = readWindowAttrs(ctx, kernel);
  const outputPadding = attrInts(ctx.node, 'output_padding', new Array<number>(n).fill(0));
  if (outputPadding.length !== n) throw ctx.inconsistent(`output_padding ${dimsText(outputPadding)} does not match a ${n}-d kernel`);
  const outputShape = attrInts(ctx.node, 'output_shape');
  let spatial: number[];
  if (outputShape) {
    if (outputShape.length !== n && outputShape.length !== n + 2) {
      throw ctx.inconsistent(`output_shape ${dimsText(outputShape)} does not match ${n} spatial dims`);
    }
    spatial = outputShape.slice(outputShape.length - n);
  } else {
    spatial = x.slice(2).map((size, i) => {
      if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return size * win.strides[i];
      const [begin, end] = win.autoPad === 'VALID' ? [0, 0] : [win.pads[i], win.pads[i + n]];
      return win.strides[i] * (size - 1) + outputPadding[i] + (kernel[i] - 1) * win.dilations[i] + 1 - begin - end;
    });
  }
  if (spatial.some((d) => d < 1)) throw ctx.inconsistent(`output spatial dims ${dimsText(spatial)} are not positive`);
  return [{ dtype: ctx.dtype(0), shape: [x[0], m, ...spatial] }];
};

export const convRules: Readonly<Record<string, ShapeRule>> = {
  Conv: conv,
  ConvTranspose: convTranspose,
};
