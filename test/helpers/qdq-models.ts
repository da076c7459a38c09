/**
 * Small QDQ / QAT-style ONNX models written with base/onnx-writer.ts: a Conv (or Gemm) whose
 * weight and input go through the quantization patterns a quantized export uses.
 *
 *   x ─ Q ─ [Clip] ─ DQ ─┐
 *   weight pattern ──────┴─ Conv/Gemm ─ y
 */
import { makeTensor, type DType, type Tensor } from '../../base/tensor.js';
import { writeOnnxModel, type OnnxAttr, type OnnxNode } from '../../base/onnx-writer.js';
import { mulberry32 } from './ort.js';

export type WeightPattern =
  | { kind: 'dq'; dtype: DType; perAxis: boolean; zeroPoint?: number; blockSize?: number }
  | { kind: 'dq-clip'; dtype: DType; lo: number; hi: number }
  | { kind: 'fake-quant'; dtype: DType; perAxis: boolean };

export interface QdqModelSpec {
  op: 'Conv' | 'Gemm';
  opset: number;
  weight: WeightPattern;
  /** Input quantization: dtype and zero point (per tensor). */
  input: { dtype: DType; zeroPoint: number; scale: number; clip?: [number, number] };
  domain?: '' | 'com.microsoft';
  seed?: number;
}

const ranges: Record<string, [number, number]> = { int4: [-8, 7], uint4: [0, 15], int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };

export const convShape = { cin: 3, cout: 4, k: 3, h: 6, w: 6 };
export const gemmShape = { k: 10, n: 5, m: 2 };

export function inputShape(spec: QdqModelSpec): number[] {
  return spec.op === 'Conv' ? [1, convShape.cin, convShape.h, convShape.w] : [gemmShape.m, gemmShape.k];
}

/** Builds the model; returns its bytes. */
export function qdqModel(spec: QdqModelSpec): Uint8Array {
  const rnd = mulberry32(spec.seed ?? 7);
  const domain = spec.domain ?? '';
  const wShape = spec.op === 'Conv' ? [convShape.cout, convShape.cin, convShape.k, convShape.k] : [gemmShape.n, gemmShape.k];
  const count = wShape.reduce((a, b) => a * b, 1);
  const channels = wShape[0];
  const init = new Map<string, Tensor>();
  const nodes: OnnxNode[] = [];
  const w = spec.weight;
  const [lo, hi] = ranges[w.dtype];
  const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, OnnxAttr> = {}, d = ''): void => {
    nodes.push({ name, opType, domain: d, inputs, outputs, attrs });
  };
  const scales = (n: number): number[] => Array.from({ length: n }, () => Math.fround(0.01 + 0.05 * rnd()));
  const axisAttrs = (perAxis: boolean): Record<string, OnnxAttr> => (perAxis ? { axis: { kind: 'int', value: 0 } } : {});
  if (w.kind === 'dq' || w.kind === 'dq-clip') {
    const zp = w.kind === 'dq' ? w.zeroPoint ?? 0 : 0;
    const span = w.kind === 'dq-clip' ? [w.lo - 2, w.hi + 2] : [lo, hi];
    const q = Array.from({ length: count }, () => Math.max(lo, Math.min(hi, Math.floor(span[0] + (span[1] - span[0] + 1) * rnd()))));
    init.set('Wq', makeTensor(w.dtype, wShape, q));
    let dqIn = 'Wq';
    if (w.kind === 'dq-clip') {
      init.set('clip_lo', makeTensor(w.dtype, [], [w.lo]));
      init.set('clip_hi', makeTensor(w.dtype, [], [w.hi]));
      node('w_clip', 'Clip', ['Wq', 'clip_lo', 'clip_hi'], ['Wc']);
      dqIn = 'Wc';
    }
    const block = w.kind === 'dq' ? w.blockSize : undefined;
    if (block) {
      // Blocks along the input-channel axis: scale [Cout, ⌈Cin/B⌉, kh, kw] (Conv).
      const sShape = [wShape[0], Math.ceil(wShape[1] / block), ...wShape.slice(2)];
      const n = sShape.reduce((a, b) => a * b, 1);
      // One scale per (output channel, block), the same at every kernel position.
      const area = wShape.slice(2).reduce((a, b) => a * b, 1);
      const perBlock = scales(n / area);
      init.set('w_scale', makeTensor('float32', sShape, Array.from({ length: n }, (_, i) => perBlock[Math.floor(i / area)])));
      init.set('w_zp', makeTensor(w.dtype, sShape, new Array(n).fill(zp)));
      node('w_dq', 'DequantizeLinear', [dqIn, 'w_scale', 'w_zp'], ['W'], { axis: { kind: 'int', value: 1 }, block_size: { kind: 'int', value: block } }, domain);
    } else {
      const perAxis = w.kind === 'dq' && w.perAxis;
      const n = perAxis ? channels : 1;
      init.set('w_scale', makeTensor('float32', perAxis ? [n] : [], scales(n)));
      init.set('w_zp', makeTensor(w.dtype, perAxis ? [n] : [], new Array(n).fill(zp)));
      node('w_dq', 'DequantizeLinear', [dqIn, 'w_scale', 'w_zp'], ['W'], axisAttrs(perAxis), domain);
    }
  } else {
    const wf = Array.from({ length: count }, () => Math.fround(rnd() * 2 - 1));
    init.set('Wf', makeTensor('float32', wShape, wf));
    const n = w.perAxis ? channels : 1;
    init.set('w_scale', makeTensor('float32', w.perAxis ? [n] : [], scales(n).map((s) => Math.fround(s * 0.3))));
    init.set('w_zp', makeTensor(w.dtype, w.perAxis ? [n] : [], new Array(n).fill(0)));
    node('w_q', 'QuantizeLinear', ['Wf', 'w_scale', 'w_zp'], ['Wq'], axisAttrs(w.perAxis), domain);
    node('w_dq', 'DequantizeLinear', ['Wq', 'w_scale', 'w_zp'], ['W'], axisAttrs(w.perAxis), domain);
  }
  // Input Q → [Clip] → DQ.
  const a = spec.input;
  init.set('x_scale', makeTensor('float32', [], [a.scale]));
  init.set('x_zp', makeTensor(a.dtype, [], [a.zeroPoint]));
  node('x_q', 'QuantizeLinear', ['x', 'x_scale', 'x_zp'], ['xq'], {}, domain);
  let xdqIn = 'xq';
  if (a.clip) {
    init.set('x_lo', makeTensor(a.dtype, [], [a.clip[0]]));
    init.set('x_hi', makeTensor(a.dtype, [], [a.clip[1]]));
    node('x_clip', 'Clip', ['xq', 'x_lo', 'x_hi'], ['xc']);
    xdqIn = 'xc';
  }
  node('x_dq', 'DequantizeLinear', [xdqIn, 'x_scale', 'x_zp'], ['xd'], {}, domain);
  init.set('B', makeTensor('float32', [channels], Array.from({ length: channels }, () => Math.fround(rnd() - 0.5))));
  if (spec.op === 'Conv') node('conv', 'Conv', ['xd', 'W', 'B'], ['y'], { pads: { kind: 'ints', value: [1, 1, 1, 1] } });
  else node('gemm', 'Gemm', ['xd', 'W', 'B'], ['y'], { transB: { kind: 'int', value: 1 } });
  const outShape = spec.op === 'Conv' ? [1, convShape.cout, convShape.h, convShape.w] : [gemmShape.m, gemmShape.n];
  const opsetImports: Record<string, number> = { '': spec.opset };
  if (domain) opsetImports[domain] = 1;
  return writeOnnxModel({
    opsetImports,
    graph: {
      name: 'qdq', initializers: init, nodes,
      inputs: [{ name: 'x', type: { dtype: 'float32', shape: inputShape(spec) } }],
      outputs: [{ name: 'y', type: { dtype: 'float32', shape: outShape } }],
    },
  });
}
