/**
 * The trade-offs the sweep page charts: accuracy against energy, area and latency, each with its
 * Pareto front (accuracy higher, the cost lower) computed by paretoFront over the ok points whose
 * two numbers are finite.
 */
import { paretoFront } from '../pareto.js';
import { accuracy, area, energy, latency, type Measure, type OkRecord } from './values.js';

export interface TradeOff {
  /** Short id, used in element ids and data-chart attributes. */
  id: string;
  title: string;
  x: Measure;
  y: Measure;
}

export const tradeOffs: readonly TradeOff[] = [
  { id: 'energy', title: 'Accuracy vs energy per inference', x: energy, y: accuracy },
  { id: 'area', title: 'Accuracy vs area', x: area, y: accuracy },
  { id: 'latency', title: 'Accuracy vs latency', x: latency, y: accuracy },
];

/** The points a trade-off can place: finite x and y. */
export function plotted(records: readonly OkRecord[], t: TradeOff): OkRecord[] {
  return records.filter((r) => Number.isFinite(t.x.value(r.metrics)) && Number.isFinite(t.y.value(r.metrics)));
}

/** The Pareto front of a trade-off (accuracy higher, x lower), in the order of `records`. */
export function frontOf(records: readonly OkRecord[], t: TradeOff): OkRecord[] {
  return paretoFront(plotted(records, t), [
    { value: (r) => t.y.value(r.metrics), better: 'higher' },
    { value: (r) => t.x.value(r.metrics), better: 'lower' },
  ]);
}

/** Front points along the x axis: x ascending, then accuracy ascending, then grid index. */
export function alongX(front: readonly OkRecord[], t: TradeOff): OkRecord[] {
  return [...front].sort((a, b) => t.x.value(a.metrics) - t.x.value(b.metrics) || t.y.value(a.metrics) - t.y.value(b.metrics) || a.index - b.index);
}
