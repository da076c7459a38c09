/**
 * Elementwise kernels: activations and math (one tight loop per op), numpy-broadcasting
 * arithmetic, comparisons and logic, variadic Sum/Mean/Min/Max, Where, Clip, PRelu, Cast,
 * and the bitwise ops (QuantizeLinear/DequantizeLinear are in quantize.ts).
 *
 * float32 and float64 inputs are computed in their own array type. Integer inputs go through
 * float64 numbers and are stored back with C semantics (truncate toward zero, wrap), which is
 * exact for the |v| < 2^53 that shape arithmetic uses.
 */
import {
  allocData, castTensor, fromNumbers, makeTensor, rtDTypeByOnnxCode, shapeText, sizeOf, toFloat64,
  type FloatArray, type NumberArray, type RtData, type RtDType, type RtTensor,
} from '../../../base/rt-tensor.js';
import { broadcastShapes, forEachRun } from './broadcast.js';
import {
  attrNumber, attrString, kernelError, requireInput, scalarOf,
  type DigitalKernel, type KernelContext, type RtAttr,
} from './types.js';

// ---- special functions --------------------------------------------------------------

/** erf with absolute error below 1.2e-7 (Numerical Recipes' Chebyshev fit of erfc). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/** Round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

// ---- unary ------------------------------------------------------------------------------

type UnaryLoop = (x: FloatArray, y: FloatArray, attrs: Record<string, RtAttr>) => void;

const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

const unaryLoops: Record<string, UnaryLoop> = {
  Relu: (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v > 0 ? v : 0; } },
  LeakyRelu: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', 0.01);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v >= 0 ? v : alpha * v; }
  },
  Sigmoid: (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); y[i] = e / (1 + e); }
    }
  },
  HardSigmoid: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', 0.2), beta = attrNumber(a, 'beta', 0.5);
    for (let i = 0; i < x.length; i++) { const v = alpha * x[i] + beta; y[i] = v < 0 ? 0 : v > 1 ? 1 : v; }
  },
  HardSwish: (x, y) => {
    for (let i = 0; i < x.length; i++) { const v = x[i]; const h = v / 6 + 0.5; y[i] = h <= 0 ? 0 : h >= 1 ? v : v * h; }
  },
  Tanh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]); },
  Exp: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]); },
  Log: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]); },
  Sqrt: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]); },
  Neg: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = -x[i]; },
  Abs: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]); },
  Sign: (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v > 0 ? 1 : v < 0 ? -1 : v; } },
  Erf: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = erf(x[i]); },
  Floor: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.floor(x[i]); },
  Ceil: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.ceil(x[i]); },
  Round: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = roundHalfEven(x[i]); },
  Reciprocal: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = 1 / x[i]; },
  Softplus: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = softplus(x[i]); },
  Softsign: (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v / (1 + Math.abs(v)); } },
  Elu: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', 1);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v >= 0 ? v : alpha * Math.expm1(v); }
  },
  Selu: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', SELU_ALPHA), gamma = attrNumber(a, 'gamma', SELU_GAMMA);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v > 0 ? gamma * v : gamma * alpha * Math.expm1(v); }
  },
  Celu: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', 1);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v > 0 ? v : alpha * Math.expm1(v / alpha); }
  },
  ThresholdedRelu: (x, y, a) => {
    const alpha = attrNumber(a, 'alpha', 1);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v > alpha ? v : 0; }
  },
  Shrink: (x, y, a) => {
    const bias = attrNumber(a, 'bias', 0), lambd = attrNumber(a, 'lambd', 0.5);
    for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v < -lambd ? v + bias : v > lambd ? v - bias : 0; }
  },
  Gelu: (x, y, a) => {
    if (attrString(a, 'approximate', 'none') === 'tanh') {
      const c = Math.sqrt(2 / Math.PI);
      for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v))); }
    } else {
      for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2)); }
    }
  },
  Mish: (x, y) => { for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = v * Math.tanh(softplus(v)); } },
  Sin: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]); },
  Cos: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.cos(x[i]); },
  Tan: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.tan(x[i]); },
  Asin: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.asin(x[i]); },
  Acos: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.acos(x[i]); },
  Atan: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.atan(x[i]); },
  Sinh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.sinh(x[i]); },
  Cosh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.cosh(x[i]); },
  Asinh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.asinh(x[i]); },
  Acosh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.acosh(x[i]); },
  Atanh: (x, y) => { for (let i = 0; i < x.length; i++) y[i] = Math.atanh(x[i]); },
};

/** Ops defined on integers too (computed through float64 numbers). */
const integerUnary = new Set(['Relu', 'Neg', 'Abs', 'Sign', 'LeakyRelu']);

function unaryKernel(op: string, loop: UnaryLoop): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const x = requireInput(inputs, 0, ctx, 'X');
    if (x.data instanceof Float32Array || x.data instanceof Float64Array) {
      const y = x.data instanceof Float32Array ? new Float32Array(x.data.length) : new Float64Array(x.data.length);
      loop(x.data, y, attrs);
      return [makeTensor(x.dtype, x.shape, y)];
    }
    if (!integerUnary.has(op)) throw kernelError(ctx, `${op} needs a float input, got ${x.dtype}`);
    const v = toFloat64(x);
    const y = new Float64Array(v.length);
    loop(v, y, attrs);
    return [makeTensor(x.dtype, x.shape, fromNumbers(x.dtype, y))];
  };
}

// ---- binary with broadcasting -----------------------------------------------------------

/** y[o..o+n) = f(a[ai + i·as], b[bi + i·bs]). */
type BinaryRun = (y: NumberArray, o: number, a: FloatArray, ai: number, as: number, b: FloatArray, bi: number, bs: number, n: number) => void;

const arithmeticRuns: Record<string, BinaryRun> = {
  Add: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] + b[bi]; },
  Sub: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] - b[bi]; },
  Mul: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] * b[bi]; },
  Div: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] / b[bi]; },
  Pow: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = Math.pow(a[ai], b[bi]); },
  Max: (y, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++, ai += as, bi += bs) { const p = a[ai], q = b[bi]; y[o + i] = p >= q || p !== p ? p : q; }
  },
  Min: (y, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++, ai += as, bi += bs) { const p = a[ai], q = b[bi]; y[o + i] = p <= q || p !== p ? p : q; }
  },
};

/** C fmod (fmod = 1) keeps the dividend's sign; Python % (fmod = 0) the divisor's. */
const modRun = (fmod: boolean): BinaryRun => (y, o, a, ai, as, b, bi, bs, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const p = a[ai], q = b[bi];
    let r = p % q;
    if (!fmod && r !== 0 && (r < 0) !== (q < 0)) r += q;
    y[o + i] = r;
  }
};

const compareRuns: Record<string, BinaryRun> = {
  Equal: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] === b[bi] ? 1 : 0; },
  Less: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] < b[bi] ? 1 : 0; },
  Greater: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] > b[bi] ? 1 : 0; },
  LessOrEqual: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] <= b[bi] ? 1 : 0; },
  GreaterOrEqual: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] >= b[bi] ? 1 : 0; },
  And: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] !== 0 && b[bi] !== 0 ? 1 : 0; },
  Or: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = a[ai] !== 0 || b[bi] !== 0 ? 1 : 0; },
  Xor: (y, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) y[o + i] = (a[ai] !== 0) !== (b[bi] !== 0) ? 1 : 0; },
};

/** The elements as a float array: float32/float64 as they are, everything else as float64. */
function floatView(t: RtTensor): FloatArray {
  return t.data instanceof Float32Array || t.data instanceof Float64Array ? t.data : toFloat64(t);
}

/**
 * Broadcasts a and b onto their common shape and applies `run`. The result has `outDType`;
 * when that is not a float type it is computed in float64 and converted.
 */
export function broadcastBinary(a: RtTensor, b: RtTensor, outDType: RtDType, run: BinaryRun, ctx: KernelContext): RtTensor {
  const shape = broadcastShapes([a.shape, b.shape], ctx);
  const n = sizeOf(shape);
  let av = floatView(a), bv = floatView(b);
  const direct = outDType === 'float32' || outDType === 'float64' || outDType === 'bool';
  if (outDType === 'float32' && !(av instanceof Float32Array)) av = Float32Array.from(av);
  if (outDType === 'float32' && !(bv instanceof Float32Array)) bv = Float32Array.from(bv);
  const y: NumberArray = direct ? (allocData(outDType, n) as NumberArray) : new Float64Array(n);
  if (a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) {
    run(y, 0, av, 0, 1, bv, 0, 1, n);
  } else {
    forEachRun(shape, [a.shape, b.shape], (o, offs, len, st) => run(y, o, av, offs[0], st[0], bv, offs[1], st[1], len));
  }
  return makeTensor(outDType, shape, direct ? y : fromNumbers(outDType, y));
}

function sameDTypes(a: RtTensor, b: RtTensor, ctx: KernelContext): void {
  if (a.dtype !== b.dtype) throw kernelError(ctx, `inputs have different types (${a.dtype} and ${b.dtype})`);
}

function arithmeticKernel(op: string): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const a = requireInput(inputs, 0, ctx, 'A'), b = requireInput(inputs, 1, ctx, 'B');
    if (op !== 'Pow') sameDTypes(a, b, ctx);
    if (a.dtype === 'bool') throw kernelError(ctx, `${op} is not defined on bool`);
    const run = op === 'Mod' ? modRun(attrNumber(attrs, 'fmod', 0) === 1) : arithmeticRuns[op];
    return [broadcastBinary(a, b, a.dtype, run, ctx)];
  };
}

function compareKernel(op: string): DigitalKernel {
  return (inputs, _attrs, ctx) => {
    const a = requireInput(inputs, 0, ctx, 'A'), b = requireInput(inputs, 1, ctx, 'B');
    sameDTypes(a, b, ctx);
    return [broadcastBinary(a, b, 'bool', compareRuns[op], ctx)];
  };
}

/** Sum/Mean/Min/Max over any number of broadcasting inputs, folded left to right. */
function variadicKernel(op: 'Sum' | 'Mean' | 'Min' | 'Max'): DigitalKernel {
  const run = arithmeticRuns[op === 'Sum' || op === 'Mean' ? 'Add' : op];
  return (inputs, _attrs, ctx) => {
    const xs = inputs.filter((t): t is RtTensor => t !== undefined);
    if (xs.length === 0) throw kernelError(ctx, `${op} needs at least one input`);
    let acc = xs[0];
    for (let i = 1; i < xs.length; i++) {
      sameDTypes(acc, xs[i], ctx);
      acc = broadcastBinary(acc, xs[i], acc.dtype, run, ctx);
    }
    if (xs.length === 1) acc = makeTensor(acc.dtype, acc.shape, acc.data.slice());
    if (op === 'Mean' && xs.length > 1) {
      const count = makeTensor(acc.dtype, [], fromNumbers(acc.dtype, [xs.length]));
      acc = broadcastBinary(acc, count, acc.dtype, arithmeticRuns.Div, ctx);
    }
    return [acc];
  };
}

// ---- the rest ---------------------------------------------------------------------------

const notKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const y = new Uint8Array(x.data.length);
  const d = x.data as NumberArray;
  for (let i = 0; i < y.length; i++) y[i] = d[i] ? 0 : 1;
  return [makeTensor('bool', x.shape, y)];
};

/** Copies elements of same-typed arrays (works for BigInt64Array too). */
type Slots = { [index: number]: number };
const slots = (d: RtData): Slots => d as unknown as Slots;

const whereKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const c = requireInput(inputs, 0, ctx, 'condition'), x = requireInput(inputs, 1, ctx, 'X'), z = requireInput(inputs, 2, ctx, 'Y');
  sameDTypes(x, z, ctx);
  const shape = broadcastShapes([c.shape, x.shape, z.shape], ctx);
  const out = allocData(x.dtype, sizeOf(shape));
  const cd = c.data as NumberArray, xd = slots(x.data), zd = slots(z.data), yd = slots(out);
  forEachRun(shape, [c.shape, x.shape, z.shape], (o, offs, n, st) => {
    let ci = offs[0], xi = offs[1], zi = offs[2];
    const cs = st[0], xs = st[1], zs = st[2];
    for (let i = 0; i < n; i++, ci += cs, xi += xs, zi += zs) yd[o + i] = cd[ci] ? xd[xi] : zd[zi];
  });
  return [makeTensor(x.dtype, shape, out)];
};

/** Clip: min/max attributes before opset 11, optional scalar inputs since. */
const clipKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  let lo = -Infinity, hi = Infinity;
  if (ctx.opset < 11) {
    lo = attrNumber(attrs, 'min', -Infinity);
    hi = attrNumber(attrs, 'max', Infinity);
  } else {
    if (inputs[1]) lo = scalarOf(inputs[1], ctx, 'min');
    if (inputs[2]) hi = scalarOf(inputs[2], ctx, 'max');
  }
  if (x.data instanceof Float32Array || x.data instanceof Float64Array) {
    const d = x.data;
    const y = d instanceof Float32Array ? new Float32Array(d.length) : new Float64Array(d.length);
    if (d instanceof Float32Array) { lo = Math.fround(lo); hi = Math.fround(hi); }
    for (let i = 0; i < d.length; i++) { const v = d[i]; y[i] = v < lo ? lo : v > hi ? hi : v; }
    return [makeTensor(x.dtype, x.shape, y)];
  }
  const v = toFloat64(x);
  for (let i = 0; i < v.length; i++) v[i] = v[i] < lo ? lo : v[i] > hi ? hi : v[i];
  return [makeTensor(x.dtype, x.shape, fromNumbers(x.dtype, v))];
};

/** PRelu: y = x < 0 ? slope·x : x, the slope broadcast onto X. */
const preluKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X'), s = requireInput(inputs, 1, ctx, 'slope');
  const shape = broadcastShapes([x.shape, s.shape], ctx);
  if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i])) {
    throw kernelError(ctx, `slope ${shapeText(s.shape)} does not broadcast onto X ${shapeText(x.shape)}`);
  }
  const run: BinaryRun = (y, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++, ai += as, bi += bs) { const v = a[ai]; y[o + i] = v < 0 ? v * b[bi] : v; }
  };
  return [broadcastBinary(x, s, x.dtype, run, ctx)];
};

/** Nearest IEEE half of x (ties to even), as a number; for Cast to float16. */
function roundToHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const quantum = 2 ** (e - 10);
  return Math.sign(x) * roundHalfEven(a / quantum) * quantum;
}

const castKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input');
  const code = attrNumber(attrs, 'to', -1);
  const to = rtDTypeByOnnxCode[code];
  if (!to) throw kernelError(ctx, `Cast to data type ${code} is not supported by the runtime`);
  // onnxruntime rounds a float before keeping its low 4 bits; the runtime's cast truncates.
  if ((to === 'int4' || to === 'uint4') && (x.dtype === 'float32' || x.dtype === 'float64')) {
    throw kernelError(ctx, `Cast from ${x.dtype} to ${to} is not supported by the runtime (QuantizeLinear makes 4-bit values)`);
  }
  const y = castTensor(x, to);
  const out = y === x ? makeTensor(x.dtype, x.shape, x.data.slice()) : y;
  if (code === 10 || code === 16) {
    const d = out.data as Float32Array;
    const bits = new Uint32Array(d.buffer, d.byteOffset, d.length);
    if (code === 10) for (let i = 0; i < d.length; i++) d[i] = roundToHalf(d[i]);
    else for (let i = 0; i < d.length; i++) { const u = bits[i]; if (d[i] === d[i]) bits[i] = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000; }
  }
  return [out];
};

const castLikeKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'input'), like = requireInput(inputs, 1, ctx, 'target_type');
  if ((like.dtype === 'int4' || like.dtype === 'uint4') && (x.dtype === 'float32' || x.dtype === 'float64')) {
    throw kernelError(ctx, `CastLike from ${x.dtype} to ${like.dtype} is not supported by the runtime (QuantizeLinear makes 4-bit values)`);
  }
  const y = castTensor(x, like.dtype);
  return [y === x ? makeTensor(x.dtype, x.shape, x.data.slice()) : y];
};

const identityKernel: DigitalKernel = (inputs, _attrs, ctx) => [requireInput(inputs, 0, ctx, 'input')];

/** Dropout at inference: the input, and a mask of ones (T before opset 10, bool since). */
const dropoutKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'data');
  if (inputs[2] && scalarOf(inputs[2], ctx, 'training_mode') !== 0) throw kernelError(ctx, 'Dropout in training mode is not supported');
  const maskType: RtDType = ctx.opset < 10 ? x.dtype : 'bool';
  const mask = makeTensor(maskType, x.shape, fromNumbers(maskType, new Float64Array(x.data.length).fill(1)));
  return [x, mask];
};

const isNaNKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const d = x.data as NumberArray, y = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) y[i] = d[i] !== d[i] ? 1 : 0;
  return [makeTensor('bool', x.shape, y)];
};

const isInfKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  const pos = attrNumber(attrs, 'detect_positive', 1) !== 0, neg = attrNumber(attrs, 'detect_negative', 1) !== 0;
  const d = x.data as NumberArray, y = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) y[i] = (pos && d[i] === Infinity) || (neg && d[i] === -Infinity) ? 1 : 0;
  return [makeTensor('bool', x.shape, y)];
};

// ---- bitwise ----------------------------------------------------------------------------------

function bitwiseKernel(op: 'BitwiseAnd' | 'BitwiseOr' | 'BitwiseXor' | 'BitShift'): DigitalKernel {
  return (inputs, attrs, ctx) => {
    const a = requireInput(inputs, 0, ctx, 'A'), b = requireInput(inputs, 1, ctx, 'B');
    sameDTypes(a, b, ctx);
    if (a.dtype === 'float32' || a.dtype === 'float64' || a.dtype === 'bool') throw kernelError(ctx, `${op} needs integer inputs, got ${a.dtype}`);
    const left = attrString(attrs, 'direction', 'LEFT') === 'LEFT';
    const shape = broadcastShapes([a.shape, b.shape], ctx);
    const out = allocData(a.dtype, sizeOf(shape));
    const big = (v: bigint, w: bigint): bigint => {
      switch (op) {
        case 'BitwiseAnd': return v & w;
        case 'BitwiseOr': return v | w;
        case 'BitwiseXor': return v ^ w;
        default: return left ? BigInt.asIntN(64, v << w) : BigInt.asUintN(64, v) >> w;
      }
    };
    const ad = a.data, bd = b.data;
    forEachRun(shape, [a.shape, b.shape], (o, offs, n, st) => {
      for (let i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) {
        if (out instanceof BigInt64Array) out[o + i] = BigInt.asIntN(64, big((ad as BigInt64Array)[p], (bd as BigInt64Array)[q]));
        else {
          const v = (ad as NumberArray)[p], w = (bd as NumberArray)[q];
          (out as NumberArray)[o + i] = op === 'BitwiseAnd' ? v & w : op === 'BitwiseOr' ? v | w : op === 'BitwiseXor' ? v ^ w
            : left ? v << w : (a.dtype === 'uint8' ? v >>> w : v >> w);
        }
      }
    });
    return [makeTensor(a.dtype, shape, out)];
  };
}

const bitwiseNotKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const x = requireInput(inputs, 0, ctx, 'X');
  if (x.data instanceof BigInt64Array) return [makeTensor(x.dtype, x.shape, x.data.map((v) => ~v))];
  if (x.dtype === 'float32' || x.dtype === 'float64' || x.dtype === 'bool') throw kernelError(ctx, `BitwiseNot needs an integer input, got ${x.dtype}`);
  const d = x.data as NumberArray, out = allocData(x.dtype, d.length) as NumberArray;
  for (let i = 0; i < d.length; i++) out[i] = ~d[i];
  return [makeTensor(x.dtype, x.shape, out)];
};

export const pointwiseKernels: Record<string, DigitalKernel> = {
  ...Object.fromEntries(Object.entries(unaryLoops).map(([op, loop]) => [op, unaryKernel(op, loop)])),
  Add: arithmeticKernel('Add'), Sub: arithmeticKernel('Sub'), Mul: arithmeticKernel('Mul'), Div: arithmeticKernel('Div'),
  Pow: arithmeticKernel('Pow'), Mod: arithmeticKernel('Mod'),
  Equal: compareKernel('Equal'), Less: compareKernel('Less'), Greater: compareKernel('Greater'),
  LessOrEqual: compareKernel('LessOrEqual'), GreaterOrEqual: compareKernel('GreaterOrEqual'),
  And: compareKernel('And'), Or: compareKernel('Or'), Xor: compareKernel('Xor'), Not: notKernel,
  Sum: variadicKernel('Sum'), Mean: variadicKernel('Mean'), Min: variadicKernel('Min'), Max: variadicKernel('Max'),
  Where: whereKernel, Clip: clipKernel, PRelu: preluKernel,
  Cast: castKernel, CastLike: castLikeKernel, Identity: identityKernel, Dropout: dropoutKernel,
  IsNaN: isNaNKernel, IsInf: isInfKernel,
  BitwiseAnd: bitwiseKernel('BitwiseAnd'), BitwiseOr: bitwiseKernel('BitwiseOr'), BitwiseXor: bitwiseKernel('BitwiseXor'),
  BitShift: bitwiseKernel('BitShift'), BitwiseNot: bitwiseNotKernel,
};

