/** The cost part of the report: per-layer and total energy, time and area, as text, markdown and csv. */
import Table from 'cli-table3';
import { areaComponents, energyComponents, type AreaComponent, type CostReport, type EnergyComponent, type LayerCost } from '../cost/model.js';

/** Names the report shows for the components. */
export const energyLabels: Readonly<Record<EnergyComponent, string>> = {
  adc: 'ADC', dac: 'DAC / row drivers', sampleHold: 'sample-and-hold', array: 'cell arrays', shiftAdd: 'shift-add',
  digital: 'digital MACs', buffer: 'buffer traffic', periphery: 'periphery blocks',
};
export const areaLabels: Readonly<Record<AreaComponent, string>> = {
  adc: 'ADC', dac: 'DAC / row drivers', sampleHold: 'sample-and-hold', array: 'cell arrays', shiftAdd: 'shift-add', periphery: 'periphery blocks',
};

const uJ = (pJ: number): string => (pJ / 1e6).toPrecision(4);
const us = (ns: number): string => (ns / 1e3).toPrecision(4);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const bitsText = (b: number | 'ideal' | undefined): string => (b === undefined ? '-' : String(b));

export const costColumns = ['layer', 'replicas', 'energy uJ', 'ADC uJ', 'ADC share', 'stage us', 'ADC bits', 'lossless bits', 'ADC saved uJ'];

function costRow(l: LayerCost, human: boolean): string[] {
  const e = (pJ: number): string => (human ? uJ(pJ) : String(pJ / 1e6));
  return [
    l.name, l.cim ? String(l.replicas) : '-', e(l.totalEnergyPj), e(l.energyPj.adc),
    l.totalEnergyPj > 0 ? (human ? pct(l.energyPj.adc / l.totalEnergyPj) : (l.energyPj.adc / l.totalEnergyPj).toFixed(4)) : '-',
    l.cim ? (human ? us(l.stageTimeNs) : String(l.stageTimeNs / 1e3)) : '-',
    bitsText(l.adcBits), bitsText(l.losslessAdcBits), l.adcEnergySavedPj === undefined ? '-' : e(l.adcEnergySavedPj),
  ];
}

function totalsRow(c: CostReport, human: boolean): string[] {
  const t = c.totals;
  const e = (pJ: number): string => (human ? uJ(pJ) : String(pJ / 1e6));
  return ['total', '', e(t.totalEnergyPj), e(t.energyPj.adc), human ? pct(t.adcEnergyShare) : t.adcEnergyShare.toFixed(4), human ? us(t.latencyNs) : String(t.latencyNs / 1e3), '', '', e(t.adcEnergySavedPj)];
}

/** Summary lines: totals by component, time, throughput, efficiency, area. */
export function costSummaryLines(c: CostReport): string[] {
  const t = c.totals;
  const energy = energyComponents.filter((k) => t.energyPj[k] > 0)
    .map((k) => `${energyLabels[k]} ${uJ(t.energyPj[k])} (${pct(t.totalEnergyPj ? t.energyPj[k] / t.totalEnergyPj : 0)})`);
  const area = areaComponents.filter((k) => t.areaMm2[k] > 0)
    .map((k) => `${areaLabels[k]} ${t.areaMm2[k].toPrecision(4)} (${pct(t.totalAreaMm2 ? t.areaMm2[k] / t.totalAreaMm2 : 0)})`);
  const notModelled = t.areaNotModelled.length ? `; not modelled by these figures: ${t.areaNotModelled.map((k) => areaLabels[k]).join(', ')}` : '';
  return [
    `cost    ${c.costName}: ${uJ(t.totalEnergyPj)} uJ per inference, ${us(t.latencyNs)} us latency, ${t.inferencesPerSecond.toPrecision(4)} inferences/s, ${t.topsPerWatt.toPrecision(4)} TOPS/W`,
    `energy  ${energy.join(', ') || 'none'} (uJ)`,
    `area    ${t.totalAreaMm2.toPrecision(4)} mm2 on ${t.arrays} arrays: ${area.join(', ') || 'none'}${notModelled}`,
    `ADC     ${pct(t.adcEnergyShare)} of energy, ${pct(t.adcAreaShare)} of area; ${uJ(t.adcEnergySavedPj)} uJ saved against lossless ADCs`,
    `pipeline bottleneck ${t.bottleneck ?? '-'}, stages idle ${pct(t.idleFraction)} of the time on average`,
  ];
}

export function formatCostText(c: CostReport): string {
  const table = new Table({ head: costColumns, style: { head: [], border: [], compact: true } });
  for (const l of c.layers) table.push(costRow(l, true));
  table.push(totalsRow(c, true));
  return [...costSummaryLines(c), table.toString()].join('\n') + '\n';
}

export function formatCostMarkdown(c: CostReport): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = ['', ...costSummaryLines(c).map((l) => `${esc(l)}  `), '', `| ${costColumns.join(' | ')} |`, `|${costColumns.map(() => '---').join('|')}|`];
  for (const l of c.layers) lines.push(`| ${costRow(l, true).map(esc).join(' | ')} |`);
  lines.push(`| ${totalsRow(c, true).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

export function formatCostCsv(c: CostReport): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [costColumns.join(',')];
  for (const l of c.layers) lines.push(costRow(l, false).map(q).join(','));
  lines.push(totalsRow(c, false).map(q).join(','));
  return lines.join('\n') + '\n';
}
