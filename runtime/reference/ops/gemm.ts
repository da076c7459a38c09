/**
 * Matrix products: the float32 GEMM core shared by Gemm, MatMul, Conv and ConvTranspose,
 * and the Gemm / MatMul / MatMulInteger / Einsum kernels.
 *
 * The core computes C = A·B (row-major) in 4×4 register tiles: B is packed four columns at
 * a time into a contiguous float64 panel, A is read four rows at a time, and the 16 partial
 * sums stay in locals (accumulated in float64, so the result is at least as accurate as a
 * float32 BLAS). Products with fewer than four rows use an i-k-j loop that streams B.
 */
import { fromNumbers, makeTensor, shapeText, sizeOf, toFloat32, toFloat64 } from '../../../base/rt-tensor.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { attrNumber, attrString, kernelError, requireFloat, requireInput, requireRank, type DigitalKernel } from './types.js';

/** Scratch panels reused between calls (the runtime is single-threaded). */
let panel = new Float64Array(4 * 1024);
let rowScratch = new Float64Array(1024);

function panelOf(length: number): Float64Array {
  if (panel.length < length) panel = new Float64Array(length);
  return panel;
}

function rowOf(length: number): Float64Array {
  if (rowScratch.length < length) rowScratch = new Float64Array(length);
  return rowScratch;
}

/**
 * C[M×N] = A[M×K] · B[K×N], overwriting C. With transB, B is stored [N×K] (C = A·Bᵀ).
 * Offsets select a sub-array of each buffer; rows are dense (strides K, N and N).
 */
export function matmulInto(
  C: Float32Array, cOff: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  M: number, K: number, N: number,
  transB = false,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    C.fill(0, cOff, cOff + M * N);
    return;
  }
  if (M < 4) {
    smallM(C, cOff, A, aOff, B, bOff, M, K, N, transB);
    return;
  }
  const Bp = panelOf(K * 4);
  const M4 = M - (M % 4);
  for (let j = 0; j < N; j += 4) {
    const cols = Math.min(4, N - j);
    // Pack B[:, j..j+4) into Bp[k*4 + c] (zeros past N).
    if (transB) {
      for (let c = 0; c < 4; c++) {
        if (c < cols) {
          const row = bOff + (j + c) * K;
          for (let k = 0; k < K; k++) Bp[k * 4 + c] = B[row + k];
        } else {
          for (let k = 0; k < K; k++) Bp[k * 4 + c] = 0;
        }
      }
    } else if (cols === 4) {
      for (let k = 0, b = bOff + j, p = 0; k < K; k++, b += N, p += 4) {
        Bp[p] = B[b]; Bp[p + 1] = B[b + 1]; Bp[p + 2] = B[b + 2]; Bp[p + 3] = B[b + 3];
      }
    } else {
      for (let k = 0, b = bOff + j, p = 0; k < K; k++, b += N, p += 4) {
        for (let c = 0; c < 4; c++) Bp[p + c] = c < cols ? B[b + c] : 0;
      }
    }
    let i = 0;
    for (; i < M4; i += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      const r0 = aOff + i * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const b0 = Bp[p], b1 = Bp[p + 1], b2 = Bp[p + 2], b3 = Bp[p + 3];
        const a0 = A[r0 + k], a1 = A[r1 + k], a2 = A[r2 + k], a3 = A[r3 + k];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const c = cOff + i * N + j;
      if (cols === 4) {
        C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03;
        C[c + N] = c10; C[c + N + 1] = c11; C[c + N + 2] = c12; C[c + N + 3] = c13;
        C[c + 2 * N] = c20; C[c + 2 * N + 1] = c21; C[c + 2 * N + 2] = c22; C[c + 2 * N + 3] = c23;
        C[c + 3 * N] = c30; C[c + 3 * N + 1] = c31; C[c + 3 * N + 2] = c32; C[c + 3 * N + 3] = c33;
      } else {
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < 4; r++) for (let q = 0; q < cols; q++) C[c + r * N + q] = tile[r * 4 + q];
      }
    }
    // Leftover rows: one row at a time against the same panel.
    for (; i < M; i++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const r0 = aOff + i * K;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const a = A[r0 + k];
        s0 += a * Bp[p]; s1 += a * Bp[p + 1]; s2 += a * Bp[p + 2]; s3 += a * Bp[p + 3];
      }
      const c = cOff + i * N + j;
      C[c] = s0;
      if (cols > 1) C[c + 1] = s1;
      if (cols > 2) C[c + 2] = s2;
      if (cols > 3) C[c + 3] = s3;
    }
  }
}

/** Few rows: stream B once per row (i-k-j), or dot products when B is stored transposed. */
function smallM(C: Float32Array, cOff: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number, M: number, K: number, N: number, transB: boolean): void {
  if (transB) {
    for (let i = 0; i < M; i++) {
      const a = aOff + i * K;
      for (let j = 0; j < N; j++) {
        const b = bOff + j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
        C[cOff + i * N + j] = s;
      }
    }
    return;
  }
  const acc = rowOf(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0, 0, N);
    const a = aOff + i * K;
    for (let k = 0; k < K; k++) {
      const av = A[a + k];
      if (av === 0) continue;
      const b = bOff + k * N;
      for (let j = 0; j < N; j++) acc[j] += av * B[b + j];
    }
    const c = cOff + i * N;
    for (let j = 0; j < N; j++) C[c + j] = acc[j];
  }
}

/** Row-major transpose of an R×C matrix. */
export function transpose2d(x: Float32Array, rows: number, cols: number, xOff = 0): Float32Array {
  const y = new Float32Array(rows * cols);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) y[c * rows + r] = x[xOff + r * cols + c];
    }
  }
  return y;
}

/** Gemm: Y = alpha·A'·B' + beta·C, A' = transA ? Aᵀ : A, C broadcast to [M, N]. */
const gemmKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const a = requireFloat(inputs, 0, ctx, 'A'), b = requireFloat(inputs, 1, ctx, 'B');
  requireRank(a, [2], ctx, 'A');
  requireRank(b, [2], ctx, 'B');
  const transA = attrNumber(attrs, 'transA', 0) !== 0, transB = attrNumber(attrs, 'transB', 0) !== 0;
  const alpha = attrNumber(attrs, 'alpha', 1), beta = attrNumber(attrs, 'beta', 1);
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) throw kernelError(ctx, `A ${shapeText(a.shape)} and B ${shapeText(b.shape)} do not multiply (transA=${+transA}, transB=${+transB})`);
  const A = transA ? transpose2d(toFloat32(a), K, M) : toFloat32(a);
  const y = new Float32Array(M * N);
  matmulInto(y, 0, A, 0, toFloat32(b), 0, M, K, N, transB);
  if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] *= alpha;
  const c = inputs[2];
  if (c && beta !== 0) {
    const outShape = broadcastShapes([c.shape, [M, N]], ctx);
    if (outShape.length !== 2 || outShape[0] !== M || outShape[1] !== N) {
      throw kernelError(ctx, `C ${shapeText(c.shape)} does not broadcast to [${M},${N}]`);
    }
    const cd = toFloat32(c);
    const [sr, sc] = broadcastStrides(c.shape, [M, N]);
    for (let i = 0; i < M; i++) {
      const row = i * N;
      for (let j = 0, p = i * sr; j < N; j++, p += sc) y[row + j] += beta * cd[p];
    }
  }
  return [makeTensor('float32', [M, N], y)];
};

/** MatMul with numpy semantics: 1-D operands promoted and dropped, batch dims broadcast. */
const matmulKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const a = requireFloat(inputs, 0, ctx, 'A'), b = requireFloat(inputs, 1, ctx, 'B');
  if (a.shape.length === 0 || b.shape.length === 0) throw kernelError(ctx, 'MatMul operands must have rank ≥ 1');
  const aShape = a.shape.length === 1 ? [1, a.shape[0]] : [...a.shape];
  const bShape = b.shape.length === 1 ? [b.shape[0], 1] : [...b.shape];
  const M = aShape[aShape.length - 2], K = aShape[aShape.length - 1];
  const N = bShape[bShape.length - 1];
  if (bShape[bShape.length - 2] !== K) throw kernelError(ctx, `A ${shapeText(a.shape)} and B ${shapeText(b.shape)} do not multiply`);
  const aBatch = aShape.slice(0, -2), bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch], ctx);
  const batches = sizeOf(batch);
  const A = toFloat32(a), B = toFloat32(b);
  const y = new Float32Array(batches * M * N);
  const aStr = broadcastStrides(aBatch, batch), bStr = broadcastStrides(bBatch, batch);
  const counter = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < batches; t++) {
    let ai = 0, bi = 0;
    for (let d = 0; d < batch.length; d++) { ai += counter[d] * aStr[d]; bi += counter[d] * bStr[d]; }
    matmulInto(y, t * M * N, A, ai * M * K, B, bi * K * N, M, K, N);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++counter[d] < batch[d]) break;
      counter[d] = 0;
    }
  }
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  return [makeTensor('float32', shape, y)];
};

/** MatMulInteger: (A − a_zero_point) · (B − b_zero_point) in exact int32 (per-row / per-column zero points allowed). */
const matmulIntegerKernel: DigitalKernel = (inputs, _attrs, ctx) => {
  const a = requireInput(inputs, 0, ctx, 'A'), b = requireInput(inputs, 1, ctx, 'B');
  if (a.shape.length < 2 || b.shape.length < 2) throw kernelError(ctx, 'MatMulInteger operands must have rank ≥ 2');
  const M = a.shape[a.shape.length - 2], K = a.shape[a.shape.length - 1], N = b.shape[b.shape.length - 1];
  if (b.shape[b.shape.length - 2] !== K) throw kernelError(ctx, `A ${shapeText(a.shape)} and B ${shapeText(b.shape)} do not multiply`);
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch], ctx);
  const azp = inputs[2] ? toFloat64(inputs[2]) : new Float64Array(1);
  const bzp = inputs[3] ? toFloat64(inputs[3]) : new Float64Array(1);
  if ((azp.length !== 1 && azp.length !== M) || (bzp.length !== 1 && bzp.length !== N)) {
    throw kernelError(ctx, 'zero points must be scalars, per row of A or per column of B');
  }
  const A = toFloat64(a), B = toFloat64(b);
  const batches = sizeOf(batch);
  const y = new Int32Array(batches * M * N);
  const acc = new Float64Array(N);
  const aStr = broadcastStrides(aBatch, batch), bStr = broadcastStrides(bBatch, batch);
  const counter = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < batches; t++) {
    let ai = 0, bi = 0;
    for (let d = 0; d < batch.length; d++) { ai += counter[d] * aStr[d]; bi += counter[d] * bStr[d]; }
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      const za = azp.length === 1 ? azp[0] : azp[i];
      for (let k = 0; k < K; k++) {
        const av = A[ai * M * K + i * K + k] - za;
        if (av === 0) continue;
        const row = bi * K * N + k * N;
        if (bzp.length === 1) { const zb = bzp[0]; for (let j = 0; j < N; j++) acc[j] += av * (B[row + j] - zb); }
        else for (let j = 0; j < N; j++) acc[j] += av * (B[row + j] - bzp[j]);
      }
      for (let j = 0; j < N; j++) y[(t * M + i) * N + j] = acc[j];
    }
    for (let d = batch.length - 1; d >= 0; d--) { if (++counter[d] < batch[d]) break; counter[d] = 0; }
  }
  return [makeTensor('int32', [...batch, M, N], y)];
};

/**
 * Einsum by direct summation over every label combination (numpy semantics: '...' broadcasts,
 * a label repeated within one operand takes the diagonal, an implicit output lists the labels
 * seen once in alphabetical order after the ellipsis dims).
 */
const einsumKernel: DigitalKernel = (inputs, attrs, ctx) => {
  const equation = attrString(attrs, 'equation', '').replace(/\s+/g, '');
  const xs = inputs.map((_t, i) => requireInput(inputs, i, ctx, `input ${i}`));
  const [lhs, rhs] = equation.split('->');
  const terms = lhs.split(',');
  if (terms.length !== xs.length) throw kernelError(ctx, `equation '${equation}' names ${terms.length} operands, the node has ${xs.length}`);
  // Labels: letters, and '0', '1', … for the ellipsis dims (right-aligned across operands).
  let ellipsisRank = 0;
  terms.forEach((t, i) => {
    if (t.includes('...')) ellipsisRank = Math.max(ellipsisRank, xs[i].shape.length - t.replace('...', '').length);
  });
  const ellipsis = Array.from({ length: ellipsisRank }, (_, i) => String(i));
  const expand = (t: string, rank: number): string[] => {
    if (!t.includes('...')) return [...t];
    const [pre, post] = t.split('...');
    const n = rank - pre.length - post.length;
    return [...pre, ...ellipsis.slice(ellipsisRank - n), ...post];
  };
  const operandLabels = terms.map((t, i) => expand(t, xs[i].shape.length));
  const size = new Map<string, number>();
  operandLabels.forEach((labels, i) => {
    if (labels.length !== xs[i].shape.length) throw kernelError(ctx, `operand ${i} ${shapeText(xs[i].shape)} does not match '${terms[i]}'`);
    labels.forEach((l, k) => {
      const d = xs[i].shape[k], prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== prev && !(d === 1 && /[0-9]/.test(l))) throw kernelError(ctx, `label '${l}' has sizes ${prev} and ${d}`);
    });
  });
  let outLabels: string[];
  if (rhs !== undefined) outLabels = expand(rhs, ellipsisRank + rhs.replace('...', '').length);
  else {
    const counts = new Map<string, number>();
    for (const labels of operandLabels) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    outLabels = [...ellipsis, ...[...counts.keys()].filter((l) => !ellipsis.includes(l) && counts.get(l) === 1).sort()];
  }
  const all = [...outLabels, ...[...size.keys()].filter((l) => !outLabels.includes(l))];
  const dims = all.map((l) => size.get(l)!);
  // Per operand, the stride each label advances it by (summed over repeats; 0 where broadcast).
  const strides = xs.map((x, i) => {
    const st = new Array<number>(all.length).fill(0);
    let acc = 1;
    for (let k = x.shape.length - 1; k >= 0; k--) {
      if (x.shape[k] !== 1) st[all.indexOf(operandLabels[i][k])] += acc;
      acc *= x.shape[k];
    }
    return st;
  });
  const data = xs.map((x) => toFloat64(x));
  const outCount = sizeOf(dims.slice(0, outLabels.length)), inner = sizeOf(dims.slice(outLabels.length));
  const y = new Float64Array(outCount);
  const counter = new Array<number>(all.length).fill(0);
  const offs = new Array<number>(xs.length).fill(0);
  for (let o = 0; o < outCount; o++) {
    let s = 0;
    for (let r = 0; r < inner; r++) {
      let p = 1;
      for (let i = 0; i < xs.length; i++) p *= data[i][offs[i]];
      s += p;
      for (let d = all.length - 1; d >= 0; d--) {
        counter[d]++;
        for (let i = 0; i < xs.length; i++) offs[i] += strides[i][d];
        if (counter[d] < dims[d]) break;
        for (let i = 0; i < xs.length; i++) offs[i] -= strides[i][d] * dims[d];
        counter[d] = 0;
      }
    }
    y[o] = s;
  }
  const dtype = xs[0].dtype;
  return [makeTensor(dtype, dims.slice(0, outLabels.length), dtype === 'float64' ? y : fromNumbers(dtype, y))];
};

export const gemmKernels: Record<string, DigitalKernel> = {
  Gemm: gemmKernel,
  MatMul: matmulKernel,
  MatMulInteger: matmulIntegerKernel,
  Einsum: einsumKernel,
};
