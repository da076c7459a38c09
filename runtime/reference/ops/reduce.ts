/**
 * Reductions and axis-wise ops: ReduceMean/Sum/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare,
 * ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax, TopK, CumSum.
 *
 * Reductions accumulate in float64 and give the input's dtype. Axes are an attribute before
 * opset 18 (ReduceSum: 13) and an optional input since.
 */
import {
  fromNumbers, isFloatDType, makeTensor, sizeOf, toFloat32, toFloat64, toNumbers,
  type FloatArray,
} from '../../../base/rt-tensor.js';
import { forEachRun } from './broadcast.js';
import {
  attrNumber, attrNumbers, kernelError, normalizeAxes, normalizeAxis, requireFloat, requireInput, scalarOf,
  type DigitalKernel,
} from './types.js';

type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'l1' | 'l2' | 'logsum' | 'logsumexp' | 'sumsquare';

const reduceOps: Record<string, ReduceOp> = {
  ReduceSum: 'sum', ReduceMean: 'mean', ReduceMax: 'max', ReduceMin: 'min', ReduceProd: 'prod',
  ReduceL1: 'l1', ReduceL2: 'l2', ReduceLogSum: 'logsum', ReduceLogSumExp: 'logsumexp', ReduceSumSquare: 'sumsquare',
};

const initial: Record<ReduceOp, number> = {
  sum: 0, mean: 0, max: -Infinity, min: Infinity, prod: 1, l1: 0, l2: 0, logsum: 0, logsumexp: 0, sumsquare: 0,
};

/** Folds x (shape `shape`) into acc (shape `keep`, 1 on reduced axes). */
function accumulate(x: FloatArray, shape: readonly number[], keep: readonly number[], acc: Float64Array, op: ReduceOp, shift?: Float64Array): void {
  forEachRun(shape, [keep], (xi, offs, n, st) => {
    let a = offs[0];
    const s = st[0];
    switch (op) {
      case 'sum': case 'mean': case 'logsum':
        if (s === 0) { let t = 0; for (let i = 0; i < n; i++) t += x[xi + i]; acc[a] += t; } else for (let i = 0; i < n; i++, a += s) acc[a] += x[xi + i];
        break;
      case 'max': for (let i = 0; i < n; i++, a += s) { const v = x[xi + i]; if (v > acc[a] || v !== v) acc[a] = v; } break;
      case 'min': for (let i = 0; i < n; i++, a += s) { const v = x[xi + i]; if (v < acc[a] || v !== v) acc[a] = v; } break;
      case 'prod': for (let i = 0; i < n; i++, a += s) acc[a] *= x[xi + i]; break;
      case 'l1': for (let i = 0; i < n; i++, a += s) acc[a] += Math.abs(x[xi + i]); break;
      case 'l2': case 'sumsquare': for (let i = 0; i < n; i++, a += s) { const v = x[xi + i]; acc[a] += v * v; } break;
      case 'logsumexp': for (let i = 0; i < n; i++, a += s) acc[a] += Math.exp(x[xi + i] - shift![a]); break;
    }
  });
}

function reduceKernel(opType: string): DigitalKernel {
  const op = reduceOps[opType];
  return (inputs, attrs, ctx) => {
    const x = requireInput(inputs, 0, ctx, 'data');
    const r = x.shape.length;
    const axesFromInput = ctx.opset >= (opType === 'ReduceSum' ? 13 : 18);
    let axes = axesFromInput ? (inputs[1] ? toNumbers(inputs[1]) : undefined) : attrNumbers(attrs, 'axes');
    if (!axes || axes.length === 0) {
      if (attrNumber(attrs, 'noop_with_empty_axes', 0) !== 0) return [x];
      axes = Array.from({ length: r }, (_, i) => i);
    }
    const reduced = new Set(normalizeAxes(axes, r, ctx));
    const keepdims = attrNumber(attrs, 'keepdims', 1) !== 0;
    const keep = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
    const outShape = keepdims ? keep : x.shape.filter((_, i) => !reduced.has(i));
    const groups = sizeOf(keep);
    const count = groups === 0 ? 0 : sizeOf(x.shape) / groups;
    if (!isFloatDType(x.dtype) && !['sum', 'max', 'min', 'prod', 'mean', 'l1', 'sumsquare'].includes(op)) {
      throw kernelError(ctx, `${opType} needs a float input, got ${x.dtype}`);
    }
    const xv: FloatArray = x.data instanceof Float32Array || x.data instanceof Float64Array ? x.data : toFloat64(x);
    const acc = new Float64Array(groups).fill(initial[op]);
    if (op === 'logsumexp') {
      const peak = new Float64Array(groups).fill(-Infinity);
      accumulate(xv, x.shape, keep, peak, 'max');
      for (let g = 0; g < groups; g++) if (!Number.isFinite(peak[g])) peak[g] = 0;
      accumulate(xv, x.shape, keep, acc, op, peak);
      for (let g = 0; g < groups; g++) acc[g] = Math.log(acc[g]) + peak[g];
    } else {
      accumulate(xv, x.shape, keep, acc, op);
      if (op === 'mean') for (let g = 0; g < groups; g++) acc[g] /= count;
      else if (op === 'l2') for (let g = 0; g < groups; g++) acc[g] = Math.sqrt(acc[g]);
      else if (op === 'logsum') for (let g = 0; g < groups; g++) acc[g] = Math.log(acc[g]);
    }
    return [makeTensor(x.dtype, outShape, fromNumbers(x.dtype, acc))];
  };
}

/** Shape split around one axis: [outer, length, inner]. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function argKernel(largest: boolean): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireInput(inputs, 0, ctx, 'data');
    const axis = normalizeAxis(attrNumber(attrs, 'axis', 0), x.shape.length, ctx);
    const keepdims = attrNumber(attrs, 'keepdims', 1) !== 0;
    const last = attrNumber(attrs, 'select_last_index', 0) !== 0;
    const [outer, L, inner] = around(x.shape, axis);
    if (L === 0) throw kernelError(ctx, `cannot take ${largest ? 'ArgMax' : 'ArgMin'} over an empty axis`);
    const xv = x.data instanceof Float32Array || x.data instanceof Float64Array ? x.data : toFloat64(x);
    const out = new BigInt64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const b = o * L * inner + i;
        let best = xv[b], at = 0;
        for (let k = 1; k < L; k++) {
          const v = xv[b + k * inner];
          const better = largest ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
          if (better) { best = v; at = k; }
        }
        out[o * inner + i] = BigInt(at);
      }
    }
    const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return [makeTensor('int64', shape, out)];
  };
}

type SoftmaxKind = 'softmax' | 'logsoftmax' | 'hardmax';

/** Before opset 13 the input is flattened to 2-D at `axis` (default 1); since, one axis (default −1). */
function softmaxKernel(kind: SoftmaxKind): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireFloat(inputs, 0, ctx, 'input');
    const r = x.shape.length;
    const legacy = ctx.opset < 13;
    const axis = normalizeAxis(attrNumber(attrs, 'axis', legacy ? 1 : -1), r, ctx);
    const [outer, L, inner] = legacy ? [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis)), 1] : around(x.shape, axis);
    const X = toFloat32(x), Y = new Float32Array(X.length);
    const exps = new Float64Array(L);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const b = o * L * inner + i;
        let peak = -Infinity, at = 0;
        for (let k = 0, p = b; k < L; k++, p += inner) if (X[p] > peak) { peak = X[p]; at = k; }
        if (kind === 'hardmax') {
          Y[b + at * inner] = 1;
          continue;
        }
        let sum = 0;
        if (kind === 'softmax') {
          for (let k = 0, p = b; k < L; k++, p += inner) { const e = Math.exp(X[p] - peak); sum += e; exps[k] = e; }
          const inv = 1 / sum;
          for (let k = 0, p = b; k < L; k++, p += inner) Y[p] = exps[k] * inv;
        } else {
          for (let k = 0, p = b; k < L; k++, p += inner) sum += Math.exp(X[p] - peak);
          const ls = Math.log(sum);
          for (let k = 0, p = b; k < L; k++, p += inner) Y[p] = X[p] - peak - ls;
        }
      }
    }
    return [makeTensor('float32', x.shape, Y)];
  };
}

/** TopK: values and int64 indices along an axis; ties keep the lower index first. */
const topKKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const k = ctx.opset < 10 ? attrNumber(attrs, 'k', -1) : scalarOf(requireInput(inputs, 1, ctx, 'K'), ctx, 'K');
  const axis = normalizeAxis(attrNumber(attrs, 'axis', -1), x.shape.length, ctx);
  const largest = attrNumber(attrs, 'largest', 1) !== 0;
  const [outer, L, inner] = around(x.shape, axis);
  if (k < 0 || k > L) throw kernelError(ctx, `K ${k} is out of range for an axis of ${L}`);
  const xv = x.data instanceof Float32Array || x.data instanceof Float64Array ? x.data : toFloat64(x);
  const values = new Float64Array(outer * k * inner);
  const indices = new BigInt64Array(outer * k * inner);
  const order = new Array<number>(L);
  const slice = new Float64Array(L);
  const cmp = largest
    ? (a: number, b: number): number => (slice[b] - slice[a]) || a - b
    : (a: number, b: number): number => (slice[a] - slice[b]) || a - b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * L * inner + i;
      for (let j = 0; j < L; j++) { order[j] = j; slice[j] = xv[b + j * inner]; }
      order.sort(cmp);
      for (let j = 0; j < k; j++) {
        const dst = (o * k + j) * inner + i;
        values[dst] = slice[order[j]];
        indices[dst] = BigInt(order[j]);
      }
    }
  }
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return [makeTensor(x.dtype, shape, fromNumbers(x.dtype, values)), makeTensor('int64', shape, indices)];
};

const cumSumKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'x');
  const axis = normalizeAxis(scalarOf(requireInput(inputs, 1, ctx, 'axis'), ctx, 'axis'), x.shape.length, ctx);
  const exclusive = attrNumber(attrs, 'exclusive', 0) !== 0, reverse = attrNumber(attrs, 'reverse', 0) !== 0;
  const [outer, L, inner] = around(x.shape, axis);
  const xv = toFloat64(x);
  const y = new Float64Array(xv.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * L * inner + i;
      let s = 0;
      for (let j = 0; j < L; j++) {
        const p = b + (reverse ? L - 1 - j : j) * inner;
        if (exclusive) { y[p] = s; s += xv[p]; } else { s += xv[p]; y[p] = s; }
      }
    }
  }
  return [makeTensor(x.dtype, x.shape, fromNumbers(x.dtype, y))];
};

export const reduceKernels: Record<string, DigitalKernel> = {
  ...Object.fromEntries(Object.keys(reduceOps).map((op) => [op, reduceKernel(op)])),
  ArgMax: argKernel(true),
  ArgMin: argKernel(false),
  Softmax: softmaxKernel('softmax'),
  LogSoftmax: softmaxKernel('logsoftmax'),
  Hardmax: softmaxKernel('hardmax'),
  TopK: topKKernel,
  CumSum: cumSumKernel,
};
