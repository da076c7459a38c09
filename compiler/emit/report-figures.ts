/** Per-layer and total mapping figures (design §5): arrays, cells, MACs, ADC conversions, scales. */
import { attrInt, type Graph, type Node } from '../ir/ir.js';
import type { LayerReport, PlanReportTotals } from '../../plan/types.js';
import { outputVectors } from '../../plan/geometry.js';
import type { TargetSpec } from '../../targets/target.js';
import { sizeOf } from '../../base/tensor.js';

export const matrixOps = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** MACs of a matrix layer for one inference, from shapes alone. */
export function layerMacs(graph: Graph, node: Node): number {
  const out = graph.staticShape(node.outputs[0]);
  const w = graph.typeOf(node.inputs[1])?.shape;
  if (!out || !w || w.some((d) => typeof d !== 'number')) return 0;
  const ws = w as number[];
  if (node.opType === 'Conv') return sizeOf(out) * sizeOf(ws.slice(1));
  if (node.opType === 'ConvTranspose') {
    const x = graph.staticShape(node.inputs[0]);
    return x ? sizeOf(x) * ws[1] * sizeOf(ws.slice(2)) : 0;
  }
  const a = graph.staticShape(node.inputs[0]);
  if (!a) return 0;
  if (node.opType === 'Gemm') {
    const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
    return sizeOf(out) * k;
  }
  return sizeOf(out) * a[a.length - 1];
}

export function layerReport(graph: Graph, node: Node, target: TargetSpec): LayerReport {
  const cim = node.annotations?.cim;
  const macs = layerMacs(graph, node);
  const m = cim?.mapping;
  const q = cim?.quant;
  if (!m || !q) {
    return {
      name: node.name, opType: node.opType, cim: false, arrays: 0, rowTiles: 0, colTiles: 0, slices: 0,
      usedCells: 0, totalCells: 0, utilization: 0, macs, adcConversions: 0, scaleFactors: 0,
      notes: cim?.selection.reason ? [cim.selection.reason] : [],
    };
  }
  const arrays = m.arrays.length;
  const totalCells = arrays * target.array.rows * target.array.cols;
  const usedCells = q.cells.length;
  const report: LayerReport = {
    name: node.name, opType: node.opType, cim: true, arrays,
    rowTiles: m.rowTiles.length, colTiles: m.colTiles, slices: m.bits.slices,
    usedCells, totalCells, utilization: totalCells ? usedCells / totalCells : 0,
    macs,
    adcConversions: m.columns.array.length * outputVectors(m.geometry) * m.bits.cycles,
    scaleFactors: q.scaleFactors,
    notes: [...m.notes],
  };
  if (q.clipRate !== undefined) report.clipRate = q.clipRate;
  return report;
}

export function reportTotals(graph: Graph, layers: readonly LayerReport[], target: TargetSpec): PlanReportTotals {
  const cimLayers = layers.filter((l) => l.cim);
  const sum = (f: (l: LayerReport) => number): number => cimLayers.reduce((s, l) => s + f(l), 0);
  let weightCells = 0;
  for (const n of graph.nodes) {
    const m = n.annotations?.cim?.mapping;
    // The kernel-order weights: as many as the matrix, which need not be made for counting.
    if (m) weightCells += m.weights.length * m.bits.slices * (m.encoding === 'differential' ? 2 : 1);
  }
  const usedCells = sum((l) => l.usedCells);
  const totalCells = sum((l) => l.totalCells);
  return {
    arrays: sum((l) => l.arrays),
    usedCells,
    totalCells,
    utilization: totalCells ? usedCells / totalCells : 0,
    macs: layers.reduce((s, l) => s + l.macs, 0),
    adcConversions: sum((l) => l.adcConversions),
    scaleFactors: sum((l) => l.scaleFactors),
    arrayLowerBound: Math.ceil(weightCells / (target.array.rows * target.array.cols)),
    cimLayers: cimLayers.length,
    digitalLayers: layers.length - cimLayers.length,
  };
}
