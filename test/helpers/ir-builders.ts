/** Small IR graphs for mapping tests: one Conv/Gemm/MatMul with seeded random weights and shapes set. */
import { Graph, type Attr, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { makeTensor, type Tensor } from '../../base/tensor.js';
import { uniformSource } from '../../base/random.js';

export const seededRandom = uniformSource;

export function randomTensor(shape: number[], seed: number, scale = 1): Tensor {
  const rnd = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return makeTensor('float32', shape, Array.from({ length: n }, () => (rnd() * 2 - 1) * scale));
}

export interface ConvSpec {
  cin: number;
  cout: number;
  k: number | [number, number];
  hw?: number | [number, number];
  stride?: number;
  pad?: number;
  group?: number;
  dilation?: number;
  bias?: boolean;
  /** Put a Relu in front so the input is non-negative. */
  reluInput?: boolean;
  seed?: number;
}

const ints = (value: number[]): Attr => ({ kind: 'ints', value });

export function convGraph(s: ConvSpec): Graph {
  const [kh, kw] = typeof s.k === 'number' ? [s.k, s.k] : s.k;
  const [h, w] = typeof s.hw === 'number' ? [s.hw, s.hw] : s.hw ?? [8, 8];
  const stride = s.stride ?? 1;
  const pad = s.pad ?? 0;
  const group = s.group ?? 1;
  const dil = s.dilation ?? 1;
  const oh = Math.floor((h + 2 * pad - dil * (kh - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  const constants = new Map<string, Tensor>([['W', randomTensor([s.cout, s.cin / group, kh, kw], s.seed ?? 1, 0.5)]]);
  if (s.bias) constants.set('B', randomTensor([s.cout], (s.seed ?? 1) + 1, 0.1));
  const values = new Map<string, ValueType>([
    ['x', { dtype: 'float32', shape: [1, s.cin, h, w] }],
    ['y', { dtype: 'float32', shape: [1, s.cout, oh, ow] }],
  ]);
  const nodes: Node[] = [];
  let convIn = 'x';
  if (s.reluInput) {
    values.set('xr', { dtype: 'float32', shape: [1, s.cin, h, w] });
    nodes.push({ name: 'relu_in', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['xr'], attrs: {} });
    convIn = 'xr';
  }
  nodes.push({
    name: 'conv', opType: 'Conv', domain: '', inputs: [convIn, 'W', ...(s.bias ? ['B'] : [])], outputs: ['y'],
    attrs: { kernel_shape: ints([kh, kw]), strides: ints([stride, stride]), pads: ints([pad, pad, pad, pad]), group: { kind: 'int', value: group }, dilations: ints([dil, dil]) },
  });
  return new Graph({ name: 'conv', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes, constants, values });
}

export function gemmGraph(m: number, k: number, n: number, opts: { transB?: boolean; bias?: boolean; seed?: number; matmul?: boolean } = {}): Graph {
  const seed = opts.seed ?? 3;
  const constants = new Map<string, Tensor>([['B', randomTensor(opts.transB ? [n, k] : [k, n], seed, 0.5)]]);
  if (opts.bias) constants.set('C', randomTensor([n], seed + 1, 0.1));
  const values = new Map<string, ValueType>([
    ['x', { dtype: 'float32', shape: [m, k] }],
    ['y', { dtype: 'float32', shape: [m, n] }],
  ]);
  const node: Node = opts.matmul
    ? { name: 'fc', opType: 'MatMul', domain: '', inputs: ['x', 'B'], outputs: ['y'], attrs: {} }
    : { name: 'fc', opType: 'Gemm', domain: '', inputs: ['x', 'B', ...(opts.bias ? ['C'] : [])], outputs: ['y'], attrs: { transB: { kind: 'int', value: opts.transB ? 1 : 0 } } };
  return new Graph({ name: 'gemm', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes: [node], constants, values });
}
