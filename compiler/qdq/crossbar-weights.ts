/**
 * Imported weights in the crossbar's layout: the integers of every matrix element
 * [groups][K][Ng] (compiler/cim/geometry.ts's order) and one scale per (row tile, local output
 * channel), the weightScale of the plan. A (row tile, channel) must see one scale: true of per-
 * tensor scales, of per-axis scales on the output-channel axis, and of blocks that line up with
 * the row tiles; otherwise the layer cannot hold the model's numbers and the reason is returned.
 */
import { attrFloat, attrInt, type Node } from '../ir/ir.js';
import type { CimMapping, ImportedWeights } from '../cim/annotations.js';

export interface CrossbarWeights {
  /** q − zp per matrix element, [groups][K][Ng]. */
  q: Int32Array;
  /** [rowTiles, Ng]: the imported scale (times Gemm's alpha). */
  weightScale: Float64Array;
}

/** The weight-tensor index of each matrix element (g, r, ol) of the layer. */
function weightIndexOf(node: Node, m: CimMapping, shape: readonly number[]): (g: number, r: number, ol: number) => number {
  const k = m.geometry.rowsPerGroup;
  const ng = m.channelsPerGroup;
  if (node.opType === 'Conv') return (g, r, ol) => (g * ng + ol) * k + r;
  const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
  const n = transB ? shape[0] : shape[1];
  return transB ? (_g, r, c) => c * k + r : (_g, r, c) => r * n + c;
}

export function crossbarWeights(node: Node, m: CimMapping, w: ImportedWeights, shape: readonly number[]): CrossbarWeights | string {
  const k = m.geometry.rowsPerGroup;
  const ng = m.channelsPerGroup;
  const alpha = node.opType === 'Gemm' ? attrFloat(node, 'alpha', 1) : 1;
  const index = weightIndexOf(node, m, shape);
  const q = new Int32Array(m.matrix.length);
  const weightScale = new Float64Array(m.rowTiles.length * ng);
  for (let t = 0; t < m.rowTiles.length; t++) {
    const tile = m.rowTiles[t];
    for (let ol = 0; ol < ng; ol++) {
      let scaleIndex = -1;
      for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
        const i = index(tile.group, r, ol);
        const s = w.scaleIndex[i];
        if (scaleIndex < 0) scaleIndex = s;
        else if (s !== scaleIndex && w.scale[s] !== w.scale[scaleIndex]) {
          const how = w.granularity === 'block'
            ? `its blocks of ${w.blockSize} along axis ${w.axis} do not line up with row tile ${t} (rows ${tile.rowStart}…${tile.rowStart + tile.rowCount - 1} of ${k})`
            : `its scales vary along axis ${w.axis}, across the rows of one crossbar column`;
          return `the imported weights cannot be held exactly: ${how}; a column has one weight scale`;
        }
        q[tile.group * k * ng + r * ng + ol] = w.values[i];
      }
      weightScale[t * ng + ol] = alpha * w.scale[scaleIndex];
    }
  }
  return { q, weightScale };
}

/** Whether the layer's weight constant is still exactly the one import-qdq wrote (no later pass rescaled it). */
export function weightUnchanged(current: ArrayLike<number>, w: ImportedWeights): boolean {
  if (current === w.weight) return true;
  if (current.length !== w.weight.length) return false;
  for (let i = 0; i < current.length; i++) if (current[i] !== w.weight[i]) return false;
  return true;
}
