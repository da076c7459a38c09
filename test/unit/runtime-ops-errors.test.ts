/**
 * Runtime kernels: diagnostics (CIM4005 naming the node), inputs left untouched, opset-driven
 * attribute/input forms, and a speed figure for the conv path.
 */
import { describe, expect, it } from 'vitest';
import { CimcError } from '../../base/diagnostics.js';
import { digitalKernels, kernelFor, runDigitalKernel } from '../../runtime/reference/ops/index.js';
import type { KernelContext, RtAttr } from '../../runtime/reference/ops/types.js';
import { float32Tensor, int64Tensor, makeTensor, type RtTensor } from '../../base/rt-tensor.js';
import { seeded } from '../helpers/onnx-single-op.js';

const ctx: KernelContext = { node: 'Conv_12', opset: 17 };

function random(shape: number[], seed = 1): RtTensor {
  const rnd = seeded(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return float32Tensor(shape, Float32Array.from({ length: n }, () => rnd() * 2 - 1));
}

function cimcError(fn: () => unknown): CimcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CimcError) return e;
    throw e;
  }
  throw new Error('expected a CimcError');
}

describe('diagnostics', () => {
  it('a missing kernel is CIM4005 naming the op and node', () => {
    const e = cimcError(() => kernelFor('NonMaxSuppression', { node: 'nms_1', opset: 13 }));
    expect(e.code).toBe('CIM4005');
    expect(e.message).toBe('no runtime kernel for NonMaxSuppression');
    expect(e.diagnostic.node).toBe('nms_1');
    const custom = cimcError(() => runDigitalKernel('Relu', [random([2])], {}, ctx, 'com.acme'));
    expect(custom.message).toBe('no runtime kernel for com.acme.Relu');
  });

  it('bad shapes are CIM4005 naming the node', () => {
    const conv = cimcError(() => digitalKernels.Conv([random([1, 3, 8, 8]), random([4, 2, 3, 3])], {}, ctx));
    expect(conv.code).toBe('CIM4005');
    expect(conv.diagnostic.node).toBe('Conv_12');
    expect(conv.message).toMatch(/do not fit/);
    const add = cimcError(() => digitalKernels.Add([random([2, 3]), random([4])], {}, { node: 'add_1', opset: 14 }));
    expect(add.diagnostic).toMatchObject({ code: 'CIM4005', node: 'add_1' });
    expect(add.message).toMatch(/cannot be broadcast/);
    const reshape = cimcError(() => digitalKernels.Reshape([random([2, 3]), int64Tensor([1], [4])], {}, { node: 'r', opset: 14 }));
    expect(reshape.message).toMatch(/cannot reshape \[2,3\]/);
    const gather = cimcError(() => digitalKernels.Gather([random([3, 2]), int64Tensor([1], [3])], {}, { node: 'g', opset: 13 }));
    expect(gather.message).toMatch(/index 3 is out of range/);
    const missing = cimcError(() => digitalKernels.Gemm([random([2, 3])], {}, { node: 'fc', opset: 13 }));
    expect(missing.message).toBe('B is missing');
  });

  it('malformed attributes are located at the node', () => {
    const e = cimcError(() => digitalKernels.Resize([random([1, 1, 2, 2]), undefined, float32Tensor([4], [1, 1, 2, 2])], { mode: 3 }, { node: 'up', opset: 13, opType: 'Resize' }));
    expect(e.diagnostic).toMatchObject({ code: 'CIM4005', node: 'up', opType: 'Resize' });
    const split = cimcError(() => digitalKernels.Split([random([6])], {}, { node: 's', opset: 13 }));
    expect(split.message).toMatch(/number of outputs/);
  });

  it('unsupported features say so', () => {
    const e = cimcError(() => digitalKernels.Conv([random([1, 1, 4, 4, 4]), random([1, 1, 2, 2, 2])], {}, ctx));
    expect(e.message).toMatch(/only 1-D and 2-D/);
    const aa = cimcError(() => digitalKernels.Resize([random([1, 1, 4, 4]), undefined, float32Tensor([4], [1, 1, 0.5, 0.5])], { mode: 'linear', antialias: 1 }, { node: 'r', opset: 18 }));
    expect(aa.message).toMatch(/antialias/);
  });
});

describe('behaviour', () => {
  it('kernels leave their inputs untouched', () => {
    const x = random([1, 4, 6, 6]);
    const before = Float32Array.from(x.data as Float32Array);
    const attrs: Record<string, RtAttr> = {};
    for (const op of ['Relu', 'Sigmoid', 'Softmax', 'Identity', 'Flatten', 'Transpose', 'GlobalAveragePool']) digitalKernels[op]([x], attrs, ctx);
    digitalKernels.Conv([x, random([4, 4, 3, 3], 2)], { pads: [1, 1, 1, 1] }, ctx);
    digitalKernels.Pad([x, int64Tensor([8], [0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'reflect' }, ctx);
    expect(x.data).toEqual(before);
  });

  it('opset selects attribute or input forms', () => {
    const x = random([1, 3, 1, 2]);
    expect(digitalKernels.Squeeze([x], { axes: [2] }, { node: 'sq', opset: 11 })[0].shape).toEqual([1, 3, 2]);
    expect(digitalKernels.Squeeze([x, int64Tensor([1], [0])], {}, { node: 'sq', opset: 13 })[0].shape).toEqual([3, 1, 2]);
    const v = float32Tensor([4], [-2, -0.5, 0.5, 2]);
    expect(Array.from(digitalKernels.Clip([v], { min: -1, max: 1 }, { node: 'c', opset: 6 })[0].data as Float32Array)).toEqual([-1, -0.5, 0.5, 1]);
    expect(Array.from(digitalKernels.Clip([v, undefined, float32Tensor([], [0])], {}, { node: 'c', opset: 13 })[0].data as Float32Array)).toEqual([-2, -0.5, 0, 0]);
    // Softmax before opset 13 normalizes over all trailing dims; since, over one axis.
    const s = float32Tensor([1, 2, 2], [0, 0, 0, 0]);
    expect(Array.from(digitalKernels.Softmax([s], {}, { node: 's', opset: 11 })[0].data as Float32Array)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(digitalKernels.Softmax([s], { axis: 1 }, { node: 's', opset: 13 })[0].data as Float32Array)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('Cast to float16/bfloat16 rounds to the narrow format (held as float32)', () => {
    const x = float32Tensor([6], [0.1, 65519, 70000, 1e-8, 3e-8, -1.00048828125]);
    const half = digitalKernels.Cast([x], { to: 10 }, ctx)[0];
    expect(half.dtype).toBe('float32');
    expect(Array.from(half.data as Float32Array)).toEqual([0.0999755859375, 65504, Infinity, 0, 2 ** -24, -1]);
    const bf = digitalKernels.Cast([float32Tensor([3], [1.00390625, 1.01171875, -3.14159])], { to: 16 }, ctx)[0];
    expect(Array.from(bf.data as Float32Array)).toEqual([1, 1.015625, -3.140625]);
  });

  it('MaxPool skips Indices when the node has one output', () => {
    const x = random([1, 2, 4, 4]);
    expect(digitalKernels.MaxPool([x], { kernel_shape: [2, 2] }, { node: 'p', opset: 12, outputCount: 1 })).toHaveLength(1);
    expect(digitalKernels.MaxPool([x], { kernel_shape: [2, 2] }, { node: 'p', opset: 12, outputCount: 2 })[1].dtype).toBe('int64');
  });

  it('3x3 conv 64→64 on 56x56 runs at GEMM speed', () => {
    const x = random([1, 64, 56, 56]), w = random([64, 64, 3, 3], 2), b = random([64], 3);
    const conv = digitalKernels.Conv;
    const attrs = { pads: [1, 1, 1, 1] };
    conv([x, w, b], attrs, ctx);
    const reps = 5;
    const t0 = performance.now();
    let y: RtTensor = makeTensor('float32', [0]);
    for (let i = 0; i < reps; i++) y = conv([x, w, b], attrs, ctx)[0];
    const ms = (performance.now() - t0) / reps;
    console.log(`Conv 3x3 64→64 56x56: ${ms.toFixed(1)} ms (${(2 * 64 * 576 * 3136 / ms / 1e6).toFixed(2)} GFLOP/s)`);
    expect(y.shape).toEqual([1, 64, 56, 56]);
    // Generous bound (shared machines); a naive 7-deep loop takes seconds.
    expect(ms).toBeLessThan(1000);
  });
});
