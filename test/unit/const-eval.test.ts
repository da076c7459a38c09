/** Constant evaluators (compiler/const-eval): expected values, int64 edge cases, malformed inputs. */
import { describe, expect, it } from 'vitest';
import { ConstEvalError, ConstEvalSkip, constEvaluators, roundToFloat16 } from '../../compiler/const-eval/index.js';
import { halfToFloat } from '../../base/tensor.js';
import { bool, evalOp, f32, i32, i64, INT64_MAX, INT64_MIN, scalarI64, tensor } from '../helpers/const-eval-builders.js';
import type { Tensor } from '../../base/tensor.js';

const big = (t: Tensor): bigint[] => Array.from(t.data as BigInt64Array);
const nums = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>);
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('const-eval table', () => {
  it('has an evaluator for every op the brief lists', () => {
    const ops = ['Shape', 'Size', 'Gather', 'Concat', 'Unsqueeze', 'Squeeze', 'Cast', 'Reshape', 'Slice', 'Range', 'ConstantOfShape',
      'Add', 'Sub', 'Mul', 'Div', 'Equal', 'Where', 'Expand', 'Transpose', 'Neg', 'Sqrt', 'Min', 'Max', 'ReduceProd', 'Tile', 'Flatten'];
    for (const op of ops) expect(constEvaluators[op], op).toBeTypeOf('function');
  });
});

describe('Shape / Size', () => {
  const x = f32(iota(24), [2, 3, 4]);
  it('gives the shape as int64', () => {
    const s = evalOp('Shape', [x]);
    expect(s.dtype).toBe('int64');
    expect(s.shape).toEqual([3]);
    expect(big(s)).toEqual([2n, 3n, 4n]);
  });
  it('honours start/end (opset 15), negative and clamped', () => {
    expect(big(evalOp('Shape', [x], { start: 1 }, 15))).toEqual([3n, 4n]);
    expect(big(evalOp('Shape', [x], { start: -1 }, 15))).toEqual([4n]);
    expect(big(evalOp('Shape', [x], { start: -10, end: 10 }, 15))).toEqual([2n, 3n, 4n]);
    expect(big(evalOp('Shape', [x], { start: 0, end: -1 }, 15))).toEqual([2n, 3n]);
    expect(big(evalOp('Shape', [x], { start: 2, end: 1 }, 15))).toEqual([]);
  });
  it('Size is an int64 scalar', () => {
    const s = evalOp('Size', [x]);
    expect(s.shape).toEqual([]);
    expect(big(s)).toEqual([24n]);
  });
});

describe('Gather', () => {
  const data = i64(iota(12), [3, 4]);
  it('axis 0 with negative indices', () => {
    const g = evalOp('Gather', [data, i64([-1, 0])]);
    expect(g.shape).toEqual([2, 4]);
    expect(big(g)).toEqual([8n, 9n, 10n, 11n, 0n, 1n, 2n, 3n]);
  });
  it('negative axis and scalar index drops the axis', () => {
    const g = evalOp('Gather', [data, scalarI64(-2)], { axis: -1 });
    expect(g.shape).toEqual([3]);
    expect(big(g)).toEqual([2n, 6n, 10n]);
  });
  it('2-D indices on axis 1 with int32 indices', () => {
    const g = evalOp('Gather', [data, i32([3, 1, 0, 0], [2, 2])], { axis: 1 });
    expect(g.shape).toEqual([3, 2, 2]);
    expect(big(g).slice(0, 4)).toEqual([3n, 1n, 0n, 0n]);
  });
  it('keeps int64 values beyond 2^53 exact', () => {
    const g = evalOp('Gather', [i64([INT64_MAX, INT64_MIN, 2n ** 53n + 1n]), i64([2, 0, 1])]);
    expect(big(g)).toEqual([2n ** 53n + 1n, INT64_MAX, INT64_MIN]);
  });
  it('rejects out-of-range indices', () => {
    expect(() => evalOp('Gather', [data, i64([3])])).toThrow(ConstEvalError);
    expect(() => evalOp('Gather', [data, i64([-4])])).toThrow(/out of range/);
  });
});

describe('Concat', () => {
  it('joins along a negative axis, including empty parts', () => {
    const c = evalOp('Concat', [i64([1, 2]), i64([]), i64([3])], { axis: -1 });
    expect(big(c)).toEqual([1n, 2n, 3n]);
  });
  it('joins 2-D blocks along axis 1', () => {
    const c = evalOp('Concat', [f32([1, 2, 3, 4], [2, 2]), f32([5, 6], [2, 1])], { axis: 1 });
    expect(c.shape).toEqual([2, 3]);
    expect(nums(c)).toEqual([1, 2, 5, 3, 4, 6]);
  });
  it('rejects mismatched dtypes and shapes', () => {
    expect(() => evalOp('Concat', [i64([1]), i32([2])], { axis: 0 })).toThrow(ConstEvalError);
    expect(() => evalOp('Concat', [f32([1, 2], [1, 2]), f32([1, 2, 3], [1, 3])], { axis: 0 })).toThrow(/differ outside axis/);
  });
});

describe('Unsqueeze / Squeeze', () => {
  const x = f32([1, 2, 3], [3]);
  it('attribute form (opset < 13) and input form (opset ≥ 13), negative axes', () => {
    expect(evalOp('Unsqueeze', [x], { axes: [0, -1] }, 11).shape).toEqual([1, 3, 1]);
    expect(evalOp('Unsqueeze', [x, i64([-1, 0])], {}, 13).shape).toEqual([1, 3, 1]);
    expect(evalOp('Unsqueeze', [f32([7], [])], { axes: [0] }, 11).shape).toEqual([1]);
  });
  it('Squeeze with axes, negative axes, and without axes', () => {
    const y = f32([1, 2, 3], [1, 3, 1]);
    expect(evalOp('Squeeze', [y], { axes: [-1] }, 11).shape).toEqual([1, 3]);
    expect(evalOp('Squeeze', [y, i64([0])], {}, 13).shape).toEqual([3, 1]);
    expect(evalOp('Squeeze', [y], {}, 13).shape).toEqual([3]);
    expect(() => evalOp('Squeeze', [y, i64([1])], {}, 13)).toThrow(/cannot squeeze/);
  });
  it('rejects repeated axes', () => {
    expect(() => evalOp('Unsqueeze', [x, i64([0, -3])], {}, 13)).toThrow(/repeats/);
  });
});

describe('Cast', () => {
  it('int64 → int32 wraps, int32 → int64 is exact', () => {
    expect(nums(evalOp('Cast', [i64([2n ** 32n + 5n, -1n, INT64_MAX])], { to: 6 }))).toEqual([5, -1, -1]);
    expect(big(evalOp('Cast', [i32([-7, 2 ** 31 - 1])], { to: 7 }))).toEqual([-7n, 2n ** 31n - 1n]);
  });
  it('float → int truncates toward zero; out of range is not folded', () => {
    expect(nums(evalOp('Cast', [f32([-2.7, 2.7, -0.5])], { to: 6 }))).toEqual([-2, 2, 0]);
    expect(big(evalOp('Cast', [f32([-2.7, 1e10])], { to: 7 }))).toEqual([-2n, 10000000000n]);
    expect(() => evalOp('Cast', [f32([300])], { to: 2 })).toThrow(ConstEvalSkip);
    expect(() => evalOp('Cast', [f32([NaN])], { to: 7 })).toThrow(ConstEvalSkip);
  });
  it('to bool (NaN is true), from bool, to every float type', () => {
    expect(nums(evalOp('Cast', [f32([0, -0, 2, NaN])], { to: 9 }))).toEqual([0, 0, 1, 1]);
    expect(nums(evalOp('Cast', [bool([true, false])], { to: 1 }))).toEqual([1, 0]);
    expect(nums(evalOp('Cast', [i64([2n ** 53n + 1n])], { to: 11 }))).toEqual([2 ** 53]);
    const half = evalOp('Cast', [f32([1 + 2 ** -11, 65520, 0.1])], { to: 10 });
    expect(half.dtype).toBe('float16');
    expect(nums(half)).toEqual([1, Infinity, halfToFloat(0x2e66)]);
    const bf = evalOp('Cast', [f32([1 + 2 ** -8])], { to: 16 });
    expect(nums(bf)).toEqual([1]);
  });
  it('every numeric dtype round-trips small integers', () => {
    for (const code of [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 16]) {
      const t = evalOp('Cast', [i64([0, 1, 5, 100])], { to: code });
      expect(elementsAsNumbers(t), `to=${code}`).toEqual([0, 1, 5, 100]);
    }
  });
  it('strings are not folded', () => {
    expect(() => evalOp('Cast', [tensor('string', [1], ['1'])], { to: 7 })).toThrow(ConstEvalSkip);
  });
});

const elementsAsNumbers = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

describe('Reshape / Flatten', () => {
  const x = f32(iota(24), [2, 3, 4]);
  it('0 copies a dimension, -1 is inferred', () => {
    expect(evalOp('Reshape', [x, i64([0, -1])]).shape).toEqual([2, 12]);
    expect(evalOp('Reshape', [x, i64([-1])]).shape).toEqual([24]);
    expect(evalOp('Reshape', [f32([], [0, 3]), i64([0, 3])], { allowzero: 1 }, 14).shape).toEqual([0, 3]);
  });
  it('rejects impossible shapes', () => {
    expect(() => evalOp('Reshape', [x, i64([5, -1])])).toThrow(ConstEvalError);
    expect(() => evalOp('Reshape', [x, i64([-1, -1])])).toThrow(/more than one -1/);
    expect(() => evalOp('Reshape', [x, i64([4, 4])])).toThrow(ConstEvalError);
  });
  it('Flatten at axis 0, 1, negative', () => {
    expect(evalOp('Flatten', [x], { axis: 0 }).shape).toEqual([1, 24]);
    expect(evalOp('Flatten', [x]).shape).toEqual([2, 12]);
    expect(evalOp('Flatten', [x], { axis: -1 }).shape).toEqual([6, 4]);
    expect(evalOp('Flatten', [x], { axis: 3 }).shape).toEqual([24, 1]);
  });
});

describe('Slice', () => {
  const x = i64(iota(10));
  const slice = (starts: (number | bigint)[], ends: (number | bigint)[], axes?: number[], steps?: (number | bigint)[], data: Tensor = x): bigint[] =>
    big(evalOp('Slice', [data, i64(starts), i64(ends), axes ? i64(axes) : undefined, steps ? i64(steps) : undefined], {}, 13));
  it('INT64_MAX / INT64_MIN ends clamp', () => {
    expect(slice([2], [INT64_MAX])).toEqual([2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    expect(slice([-1], [INT64_MIN], [0], [-1])).toEqual([9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n, 0n]);
    expect(slice([INT64_MAX], [INT64_MIN], [0], [-3])).toEqual([9n, 6n, 3n, 0n]);
  });
  it('negative starts/ends, steps, empty results', () => {
    expect(slice([-3], [-1])).toEqual([7n, 8n]);
    expect(slice([1], [8], [0], [3])).toEqual([1n, 4n, 7n]);
    expect(slice([5], [2])).toEqual([]);
    expect(slice([-100], [100], [-1], [1])).toHaveLength(10);
  });
  it('2-D with a negative axis', () => {
    const m = i64(iota(12), [3, 4]);
    const s = evalOp('Slice', [m, i64([1]), i64([3]), i64([-1])], {}, 13);
    expect(s.shape).toEqual([3, 2]);
    expect(big(s)).toEqual([1n, 2n, 5n, 6n, 9n, 10n]);
  });
  it('attribute form (opset < 10)', () => {
    const m = f32(iota(12), [3, 4]);
    const s = evalOp('Slice', [m], { starts: [0, 1], ends: [1, 1000], axes: [0, 1] }, 9);
    expect(nums(s)).toEqual([1, 2, 3]);
  });
  it('rejects step 0 and mismatched lengths', () => {
    expect(() => slice([0], [1], [0], [0])).toThrow(/step/);
    expect(() => slice([0, 0], [1])).toThrow(/different lengths/);
  });
});

describe('Range / ConstantOfShape', () => {
  it('int64 and float ranges, negative delta, empty', () => {
    expect(big(evalOp('Range', [scalarI64(3), scalarI64(9), scalarI64(3)]))).toEqual([3n, 6n]);
    expect(big(evalOp('Range', [scalarI64(10), scalarI64(4), scalarI64(-2)]))).toEqual([10n, 8n, 6n]);
    expect(big(evalOp('Range', [scalarI64(0), scalarI64(0), scalarI64(1)]))).toEqual([]);
    expect(nums(evalOp('Range', [f32([0], []), f32([1], []), f32([0.25], [])]))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(() => evalOp('Range', [scalarI64(0), scalarI64(5), scalarI64(0)])).toThrow(/delta is 0/);
  });
  it('ConstantOfShape fills with the value dtype, default float 0', () => {
    const c = evalOp('ConstantOfShape', [i64([2, 3])], { value: i64([7], [1]) });
    expect(c.dtype).toBe('int64');
    expect(c.shape).toEqual([2, 3]);
    expect(big(c)).toEqual(Array(6).fill(7n));
    const z = evalOp('ConstantOfShape', [i64([2])]);
    expect(z.dtype).toBe('float32');
    expect(nums(z)).toEqual([0, 0]);
    expect(evalOp('ConstantOfShape', [i64([])]).shape).toEqual([]);
  });
  it('skips results above the element limit', () => {
    expect(() => evalOp('ConstantOfShape', [i64([10000, 10000])])).toThrow(ConstEvalSkip);
    expect(() => evalOp('Range', [scalarI64(0), scalarI64(100), scalarI64(1)], {}, 17, 50)).toThrow(ConstEvalSkip);
    expect(() => evalOp('Expand', [f32([1]), i64([4, 4])], {}, 17, 10)).toThrow(/folding limit/);
  });
});

describe('Add / Sub / Mul / Div', () => {
  it('numpy broadcasting', () => {
    const s = evalOp('Add', [f32([1, 2, 3], [3, 1]), f32([10, 20], [2])]);
    expect(s.shape).toEqual([3, 2]);
    expect(nums(s)).toEqual([11, 21, 12, 22, 13, 23]);
    expect(() => evalOp('Add', [f32([1, 2, 3]), f32([1, 2])])).toThrow(/broadcast/);
  });
  it('integer Div truncates toward zero (int32 and int64)', () => {
    expect(nums(evalOp('Div', [i32([7, -7, 7, -7]), i32([2, 2, -2, -2])]))).toEqual([3, -3, -3, 3]);
    expect(big(evalOp('Div', [i64([7, -7, INT64_MAX]), i64([2, 2, 1])]))).toEqual([3n, -3n, INT64_MAX]);
    expect(() => evalOp('Div', [i64([1]), i64([0])])).toThrow(/division by zero/);
  });
  it('int64 arithmetic is exact and wraps', () => {
    expect(big(evalOp('Mul', [i64([2n ** 40n]), i64([2n ** 20n])]))).toEqual([2n ** 60n]);
    expect(big(evalOp('Add', [i64([INT64_MAX]), i64([1])]))).toEqual([INT64_MIN]);
    expect(big(evalOp('Sub', [i64([5]), i64([7])]))).toEqual([-2n]);
  });
  it('int32 Mul keeps the low 32 bits', () => {
    expect(nums(evalOp('Mul', [i32([65537]), i32([65537])]))).toEqual([(65537 * 65537) | 0]);
    expect(nums(evalOp('Mul', [i32([123456789]), i32([987654321])]))).toEqual([Math.imul(123456789, 987654321)]);
  });
  it('float32 results are rounded to float32, float16 to half', () => {
    expect(nums(evalOp('Div', [f32([1]), f32([3])]))).toEqual([Math.fround(1 / 3)]);
    const h = evalOp('Add', [tensor('float16', [1], [1]), tensor('float16', [1], [2 ** -11])]);
    expect(nums(h)).toEqual([1]);
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
  });
  it('rejects mixed dtypes and bools', () => {
    expect(() => evalOp('Add', [i64([1]), f32([1])])).toThrow(ConstEvalError);
    expect(() => evalOp('Add', [bool([true]), bool([true])])).toThrow(ConstEvalError);
  });
});

describe('Equal / Where / Neg / Sqrt / Min / Max', () => {
  it('Equal broadcasts and gives bool', () => {
    const e = evalOp('Equal', [i64([1, 2, 3]), scalarI64(2)]);
    expect(e.dtype).toBe('bool');
    expect(nums(e)).toEqual([0, 1, 0]);
    expect(nums(evalOp('Equal', [f32([NaN, 0]), f32([NaN, -0])]))).toEqual([0, 1]);
  });
  it('Where selects with three-way broadcasting', () => {
    const w = evalOp('Where', [bool([true, false]), i64([1, 2, 3, 4], [2, 2]), scalarI64(-1)]);
    expect(w.shape).toEqual([2, 2]);
    expect(big(w)).toEqual([1n, -1n, 3n, -1n]);
    expect(() => evalOp('Where', [i64([1]), i64([1]), i64([1])])).toThrow(/bool/);
  });
  it('Neg wraps integers, Sqrt takes floats only', () => {
    expect(big(evalOp('Neg', [i64([5, INT64_MIN])]))).toEqual([-5n, INT64_MIN]);
    expect(nums(evalOp('Neg', [tensor('int8', [1], [-128])]))).toEqual([-128]);
    expect(nums(evalOp('Sqrt', [f32([4, 2, -1])]))).toEqual([2, Math.fround(Math.SQRT2), NaN]);
    expect(() => evalOp('Sqrt', [i64([4])])).toThrow(ConstEvalError);
  });
  it('Min/Max are variadic with broadcasting and propagate NaN', () => {
    expect(big(evalOp('Min', [i64([5, 1, 9]), scalarI64(4), i64([3, 3, 3])]))).toEqual([3n, 1n, 3n]);
    expect(big(evalOp('Max', [i64([INT64_MAX - 1n]), i64([INT64_MAX])]))).toEqual([INT64_MAX]);
    expect(nums(evalOp('Max', [f32([1, NaN]), f32([NaN, 2])]))).toEqual([NaN, NaN]);
  });
});

describe('ReduceProd / Expand / Transpose / Tile', () => {
  const x = i64([1, 2, 3, 4, 5, 6], [2, 3]);
  it('ReduceProd: all axes, axis attr, axes input (opset 18), keepdims', () => {
    expect(big(evalOp('ReduceProd', [x], { keepdims: 0 }, 13))).toEqual([720n]);
    const r = evalOp('ReduceProd', [x], { axes: [-1] }, 13);
    expect(r.shape).toEqual([2, 1]);
    expect(big(r)).toEqual([6n, 120n]);
    const r18 = evalOp('ReduceProd', [x, i64([0])], { keepdims: 0 }, 18);
    expect(r18.shape).toEqual([3]);
    expect(big(r18)).toEqual([4n, 10n, 18n]);
    expect(evalOp('ReduceProd', [x, i64([])], { noop_with_empty_axes: 1 }, 18)).toBe(x);
    expect(big(evalOp('ReduceProd', [i64([2n ** 40n, 2n ** 20n])], { keepdims: 0 }))).toEqual([2n ** 60n]);
  });
  it('Expand broadcasts both ways', () => {
    const e = evalOp('Expand', [i64([1, 2, 3], [3, 1]), i64([2, 1, 2])]);
    expect(e.shape).toEqual([2, 3, 2]);
    expect(big(e).slice(0, 6)).toEqual([1n, 1n, 2n, 2n, 3n, 3n]);
    expect(() => evalOp('Expand', [i64([1, 2, 3]), i64([2])])).toThrow(/broadcast/);
  });
  it('Transpose with perm and default reversal', () => {
    const t = evalOp('Transpose', [x], { perm: [1, 0] });
    expect(t.shape).toEqual([3, 2]);
    expect(big(t)).toEqual([1n, 4n, 2n, 5n, 3n, 6n]);
    expect(evalOp('Transpose', [f32(iota(24), [2, 3, 4])]).shape).toEqual([4, 3, 2]);
    expect(() => evalOp('Transpose', [x], { perm: [0, 0] })).toThrow(/permutation/);
  });
  it('Tile repeats each axis', () => {
    const t = evalOp('Tile', [i64([1, 2], [1, 2]), i64([2, 2])]);
    expect(t.shape).toEqual([2, 4]);
    expect(big(t)).toEqual([1n, 2n, 1n, 2n, 1n, 2n, 1n, 2n]);
    expect(() => evalOp('Tile', [x, i64([2])])).toThrow(/repeats/);
  });
});
