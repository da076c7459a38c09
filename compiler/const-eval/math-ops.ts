/**
 * Arithmetic evaluators with numpy broadcasting: Add, Sub, Mul, Div, Neg, Sqrt, Min, Max,
 * Equal, Where, ReduceProd. Integer results wrap like two's-complement machine integers
 * (typed-array stores do that); integer Div truncates toward zero; int64 stays BigInt.
 */
import { attrInt, attrInts } from '../ir/ir.js';
import { allocStorage, isFloatDType, sizeOf, type DType, type Tensor, type TensorStorage } from '../../base/tensor.js';
import { roundScalar, roundToDType } from '../../base/float-round.js';
import { broadcastIndex, broadcastShapes, stridedIndex, stridesOf, takeElements } from './layout.js';
import {
  checkFoldSize, ConstEvalError, input, intValues, isBigIntDType, isIntegerDType, normalizeAxes, optionalInput, sameDType, wrapInteger,
  type ConstEvaluator,
} from './types.js';

type NumberStorage = Exclude<TensorStorage, BigInt64Array | BigUint64Array | string[]>;
type BigStorage = BigInt64Array | BigUint64Array;

function requireNumeric(dtype: DType, op: string): void {
  if (dtype === 'string' || dtype === 'bool') throw new ConstEvalError(`${op} does not take ${dtype}`);
}

/** Broadcasts the inputs and returns the output shape with each input's source index per element. */
function broadcastAll(tensors: readonly Tensor[], op: string, maxCheck: (shape: number[]) => void): { shape: number[]; index: Int32Array[] } {
  const shape = broadcastShapes(tensors.map((t) => t.shape), op);
  maxCheck(shape);
  return { shape, index: tensors.map((t) => broadcastIndex(shape, t.shape)) };
}

interface BinaryRule {
  float(a: number, b: number): number;
  int(a: number, b: number, dtype: DType): number;
  big(a: bigint, b: bigint): bigint;
}

const is32 = (d: DType): boolean => d === 'int32' || d === 'uint32';

const rules: Readonly<Record<'Add' | 'Sub' | 'Mul' | 'Div', BinaryRule>> = {
  Add: { float: (a, b) => a + b, int: (a, b) => a + b, big: (a, b) => a + b },
  Sub: { float: (a, b) => a - b, int: (a, b) => a - b, big: (a, b) => a - b },
  // 32-bit products can exceed 2^53; Math.imul keeps the low 32 bits exactly.
  Mul: { float: (a, b) => a * b, int: (a, b, d) => (is32(d) ? Math.imul(a, b) : a * b), big: (a, b) => a * b },
  Div: {
    float: (a, b) => a / b,
    int: (a, b) => {
      if (b === 0) throw new ConstEvalError('integer division by zero');
      return Math.trunc(a / b);
    },
    big: (a, b) => {
      if (b === 0n) throw new ConstEvalError('integer division by zero');
      return a / b; // BigInt division truncates toward zero
    },
  },
};

function binary(op: keyof typeof rules): ConstEvaluator {
  const rule = rules[op];
  return (args) => {
    const a = input(args, 0, 'A');
    const b = input(args, 1, 'B');
    const dtype = sameDType([a, b], op);
    requireNumeric(dtype, op);
    const { shape, index: [ia, ib] } = broadcastAll([a, b], op, (s) => checkFoldSize(s, args));
    const n = sizeOf(shape);
    const data = allocStorage(dtype, n);
    if (isBigIntDType(dtype)) {
      const [x, y, out] = [a.data as BigStorage, b.data as BigStorage, data as BigStorage];
      for (let i = 0; i < n; i++) out[i] = rule.big(x[ia[i]], y[ib[i]]);
    } else {
      const [x, y, out] = [a.data as NumberStorage, b.data as NumberStorage, data as NumberStorage];
      if (isFloatDType(dtype)) for (let i = 0; i < n; i++) out[i] = rule.float(x[ia[i]], y[ib[i]]);
      else for (let i = 0; i < n; i++) out[i] = rule.int(x[ia[i]], y[ib[i]], dtype);
      roundToDType(dtype, data);
    }
    return [{ dtype, shape, data }];
  };
}

function unary(op: string, floatOnly: boolean, f: (x: number) => number, big: (x: bigint) => bigint): ConstEvaluator {
  return (args) => {
    const x = input(args, 0);
    requireNumeric(x.dtype, op);
    if (floatOnly && !isFloatDType(x.dtype)) throw new ConstEvalError(`${op} does not take ${x.dtype}`);
    const data = allocStorage(x.dtype, x.data.length);
    if (isBigIntDType(x.dtype)) {
      const [src, out] = [x.data as BigStorage, data as BigStorage];
      for (let i = 0; i < src.length; i++) out[i] = big(src[i]);
    } else {
      const [src, out] = [x.data as NumberStorage, data as NumberStorage];
      for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
      roundToDType(x.dtype, data);
    }
    return [{ dtype: x.dtype, shape: [...x.shape], data }];
  };
}

/** Variadic Min/Max; a NaN operand gives NaN. */
function extremum(op: 'Min' | 'Max'): ConstEvaluator {
  const better = op === 'Min' ? <T extends number | bigint>(a: T, b: T): boolean => b < a : <T extends number | bigint>(a: T, b: T): boolean => b > a;
  return (args) => {
    const parts = args.inputs.filter((t): t is Tensor => t !== undefined);
    if (!parts.length) throw new ConstEvalError(`${op} has no inputs`);
    const dtype = sameDType(parts, op);
    requireNumeric(dtype, op);
    const { shape, index } = broadcastAll(parts, op, (s) => checkFoldSize(s, args));
    const n = sizeOf(shape);
    const data = allocStorage(dtype, n);
    const out = data as unknown as (number | bigint)[];
    const sources = parts.map((t) => t.data as unknown as ArrayLike<number | bigint>);
    for (let i = 0; i < n; i++) {
      let best = sources[0][index[0][i]];
      for (let k = 1; k < sources.length; k++) {
        const v = sources[k][index[k][i]];
        if (v !== v || better(best, v)) best = v; // v !== v: NaN wins
        if (best !== best) break;
      }
      out[i] = best;
    }
    return [{ dtype, shape, data }];
  };
}

const equal: ConstEvaluator = (args) => {
  const a = input(args, 0, 'A');
  const b = input(args, 1, 'B');
  sameDType([a, b], 'Equal');
  const { shape, index: [ia, ib] } = broadcastAll([a, b], 'Equal', (s) => checkFoldSize(s, args));
  const n = sizeOf(shape);
  const out = new Uint8Array(n);
  const [x, y] = [a.data as unknown as ArrayLike<unknown>, b.data as unknown as ArrayLike<unknown>];
  for (let i = 0; i < n; i++) out[i] = x[ia[i]] === y[ib[i]] ? 1 : 0;
  return [{ dtype: 'bool', shape, data: out }];
};

const where: ConstEvaluator = (args) => {
  const cond = input(args, 0, 'condition');
  const x = input(args, 1, 'X');
  const y = input(args, 2, 'Y');
  if (cond.dtype !== 'bool') throw new ConstEvalError(`condition must be bool, got ${cond.dtype}`);
  sameDType([x, y], 'Where');
  const { shape, index: [ic, ix, iy] } = broadcastAll([cond, x, y], 'Where', (s) => checkFoldSize(s, args));
  const n = sizeOf(shape);
  // Index into the concatenation [x, y] so one takeElements does the copy.
  const both: Tensor = { dtype: x.dtype, shape: [x.data.length + y.data.length], data: concatStorage(x, y) };
  const c = cond.data as Uint8Array;
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = c[ic[i]] ? ix[i] : x.data.length + iy[i];
  return [takeElements(both, shape, index)];
};

function concatStorage(x: Tensor, y: Tensor): TensorStorage {
  const out = allocStorage(x.dtype, x.data.length + y.data.length);
  const o = out as unknown as { [i: number]: unknown };
  const [a, b] = [x.data as unknown as ArrayLike<unknown>, y.data as unknown as ArrayLike<unknown>];
  for (let i = 0; i < a.length; i++) o[i] = a[i];
  for (let i = 0; i < b.length; i++) o[a.length + i] = b[i];
  return out;
}

/** ReduceProd: axes from the attribute (opset < 18) or the input; keepdims; noop_with_empty_axes. */
const reduceProd: ConstEvaluator = (args) => {
  const data = input(args, 0);
  requireNumeric(data.dtype, 'ReduceProd');
  const rank = data.shape.length;
  const axesInput = optionalInput(args, 1);
  const axesRaw = axesInput ? intValues(axesInput, 'axes') : [...(attrInts(args.node, 'axes') ?? [])];
  const keepDims = attrInt(args.node, 'keepdims', 1) === 1;
  if (!axesRaw.length && attrInt(args.node, 'noop_with_empty_axes', 0) === 1) return [data];
  const axes = new Set(axesRaw.length ? normalizeAxes(axesRaw, rank) : data.shape.map((_, i) => i));
  const keptShape = data.shape.map((d, i) => (axes.has(i) ? 1 : d));
  const outShape = keepDims ? keptShape : data.shape.filter((_, i) => !axes.has(i));
  // Output slot of every input element: strides of the kept shape, 0 on reduced axes.
  const keptStrides = stridesOf(keptShape).map((s, i) => (axes.has(i) ? 0 : s));
  const slot = stridedIndex(data.shape, keptStrides);
  const n = sizeOf(outShape);
  const dtype = data.dtype;
  const out = allocStorage(dtype, n);
  if (isIntegerDType(dtype)) {
    const acc = new Array<bigint>(n).fill(1n);
    const src = data.data as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < slot.length; i++) acc[slot[i]] *= BigInt(src[i]);
    if (isBigIntDType(dtype)) (out as BigStorage).set(acc.map((v) => wrapInteger(v, dtype)));
    else (out as NumberStorage).set(acc.map((v) => Number(wrapInteger(v, dtype))));
  } else {
    const acc = new Array<number>(n).fill(1);
    const src = data.data as NumberStorage;
    for (let i = 0; i < slot.length; i++) acc[slot[i]] = roundScalar(dtype, acc[slot[i]] * src[i]);
    (out as NumberStorage).set(acc);
  }
  return [{ dtype, shape: outShape, data: out }];
};

export const mathEvaluators: Readonly<Record<string, ConstEvaluator>> = {
  Add: binary('Add'), Sub: binary('Sub'), Mul: binary('Mul'), Div: binary('Div'),
  Neg: unary('Neg', false, (x) => -x, (x) => -x),
  Sqrt: unary('Sqrt', true, Math.sqrt, () => { throw new ConstEvalError('Sqrt does not take integers'); }),
  Min: extremum('Min'), Max: extremum('Max'),
  Equal: equal, Where: where, ReduceProd: reduceProd,
};
