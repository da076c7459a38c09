/** im2col geometry of a crossbar layer and its weight matrix per group (design §3). */
import { CimcError } from '../../base/diagnostics.js';
import { attrFloat, attrInt, attrInts, attrString, type Graph, type Node } from '../ir/ir.js';
import { tensorToFloat32 } from '../../base/tensor.js';
import type { LayerGeometry } from '../../plan/types.js';

export interface LayerMatrix {
  geometry: LayerGeometry;
  /** [groups][K][Ng] */
  matrix: Float32Array;
  channelsPerGroup: number;
  /** Kernel positions per input channel (Kh·Kw; 1 for matmul). */
  kernelArea: number;
  bias?: Float32Array;
}

function convPads(node: Node, inSpatial: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const dims = inSpatial.length;
  if (autoPad === 'NOTSET') {
    const pads = attrInts(node, 'pads', new Array(2 * dims).fill(0));
    return [...pads];
  }
  if (autoPad === 'VALID') return new Array(2 * dims).fill(0);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < dims; i++) {
    const out = Math.ceil(inSpatial[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSpatial[i]);
    const small = Math.floor(total / 2);
    const big = total - small;
    begin.push(autoPad === 'SAME_LOWER' ? big : small);
    end.push(autoPad === 'SAME_LOWER' ? small : big);
  }
  return [...begin, ...end];
}

/** dst[base + c·rows + r] = src[from + r·cols + c]: a [rows, cols] block transposed, blocked. */
function transposeInto(src: ArrayLike<number>, from: number, rows: number, cols: number, dst: Float32Array, base: number): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let c = c0; c < c1; c++) {
        const d = base + c * rows;
        for (let r = r0; r < r1; r++) dst[d + r] = src[from + r * cols + c];
      }
    }
  }
}

function convMatrix(graph: Graph, node: Node): LayerMatrix {
  const w = graph.constants.get(node.inputs[1])!;
  const inputShape = graph.staticShape(node.inputs[0])!;
  const outputShape = graph.staticShape(node.outputs[0])!;
  const spatialDims = (w.shape.length - 2) as 1 | 2;
  const group = attrInt(node, 'group', 1);
  const [cout, cinPerGroup] = w.shape;
  const kernelSpatial = w.shape.slice(2);
  const strides = [...attrInts(node, 'strides', new Array(spatialDims).fill(1))];
  const dilations = [...attrInts(node, 'dilations', new Array(spatialDims).fill(1))];
  const pads = convPads(node, inputShape.slice(2), kernelSpatial, strides, dilations);
  if (cout % group !== 0 || inputShape[1] !== cinPerGroup * group) {
    throw new CimcError('CIM2002', `weights [${w.shape.join(',')}] and group ${group} do not fit input channels ${inputShape[1]}`, { node: node.name, opType: node.opType });
  }
  const kh = spatialDims === 2 ? kernelSpatial[0] : 1;
  const kw = spatialDims === 2 ? kernelSpatial[1] : kernelSpatial[0];
  const area = kh * kw;
  const k = cinPerGroup * area;
  const ng = cout / group;
  const src = tensorToFloat32(w);
  const matrix = new Float32Array(group * k * ng);
  // W[o][ci][kh][kw] → matrix[g][r = ci·area + i·kw + j][o_local]: per group a [Ng, K] → [K, Ng]
  // transpose, in 32×32 blocks so that neither side strides through memory on big layers.
  for (let g = 0; g < group; g++) transposeInto(src, g * ng * k, ng, k, matrix, g * k * ng);
  const bias = node.inputs[2] ? Float32Array.from(tensorToFloat32(graph.constants.get(node.inputs[2])!)) : undefined;
  const two = <T>(a: T[], fill: T): [T, T] => (spatialDims === 2 ? [a[0], a[1]] : [fill, a[0]]);
  return {
    geometry: {
      kind: 'conv',
      spatialDims,
      inChannels: inputShape[1],
      outChannels: cout,
      groups: group,
      kernel: [kh, kw],
      strides: two(strides, 1),
      dilations: two(dilations, 1),
      pads: spatialDims === 2 ? [pads[0], pads[1], pads[2], pads[3]] : [0, pads[0], 0, pads[1]],
      inputShape: [...inputShape],
      outputShape: [...outputShape],
      rowsPerGroup: k,
    },
    matrix,
    channelsPerGroup: ng,
    kernelArea: area,
    bias,
  };
}

function gemmMatrix(graph: Graph, node: Node): LayerMatrix {
  const b = graph.constants.get(node.inputs[1])!;
  const inputShape = graph.staticShape(node.inputs[0])!;
  const outputShape = graph.staticShape(node.outputs[0])!;
  const transA = attrInt(node, 'transA', 0) === 1;
  const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
  const alpha = node.opType === 'Gemm' ? attrFloat(node, 'alpha', 1) : 1;
  const beta = node.opType === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
  const [b0, b1] = b.shape;
  const k = transB ? b1 : b0;
  const n = transB ? b0 : b1;
  const kIn = node.opType === 'Gemm' ? (transA ? inputShape[0] : inputShape[1]) : inputShape[inputShape.length - 1];
  if (kIn !== k) {
    throw new CimcError('CIM2002', `inner dimensions differ: input has ${kIn}, weights have ${k}`, { node: node.name, opType: node.opType });
  }
  const src = tensorToFloat32(b);
  const matrix = new Float32Array(k * n);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < n; c++) matrix[r * n + c] = alpha * (transB ? src[c * k + r] : src[r * n + c]);
  }
  let bias: Float32Array | undefined;
  if (node.opType === 'Gemm' && node.inputs[2]) {
    const c = tensorToFloat32(graph.constants.get(node.inputs[2])!);
    bias = new Float32Array(n);
    for (let i = 0; i < n; i++) bias[i] = beta * (c.length === 1 ? c[0] : c[i]);
  }
  return {
    geometry: {
      kind: 'matmul', inFeatures: k, outFeatures: n, transposeInput: transA,
      inputShape: [...inputShape], outputShape: [...outputShape], rowsPerGroup: k, groups: 1,
    },
    matrix,
    channelsPerGroup: n,
    kernelArea: 1,
    bias,
  };
}

export function layerMatrix(graph: Graph, node: Node): LayerMatrix {
  return node.opType === 'Conv' ? convMatrix(graph, node) : gemmMatrix(graph, node);
}
