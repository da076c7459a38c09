/** im2col geometry of a crossbar layer and its weight matrix per group (design §3). */
import { CimcError } from '../../base/diagnostics.js';
import { attrFloat, attrInt, attrInts, attrString, type Graph, type Node } from '../ir/ir.js';
import { tensorToFloat32 } from '../../base/tensor.js';
import type { LayerGeometry } from '../../plan/types.js';

export interface LayerMatrix {
  geometry: LayerGeometry;
  /**
   * The effective weights in kernel order, [groups][Ng][K]: each output channel's K weights
   * contiguous, as Conv stores them (then this is the weight tensor's own storage, not a copy)
   * and as quantization reads them. The plan's [groups][K][Ng] matrix is weightMatrixOf(this).
   */
  weights: Float32Array;
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
  // W[o][ci][kh][kw] is already [g][o_local][r = ci·area + i·kw + j]: the weights as they are.
  const weights = tensorToFloat32(w);
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
    weights,
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
  // weights[c][r] = alpha·B'[r][c]: B itself when transB (as exported Linear layers are) and alpha = 1.
  let weights: Float32Array;
  if (transB && alpha === 1) weights = src;
  else {
    weights = new Float32Array(k * n);
    if (transB) for (let i = 0; i < weights.length; i++) weights[i] = alpha * src[i];
    else {
      transposeInto(src, 0, k, n, weights, 0);
      if (alpha !== 1) for (let i = 0; i < weights.length; i++) weights[i] = alpha * weights[i];
    }
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
    weights,
    channelsPerGroup: n,
    kernelArea: 1,
    bias,
  };
}

/** The plan's weight matrix [groups][K][Ng] of weights in kernel order [groups][Ng][K]. */
export function weightMatrixOf(weights: Float32Array, groups: number, k: number, ng: number): Float32Array {
  const matrix = new Float32Array(weights.length);
  for (let g = 0; g < groups; g++) transposeInto(weights, g * ng * k, ng, k, matrix, g * k * ng);
  return matrix;
}

/**
 * Index in the [groups][K][Ng] matrix of the weight at `index` in kernel order [groups][Ng][K]
 * (how diagnostics name a weight).
 */
export function matrixIndexOf(index: number, k: number, ng: number): number {
  const g = Math.floor(index / (ng * k));
  const o = Math.floor(index / k) % ng;
  return g * k * ng + (index % k) * ng + o;
}

export function layerMatrix(graph: Graph, node: Node): LayerMatrix {
  return node.opType === 'Conv' ? convMatrix(graph, node) : gemmMatrix(graph, node);
}
