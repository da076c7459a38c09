/**
 * Pooling: MaxPool (with optional Indices), AveragePool, LpPool over 1-D and 2-D windows
 * (pads, strides, dilations, ceil_mode, auto_pad), and the global variants over all spatial
 * dimensions.
 */
import { makeTensor, shapeText, sizeOf, toFloat32 } from '../../../base/rt-tensor.js';
import { as2d, windowAxes, type AxisWindow } from './conv.js';
import { attrNumber, attrNumbers, kernelError, requireFloat, type DigitalKernel } from './types.js';

type PoolKind = 'max' | 'average' | 'lp';

/** Per output index: first input position and the tap range that lands inside the input. */
function taps(a: AxisWindow): { start: Int32Array; lo: Int32Array; hi: Int32Array; padded: Int32Array } {
  const start = new Int32Array(a.output), lo = new Int32Array(a.output), hi = new Int32Array(a.output), padded = new Int32Array(a.output);
  for (let o = 0; o < a.output; o++) {
    const s = o * a.stride - a.padBegin;
    start[o] = s;
    // taps t with 0 ≤ s + t·d < input
    const l = Math.max(0, Math.ceil(-s / a.dilation));
    const h = Math.min(a.kernel, Math.floor((a.input - 1 - s) / a.dilation) + 1);
    lo[o] = l;
    hi[o] = Math.max(l, h);
    // taps inside the padded extent [−padBegin, input + padEnd)
    const pl = Math.max(0, Math.ceil((-a.padBegin - s) / a.dilation));
    const ph = Math.min(a.kernel, Math.floor((a.input + a.padEnd - 1 - s) / a.dilation) + 1);
    padded[o] = Math.max(0, ph - pl);
  }
  return { start, lo, hi, padded };
}

type Taps = ReturnType<typeof taps>;

function maxPlane(
  X: Float32Array, xb: number, Y: Float32Array, yb: number, I: Float64Array | undefined, base: number, columnMajor: boolean,
  H: number, W: number, OH: number, OW: number, ty: Taps, tx: Taps, dh: number, dw: number,
): void {
  for (let oy = 0, o = yb; oy < OH; oy++) {
    const sy = ty.start[oy], ylo = ty.lo[oy], yhi = ty.hi[oy];
    for (let ox = 0; ox < OW; ox++, o++) {
      const sx = tx.start[ox], xlo = tx.lo[ox], xhi = tx.hi[ox];
      let best = -Infinity, at = -1;
      for (let i = ylo; i < yhi; i++) {
        const row = xb + (sy + i * dh) * W + sx;
        for (let j = xlo; j < xhi; j++) {
          const v = X[row + j * dw];
          if (v > best || at < 0) { best = v; at = row + j * dw; }
        }
      }
      Y[o] = best;
      if (I) {
        const k = at - xb, iy = Math.floor(k / W), ix = k - iy * W;
        I[o] = base + (columnMajor ? ix * H + iy : k);
      }
    }
  }
}

function averagePlane(
  X: Float32Array, xb: number, Y: Float32Array, yb: number, W: number, OH: number, OW: number,
  ty: Taps, tx: Taps, dh: number, dw: number, includePad: boolean,
): void {
  for (let oy = 0, o = yb; oy < OH; oy++) {
    const sy = ty.start[oy], ylo = ty.lo[oy], yhi = ty.hi[oy];
    for (let ox = 0; ox < OW; ox++, o++) {
      const sx = tx.start[ox], xlo = tx.lo[ox], xhi = tx.hi[ox];
      let sum = 0;
      for (let i = ylo; i < yhi; i++) {
        const row = xb + (sy + i * dh) * W + sx;
        for (let j = xlo; j < xhi; j++) sum += X[row + j * dw];
      }
      const count = includePad ? ty.padded[oy] * tx.padded[ox] : (yhi - ylo) * (xhi - xlo);
      Y[o] = count > 0 ? sum / count : 0;
    }
  }
}

function lpPlane(
  X: Float32Array, xb: number, Y: Float32Array, yb: number, W: number, OH: number, OW: number,
  ty: Taps, tx: Taps, dh: number, dw: number, p: number,
): void {
  for (let oy = 0, o = yb; oy < OH; oy++) {
    const sy = ty.start[oy], ylo = ty.lo[oy], yhi = ty.hi[oy];
    for (let ox = 0; ox < OW; ox++, o++) {
      const sx = tx.start[ox], xlo = tx.lo[ox], xhi = tx.hi[ox];
      let sum = 0;
      for (let i = ylo; i < yhi; i++) {
        const row = xb + (sy + i * dh) * W + sx;
        for (let j = xlo; j < xhi; j++) sum += Math.pow(Math.abs(X[row + j * dw]), p);
      }
      Y[o] = Math.pow(sum, 1 / p);
    }
  }
}

function poolKernel(kind: PoolKind): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireFloat(inputs, 0, ctx, 'X');
    if (x.shape.length !== 3 && x.shape.length !== 4) {
      throw kernelError(ctx, `only 1-D and 2-D pooling is supported, X has shape ${shapeText(x.shape)}`);
    }
    const kernel = attrNumbers(attrs, 'kernel_shape');
    if (!kernel) throw kernelError(ctx, 'kernel_shape is required');
    const ceilMode = attrNumber(attrs, 'ceil_mode', 0) !== 0;
    const axes = windowAxes(x.shape.slice(2), kernel, attrs, ctx, ceilMode);
    const [h, w] = as2d(axes);
    const [N, C] = x.shape;
    const H = h.input, W = w.input, OH = h.output, OW = w.output;
    const X = toFloat32(x);
    const Y = new Float32Array(N * C * OH * OW);
    const ty = taps(h), tx = taps(w);
    const dh = h.dilation, dw = w.dilation;
    const includePad = attrNumber(attrs, 'count_include_pad', 0) !== 0;
    const p = attrNumber(attrs, 'p', 2);
    // Indices (second output) only when the node asks for them.
    const I = kind === 'max' && (ctx.outputCount ?? 2) > 1 ? new Float64Array(Y.length) : undefined;
    const columnMajor = attrNumber(attrs, 'storage_order', 0) !== 0;
    for (let plane = 0; plane < N * C; plane++) {
      const xb = plane * H * W, yb = plane * OH * OW;
      if (kind === 'max') maxPlane(X, xb, Y, yb, I, plane * H * W, columnMajor, H, W, OH, OW, ty, tx, dh, dw);
      else if (kind === 'average') averagePlane(X, xb, Y, yb, W, OH, OW, ty, tx, dh, dw, includePad);
      else lpPlane(X, xb, Y, yb, W, OH, OW, ty, tx, dh, dw, p);
    }
    const shape = [N, C, ...axes.map((a) => a.output)];
    const out = [makeTensor('float32', shape, Y)];
    if (I) out.push(makeTensor('int64', shape, BigInt64Array.from(I, (v) => BigInt(v))));
    return out;
  };
}

function globalPoolKernel(kind: PoolKind): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireFloat(inputs, 0, ctx, 'X');
    if (x.shape.length < 3) throw kernelError(ctx, `X must have spatial dimensions, got shape ${shapeText(x.shape)}`);
    const [N, C] = x.shape;
    const S = sizeOf(x.shape.slice(2));
    const X = toFloat32(x);
    const Y = new Float32Array(N * C);
    const p = attrNumber(attrs, 'p', 2);
    for (let plane = 0; plane < N * C; plane++) {
      const b = plane * S;
      if (kind === 'max') {
        let m = -Infinity;
        for (let i = 0; i < S; i++) if (X[b + i] > m) m = X[b + i];
        Y[plane] = m;
      } else if (kind === 'average') {
        let s = 0;
        for (let i = 0; i < S; i++) s += X[b + i];
        Y[plane] = s / S;
      } else {
        let s = 0;
        for (let i = 0; i < S; i++) s += Math.pow(Math.abs(X[b + i]), p);
        Y[plane] = Math.pow(s, 1 / p);
      }
    }
    return [makeTensor('float32', [N, C, ...x.shape.slice(2).map(() => 1)], Y)];
  };
}

export const poolingKernels: Record<string, DigitalKernel> = {
  MaxPool: poolKernel('max'),
  AveragePool: poolKernel('average'),
  LpPool: poolKernel('lp'),
  GlobalMaxPool: globalPoolKernel('max'),
  GlobalAveragePool: globalPoolKernel('average'),
  GlobalLpPool: globalPoolKernel('lp'),
};

