/**
 * The weight tensors of the CIM Convs and MatMuls, built from the cells: integer storage where
 * the cells are integers (4× smaller ONNX), float32 for perturbed cells.
 */
import type { LayerContext } from './layer-context.js';

export type CellArray = Uint8Array | Uint16Array | Float32Array;

/** Storage for cell weights up to maxWeight: uint8/uint16 when the cells are integers, else float32. */
export function cellArray(layer: LayerContext, length: number, maxWeight = 255): CellArray {
  if (!layer.integerCells || maxWeight > 65535) return new Float32Array(length);
  return maxWeight > 255 ? new Uint16Array(length) : new Uint8Array(length);
}

/** weights[base + r] += scale · cells[start + r · stride] for r < count (one tight loop per column). */
export function addColumn(weights: CellArray, base: number, cells: ArrayLike<number>, start: number, stride: number, count: number, scale: number): void {
  if (stride === 1 && weights instanceof Uint8Array && cells instanceof Uint8Array && scale === 1) {
    // The common unpacked case: plain byte copies.
    for (let r = 0; r < count; r++) weights[base + r] += cells[start + r];
    return;
  }
  for (let r = 0, i = start; r < count; r++, i += stride) weights[base + r] += scale * cells[i];
}

/**
 * Cell weights: stored as uint8 and cast to float32 in-graph (onnxruntime folds the Cast when
 * the session is created), which keeps the ONNX bytes 4× smaller (VGG-16 stays below
 * protobuf's 2 GB); perturbed cells (variation) are real numbers and stay float32.
 */
export function cellWeights(layer: LayerContext, hint: string, shape: readonly number[], data: CellArray): string {
  const b = layer.b;
  if (data instanceof Float32Array) return b.f32(hint, shape, data);
  return b.cast(b.tensor(hint, { dtype: data instanceof Uint16Array ? 'uint16' : 'uint8', shape, data }), 'float32');
}
