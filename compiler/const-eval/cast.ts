/**
 * Cast between numeric dtypes and bool. Integer → integer wraps (two's complement);
 * float → integer truncates toward zero, and is not folded when a value is NaN, infinite or
 * out of the target's range (runtimes disagree there); to float16/bfloat16 rounds to nearest even.
 */
import { attrInt } from '../ir/ir.js';
import { allocStorage, isFloatDType, onnxDTypeByCode, type DType, type Tensor, type TensorStorage } from '../../base/tensor.js';
import { roundToDType } from '../../base/float-round.js';
import { ConstEvalError, ConstEvalSkip, input, integerFormat, isBigIntDType, wrapInteger, type ConstEvaluator } from './types.js';

type NumberStorage = Exclude<TensorStorage, BigInt64Array | BigUint64Array | string[]>;

export function castTensor(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  if (x.dtype === 'string' || to === 'string') throw new ConstEvalSkip(`Cast between ${x.dtype} and ${to} is not folded`);
  const n = x.data.length;
  const data = allocStorage(to, n);
  const src = x.data as unknown as ArrayLike<number | bigint>;
  if (to === 'bool') {
    const out = data as Uint8Array;
    for (let i = 0; i < n; i++) out[i] = src[i] ? 1 : 0; // NaN → false in JS; ONNX says NaN → true
    if (isFloatDType(x.dtype)) for (let i = 0; i < n; i++) if (Number.isNaN(src[i])) out[i] = 1;
  } else if (isFloatDType(to)) {
    const out = data as NumberStorage;
    for (let i = 0; i < n; i++) out[i] = Number(src[i]);
    roundToDType(to, data);
  } else {
    const format = integerFormat[to]!;
    const fromFloat = isFloatDType(x.dtype);
    const min = format.signed ? -(2 ** (format.bits - 1)) : 0;
    const limit = format.signed ? 2 ** (format.bits - 1) : 2 ** format.bits;
    for (let i = 0; i < n; i++) {
      let v: bigint;
      if (fromFloat) {
        const t = Math.trunc(src[i] as number);
        if (!Number.isFinite(t) || t < min || t >= limit) throw new ConstEvalSkip(`Cast of ${src[i]} to ${to} is out of range; not folded`);
        v = BigInt(t);
      } else {
        v = wrapInteger(BigInt(src[i]), to);
      }
      if (isBigIntDType(to)) (data as BigInt64Array | BigUint64Array)[i] = v;
      else (data as NumberStorage)[i] = Number(v);
    }
  }
  return { dtype: to, shape: [...x.shape], data };
}

const cast: ConstEvaluator = (args) => {
  const x = input(args, 0);
  const code = attrInt(args.node, 'to');
  if (code === undefined) throw new ConstEvalError('Cast has no "to" attribute');
  const to = onnxDTypeByCode[code];
  if (!to) throw new ConstEvalSkip(`Cast to ONNX type ${code} is not folded`);
  return [castTensor(x, to)];
};

/** CastLike (opset 15): the target dtype is the second input's. */
const castLike: ConstEvaluator = (args) => [castTensor(input(args, 0), input(args, 1, 'target_type').dtype)];

export const castEvaluators: Readonly<Record<string, ConstEvaluator>> = { Cast: cast, CastLike: castLike };
