/**
 * Conv and ConvTranspose, 1-D and 2-D (1-D runs as 2-D with height 1).
 *
 * Conv: per image and group, im2col into a [K = Cg·kh·kw, P = oh·ow] matrix, then
 * Y[Mg, P] = W[Mg, K] · col on the GEMM core; a 1×1 stride-1 unpadded conv skips im2col,
 * and depthwise conv accumulates taps straight from the input plane.
 * ConvTranspose: col[Mg·kh·kw, H·W] = Wgᵀ · Xg on the GEMM core, then col2im scatter-adds
 * the columns into the output.
 */
import { makeTensor, shapeText, toFloat32, type RtTensor } from '../../../base/rt-tensor.js';
import { matmulInto, transpose2d } from './gemm.js';
import {
  attrNumber, attrNumbers, attrString, kernelError, requireFloat, type DigitalKernel, type KernelContext, type RtAttr,
} from './types.js';

/** Window geometry of one spatial axis. */
export interface AxisWindow {
  input: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  output: number;
}

/**
 * Output size and pads of a sliding window along each spatial axis (Conv and pooling):
 * explicit pads, or auto_pad SAME_UPPER/SAME_LOWER/VALID; ceil_mode rounds the window count
 * up (a last window must still start inside the input or the begin padding).
 */
export function windowAxes(
  inputSpatial: readonly number[], kernel: readonly number[], attrs: Record<string, RtAttr>, ctx: KernelContext, ceilMode = false,
): AxisWindow[] {
  const r = inputSpatial.length;
  const strides = attrNumbers(attrs, 'strides') ?? new Array<number>(r).fill(1);
  const dilations = attrNumbers(attrs, 'dilations') ?? new Array<number>(r).fill(1);
  const pads = attrNumbers(attrs, 'pads') ?? new Array<number>(2 * r).fill(0);
  const autoPad = attrString(attrs, 'auto_pad', 'NOTSET');
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r || kernel.length !== r) {
    throw kernelError(ctx, `strides/dilations/pads/kernel do not match ${r} spatial dimensions`);
  }
  const axes: AxisWindow[] = [];
  for (let i = 0; i < r; i++) {
    const input = inputSpatial[i], k = kernel[i], s = strides[i], d = dilations[i];
    const span = (k - 1) * d + 1;
    let padBegin = pads[i], padEnd = pads[i + r], output: number;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      output = Math.ceil(input / s);
      const total = Math.max(0, (output - 1) * s + span - input);
      padBegin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      padEnd = total - padBegin;
    } else if (autoPad === 'VALID') {
      padBegin = 0;
      padEnd = 0;
      output = Math.floor((input - span) / s) + 1;
    } else {
      if (autoPad !== 'NOTSET') throw kernelError(ctx, `auto_pad '${autoPad}' is not supported`);
      const room = input + padBegin + padEnd - span;
      output = (ceilMode ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
      // With ceil_mode, a window starting past the input (in the end padding) is dropped.
      if (ceilMode && (output - 1) * s >= input + padBegin) output--;
    }
    if (output < 1 || s < 1 || d < 1) {
      throw kernelError(ctx, `window ${k} (stride ${s}, dilation ${d}, pads ${padBegin}/${padEnd}) does not fit an input of ${input}`);
    }
    axes.push({ input, kernel: k, stride: s, dilation: d, padBegin, padEnd, output });
  }
  return axes;
}

/** As 2-D axes (height, width); 1-D gets a unit height axis. */
export function as2d(axes: AxisWindow[]): [AxisWindow, AxisWindow] {
  if (axes.length === 2) return [axes[0], axes[1]];
  return [{ input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1 }, axes[0]];
}

let colScratch = new Float32Array(1 << 16);

function scratch(length: number): Float32Array {
  if (colScratch.length < length) colScratch = new Float32Array(length);
  return colScratch;
}

/** First and one-past-last output index whose input position o·s − p + t·d lies in [0, size). */
export function validRange(size: number, out: number, s: number, offset: number): [number, number] {
  // offset = t·d − p; need 0 ≤ o·s + offset < size.
  const lo = Math.max(0, Math.ceil(-offset / s));
  const hi = Math.min(out, Math.floor((size - 1 - offset) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/** col[(c·kh + i)·kw + j, oy·ow + ox] = x[c, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (0 outside). */
function im2col(x: Float32Array, xOff: number, channels: number, h: AxisWindow, w: AxisWindow, col: Float32Array): void {
  const H = h.input, W = w.input, oh = h.output, ow = w.output;
  const P = oh * ow;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < h.kernel; i++) {
      const offY = i * h.dilation - h.padBegin;
      const [yLo, yHi] = validRange(H, oh, h.stride, offY);
      for (let j = 0; j < w.kernel; j++, row++) {
        const offX = j * w.dilation - w.padBegin;
        const [xLo, xHi] = validRange(W, ow, w.stride, offX);
        const base = row * P;
        if (yLo > 0) col.fill(0, base, base + yLo * ow);
        if (yHi < oh) col.fill(0, base + yHi * ow, base + P);
        for (let oy = yLo; oy < yHi; oy++) {
          const dst = base + oy * ow;
          const src = plane + (oy * h.stride + offY) * W + offX;
          if (xLo > 0) col.fill(0, dst, dst + xLo);
          if (xHi < ow) col.fill(0, dst + xHi, dst + ow);
          if (w.stride === 1) {
            for (let ox = xLo; ox < xHi; ox++) col[dst + ox] = x[src + ox];
          } else {
            const sw = w.stride;
            for (let ox = xLo, p = src + xLo * sw; ox < xHi; ox++, p += sw) col[dst + ox] = x[p];
          }
        }
      }
    }
  }
}

let planeScratch = new Float64Array(1024);

/** Depthwise (one input and one output channel per group): taps accumulated straight from the input plane. */
function depthwisePlane(x: Float32Array, xOff: number, w: Float32Array, wOff: number, y: Float32Array, yOff: number, h: AxisWindow, wd: AxisWindow): void {
  const W = wd.input, oh = h.output, ow = wd.output, sw = wd.stride;
  if (planeScratch.length < oh * ow) planeScratch = new Float64Array(oh * ow);
  const acc = planeScratch;
  acc.fill(0, 0, oh * ow);
  for (let i = 0; i < h.kernel; i++) {
    const offY = i * h.dilation - h.padBegin;
    const [yLo, yHi] = validRange(h.input, oh, h.stride, offY);
    for (let j = 0; j < wd.kernel; j++) {
      const wv = w[wOff + i * wd.kernel + j];
      const offX = j * wd.dilation - wd.padBegin;
      const [xLo, xHi] = validRange(W, ow, sw, offX);
      for (let oy = yLo; oy < yHi; oy++) {
        const dst = oy * ow;
        const src = xOff + (oy * h.stride + offY) * W + offX;
        if (sw === 1) for (let ox = xLo; ox < xHi; ox++) acc[dst + ox] += wv * x[src + ox];
        else for (let ox = xLo, p = src + xLo * sw; ox < xHi; ox++, p += sw) acc[dst + ox] += wv * x[p];
      }
    }
  }
  for (let k = 0; k < oh * ow; k++) y[yOff + k] = acc[k];
}

function convInputs(inputs: readonly (RtTensor | undefined)[], ctx: KernelContext): { x: RtTensor; w: RtTensor; b?: RtTensor } {
  const x = requireFloat(inputs, 0, ctx, 'X'), w = requireFloat(inputs, 1, ctx, 'W');
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    throw kernelError(ctx, `only 1-D and 2-D convolution is supported, X has shape ${shapeText(x.shape)}`);
  }
  if (w.shape.length !== x.shape.length) throw kernelError(ctx, `W ${shapeText(w.shape)} does not match X ${shapeText(x.shape)}`);
  const b = inputs[2];
  return b ? { x, w, b } : { x, w };
}

const convKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const { x, w, b } = convInputs(inputs, ctx);
  const [N, C] = x.shape;
  const M = w.shape[0];
  const group = attrNumber(attrs, 'group', 1);
  const kernel = attrNumbers(attrs, 'kernel_shape') ?? w.shape.slice(2);
  if (C % group !== 0 || M % group !== 0 || w.shape[1] * group !== C) {
    throw kernelError(ctx, `X ${shapeText(x.shape)}, W ${shapeText(w.shape)} and group ${group} do not fit together`);
  }
  if (kernel.some((k, i) => k !== w.shape[2 + i])) throw kernelError(ctx, `kernel_shape [${kernel.join(',')}] disagrees with W ${shapeText(w.shape)}`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== M)) throw kernelError(ctx, `B ${shapeText(b.shape)} must be [${M}]`);
  const axes = windowAxes(x.shape.slice(2), kernel, attrs, ctx);
  const [h, wd] = as2d(axes);
  const Cg = C / group, Mg = M / group;
  const Kg = Cg * h.kernel * wd.kernel;
  const P = h.output * wd.output;
  const X = toFloat32(x), Wt = toFloat32(w);
  const Y = new Float32Array(N * M * P);
  const direct = h.kernel === 1 && wd.kernel === 1 && h.stride === 1 && wd.stride === 1
    && h.padBegin === 0 && h.padEnd === 0 && wd.padBegin === 0 && wd.padEnd === 0;
  const col = direct ? X : scratch(Kg * P);
  const HW = h.input * wd.input;
  if (Cg === 1 && Mg === 1) {
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < group; g++) depthwisePlane(X, (n * C + g) * HW, Wt, g * Kg, Y, (n * M + g) * P, h, wd);
    }
  } else for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      const xOff = (n * C + g * Cg) * HW;
      if (!direct) im2col(X, xOff, Cg, h, wd, col);
      matmulInto(Y, (n * M + g * Mg) * P, Wt, g * Mg * Kg, col, direct ? xOff : 0, Mg, Kg, P);
    }
  }
  if (b) {
    const B = toFloat32(b);
    for (let n = 0; n < N; n++) {
      for (let m = 0; m < M; m++) {
        const bias = B[m], o = (n * M + m) * P;
        for (let p = 0; p < P; p++) Y[o + p] += bias;
      }
    }
  }
  return [makeTensor('float32', [N, M, ...axes.map((a) => a.output)], Y)];
};

/** Output sizes and pads of ConvTranspose along each spatial axis. */
function transposeAxes(inputSpatial: readonly number[], kernel: readonly number[], attrs: Record<string, RtAttr>, ctx: KernelContext): AxisWindow[] {
  const r = inputSpatial.length;
  const strides = attrNumbers(attrs, 'strides') ?? new Array<number>(r).fill(1);
  const dilations = attrNumbers(attrs, 'dilations') ?? new Array<number>(r).fill(1);
  const outputPadding = attrNumbers(attrs, 'output_padding') ?? new Array<number>(r).fill(0);
  let outputShape = attrNumbers(attrs, 'output_shape');
  if (outputShape && outputShape.length === r + 2) outputShape = outputShape.slice(2);
  const pads = attrNumbers(attrs, 'pads') ?? new Array<number>(2 * r).fill(0);
  const autoPad = attrString(attrs, 'auto_pad', 'NOTSET');
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r || outputPadding.length !== r || (outputShape && outputShape.length !== r)) {
    throw kernelError(ctx, `strides/dilations/pads/output_padding/output_shape do not match ${r} spatial dimensions`);
  }
  const axes: AxisWindow[] = [];
  for (let i = 0; i < r; i++) {
    const input = inputSpatial[i], k = kernel[i], s = strides[i], d = dilations[i], adj = outputPadding[i];
    const span = (k - 1) * d + 1;
    const full = s * (input - 1) + adj + span;
    let padBegin = pads[i], padEnd = pads[i + r], output: number;
    if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      output = outputShape ? outputShape[i] : input * s;
      const total = Math.max(0, full - output);
      // The odd pad goes at the end under SAME_UPPER, at the start under SAME_LOWER and with
      // an explicit output_shape (onnxruntime).
      padBegin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      padEnd = total - padBegin;
    } else {
      if (autoPad === 'VALID') { padBegin = 0; padEnd = 0; }
      output = full - padBegin - padEnd;
    }
    if (output < 1) throw kernelError(ctx, `ConvTranspose output size ${output} along axis ${i} is not positive`);
    axes.push({ input, kernel: k, stride: s, dilation: d, padBegin, padEnd, output });
  }
  return axes;
}

const convTransposeKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const { x, w, b } = convInputs(inputs, ctx);
  const [N, C] = x.shape;
  const group = attrNumber(attrs, 'group', 1);
  if (w.shape[0] !== C || C % group !== 0) throw kernelError(ctx, `W ${shapeText(w.shape)} does not fit X ${shapeText(x.shape)} with group ${group}`);
  const Mg = w.shape[1], M = Mg * group, Cg = C / group;
  const kernel = attrNumbers(attrs, 'kernel_shape') ?? w.shape.slice(2);
  if (b && (b.shape.length !== 1 || b.shape[0] !== M)) throw kernelError(ctx, `B ${shapeText(b.shape)} must be [${M}]`);
  const axes = transposeAxes(x.shape.slice(2), kernel, attrs, ctx);
  const [h, wd] = as2d(axes);
  const kk = h.kernel * wd.kernel;
  const HW = h.input * wd.input;
  const OH = h.output, OW = wd.output, OP = OH * OW;
  const X = toFloat32(x), W = toFloat32(w);
  const Y = new Float32Array(N * M * OP);
  const col = scratch(Mg * kk * HW);
  const wT: Float32Array[] = [];
  for (let g = 0; g < group; g++) wT.push(transpose2d(W, Cg, Mg * kk, g * Cg * Mg * kk));
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      matmulInto(col, 0, wT[g], 0, X, (n * C + g * Cg) * HW, Mg * kk, Cg, HW);
      // col2im: row (m, i, j), column (iy, ix) lands on (iy·sh − pt + i·dh, ix·sw − pl + j·dw).
      for (let m = 0; m < Mg; m++) {
        const plane = (n * M + g * Mg + m) * OP;
        for (let i = 0; i < h.kernel; i++) {
          const offY = i * h.dilation - h.padBegin;
          const [yLo, yHi] = validRange(OH, h.input, h.stride, offY);
          for (let j = 0; j < wd.kernel; j++) {
            const offX = j * wd.dilation - wd.padBegin;
            const [xLo, xHi] = validRange(OW, wd.input, wd.stride, offX);
            const row = ((m * h.kernel + i) * wd.kernel + j) * HW;
            for (let iy = yLo; iy < yHi; iy++) {
              const dst = plane + (iy * h.stride + offY) * OW + offX;
              const src = row + iy * wd.input;
              for (let ix = xLo, p = dst + xLo * wd.stride; ix < xHi; ix++, p += wd.stride) Y[p] += col[src + ix];
            }
          }
        }
      }
    }
  }
  if (b) {
    const B = toFloat32(b);
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
      const o = (n * M + m) * OP, bias = B[m];
      for (let p = 0; p < OP; p++) Y[o + p] += bias;
    }
  }
  return [makeTensor('float32', [N, M, ...axes.map((a) => a.output)], Y)];
};

export const convKernels: Record<string, DigitalKernel> = {
  Conv: convKernel,
  ConvTranspose: convTransposeKernel,
};
