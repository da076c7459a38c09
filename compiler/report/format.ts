/** The mapping report of a plan: JSON form and text/markdown/csv tables. */
import Table from 'cli-table3';
import type { LayerReport, Plan, PlanReportTotals } from '../../plan/types.js';
import type { CostSpec } from '../../targets/cost.js';
import { planCost } from '../cost/plan-cost.js';
import type { CostReport } from '../cost/model.js';
import { formatCostCsv, formatCostMarkdown, formatCostText } from './cost-format.js';

export interface ReportJson {
  model: string;
  target: string;
  calibration: string;
  layers: (Omit<LayerReport, 'notes'> & { notes?: string[] })[];
  totals: PlanReportTotals;
  /** Energy, time and area per layer and in total (absent when the plan's target has no cost figures). */
  cost?: CostReport;
}

export interface ReportOptions {
  /** Cost figures in place of the plan target's (`cimc report --cost`). */
  cost?: CostSpec;
}

export function planReport(plan: Plan, options: ReportOptions = {}): ReportJson {
  const cost = planCost(plan, options.cost);
  return {
    model: plan.model.file, target: plan.target.name, calibration: plan.calibration.method, layers: plan.report.layers, totals: plan.report.totals,
    ...(cost ? { cost } : {}),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const big = (x: number): string => {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return String(x);
};

const columns = ['layer', 'op', 'cim', 'arrays', 'row tiles', 'col tiles', 'slices', 'util', 'MACs', 'ADC conv', 'scales'];

function row(l: LayerReport, human: boolean): string[] {
  const n = (x: number): string => (human ? big(x) : String(x));
  return [
    l.name, l.opType, l.cim ? 'yes' : 'no', String(l.arrays), String(l.rowTiles), String(l.colTiles), String(l.slices),
    l.cim ? (human ? pct(l.utilization) : l.utilization.toFixed(4)) : '-', n(l.macs), n(l.adcConversions), String(l.scaleFactors),
  ];
}

function totalsRow(t: PlanReportTotals, human: boolean): string[] {
  const n = (x: number): string => (human ? big(x) : String(x));
  return ['total', '', `${t.cimLayers}/${t.cimLayers + t.digitalLayers}`, String(t.arrays), '', '', '', human ? pct(t.utilization) : t.utilization.toFixed(4), n(t.macs), n(t.adcConversions), String(t.scaleFactors)];
}

export function formatReportText(plan: Plan, options: ReportOptions = {}): string {
  const r = plan.report;
  const table = new Table({ head: columns, style: { head: [], border: [], compact: true } });
  for (const l of r.layers) table.push(row(l, true));
  table.push(totalsRow(r.totals, true));
  const t = plan.target;
  const lines = [
    `model   ${plan.model.file}   target ${t.name} (${t.array.rows}x${t.array.cols}, ${t.array.cellBits}-bit cells)`,
    `arrays  ${r.totals.arrays} (lower bound ${r.totals.arrayLowerBound}), utilization ${pct(r.totals.utilization)}, ${r.totals.cimLayers} CIM layers, ${r.totals.digitalLayers} digital`,
    `numbers ${plan.calibration.method}: ${plan.calibration.note}`,
    table.toString(),
  ];
  // Layers whose weights (weights.method imported) carry a QDQ model's own integers and scales.
  const imported = plan.layers.filter((l) => l.weights.method === 'imported');
  if (imported.length) {
    const withInput = imported.filter((l) => l.activation.scale !== null).length;
    lines.splice(3, 0, `imported ${imported.length} layer(s) with the model's own weight integers and scales (weights.method imported), ${withInput} with its input scale: ${imported.map((l) => l.name).join(', ')}`);
  }
  const notes = r.layers.flatMap((l) => (l.notes ?? []).map((n) => `  ${l.name}: ${n}`));
  if (notes.length) lines.push('notes:', ...notes);
  const cost = planCost(plan, options.cost);
  return lines.join('\n') + '\n' + (cost ? formatCostText(cost) : '');
}

export function formatReportMarkdown(plan: Plan, options: ReportOptions = {}): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const l of plan.report.layers) lines.push(`| ${row(l, true).map(esc).join(' | ')} |`);
  lines.push(`| ${totalsRow(plan.report.totals, true).join(' | ')} |`);
  const cost = planCost(plan, options.cost);
  return lines.join('\n') + '\n' + (cost ? formatCostMarkdown(cost) : '');
}

export function formatReportCsv(plan: Plan, options: ReportOptions = {}): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [columns.join(',')];
  for (const l of plan.report.layers) lines.push(row(l, false).map(q).join(','));
  lines.push(totalsRow(plan.report.totals, false).map(q).join(','));
  const cost = planCost(plan, options.cost);
  return lines.join('\n') + '\n' + (cost ? '\n' + formatCostCsv(cost) : '');
}
