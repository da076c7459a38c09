/**
 * A small builder of ONNX graphs (base/onnx-writer.ts's nodes and initializers) for the ORT
 * engine: unique value names under a prefix, constants, and nodes written for one
 * default-domain opset (the attribute-vs-input forms of ReduceSum/ReduceMax/Pad/Clip follow it).
 */
import type { OnnxAttr, OnnxNode } from '../../base/onnx-writer.js';
import { makeTensor, type DType, type Tensor } from '../../base/tensor.js';

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly constants = new Map<string, Tensor>();
  private counter = 0;

  constructor(readonly opset: number, private readonly taken: ReadonlySet<string>) {}

  /** A fresh value name, distinct from every plan value and every name given before. */
  fresh(hint: string): string {
    for (;;) {
      const name = `cimc_ort/${hint}_${this.counter++}`;
      if (!this.taken.has(name)) return name;
    }
  }

  constant(hint: string, dtype: DType, shape: readonly number[], data: ArrayLike<number> | ArrayLike<bigint>): string {
    const name = this.fresh(hint);
    this.constants.set(name, makeTensor(dtype, shape, data));
    return name;
  }

  /** A tensor that is already built (no copy). */
  tensor(hint: string, t: Tensor): string {
    const name = this.fresh(hint);
    this.constants.set(name, t);
    return name;
  }

  // Tensors are handed over without a copy (the callers build the arrays and do not touch them again).
  f64(hint: string, shape: readonly number[], data: Float64Array): string {
    return this.tensor(hint, { dtype: 'float64', shape, data });
  }

  f32(hint: string, shape: readonly number[], data: Float32Array): string {
    return this.tensor(hint, { dtype: 'float32', shape, data });
  }

  scalar(hint: string, dtype: 'float32' | 'float64', value: number): string {
    return this.constant(hint, dtype, [], [value]);
  }

  int64s(hint: string, values: readonly number[]): string {
    return this.constant(hint, 'int64', [values.length], values.map((v) => BigInt(v)));
  }

  /** Adds a node with one output; returns the output name (or `output` when given). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, output?: string): string {
    const out = output ?? this.fresh(opType);
    this.nodes.push({ name: this.fresh(`${opType}_node`), opType, domain: '', inputs: [...inputs], outputs: [out], attrs });
    return out;
  }

  /** A node as given (digital steps). */
  raw(node: OnnxNode): void {
    this.nodes.push(node);
  }

  cast(x: string, to: 'float32' | 'float64'): string {
    return this.op('Cast', [x], { to: { kind: 'int', value: to === 'float32' ? 1 : 11 } });
  }

  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.int64s('shape', shape)]);
  }

  /** ReduceSum over axes; axes is an attribute before opset 13, an input from 13 on. */
  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    const keep: OnnxAttr = { kind: 'int', value: keepdims ? 1 : 0 };
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.int64s('axes', axes)], { keepdims: keep });
    return this.op('ReduceSum', [x], { axes: { kind: 'ints', value: [...axes] }, keepdims: keep });
  }

  /** ReduceMax over every axis to a scalar (no axes in either form). */
  reduceMaxAll(x: string): string {
    return this.op('ReduceMax', [x], { keepdims: { kind: 'int', value: 0 } });
  }

  /** ReduceMax over axes; axes is an attribute before opset 18, an input from 18 on. */
  reduceMax(x: string, axes: readonly number[], keepdims: boolean): string {
    const keep: OnnxAttr = { kind: 'int', value: keepdims ? 1 : 0 };
    if (this.opset >= 18) return this.op('ReduceMax', [x, this.int64s('axes', axes)], { keepdims: keep });
    return this.op('ReduceMax', [x], { axes: { kind: 'ints', value: [...axes] }, keepdims: keep });
  }

  /** Constant-value Pad (opset ≥ 11: pads and value are inputs). */
  pad(x: string, pads: readonly number[], value: number, dtype: 'float32' | 'float64'): string {
    return this.op('Pad', [x, this.int64s('pads', pads), this.scalar('pad_value', dtype, value)], { mode: { kind: 'string', value: 'constant' } });
  }

  /**
   * clamp(x, lo, hi): one Clip from opset 12 (onnxruntime's Clip-11 is float32-only), else
   * Min/Max; lo = -Infinity leaves the lower side open.
   */
  clamp(x: string, lo: number, hi: number, dtype: 'float32' | 'float64'): string {
    if (this.opset >= 12) {
      return this.op('Clip', [x, lo === -Infinity ? '' : this.scalar('lo', dtype, lo), this.scalar('hi', dtype, hi)]);
    }
    const upper = this.op('Min', [x, this.scalar('hi', dtype, hi)]);
    return lo === -Infinity ? upper : this.op('Max', [upper, this.scalar('lo', dtype, lo)]);
  }
}

export const intAttr = (value: number): OnnxAttr => ({ kind: 'int', value });
export const intsAttr = (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value: [...value] });
