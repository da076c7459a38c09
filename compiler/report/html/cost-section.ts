/** The HTML report's cost section: totals as cards, energy and area breakdowns, per-layer bars. */
import { areaComponents, energyComponents, type CostReport } from '../../cost/model.js';
import { areaLabels, energyLabels } from '../cost-format.js';
import { escapeHtml as h } from './escape.js';
import { smallMultiplesSvg, type ChartRow } from './svg-charts.js';

/** Colours of the breakdown parts, in component order. */
const partColors = ['#c0392b', '#1f5fbf', '#8e44ad', '#1a9c8c', '#d9822b', '#6b8e23', '#b8860b', '#7f8c8d'];

export interface BreakdownPart { label: string; value: number }

/** One stacked horizontal bar with a legend: each part's share of the whole. */
export function breakdownSvg(title: string, unit: string, parts: readonly BreakdownPart[], width = 640): string {
  const total = parts.reduce((s, p) => s + p.value, 0);
  const shown = parts.filter((p) => p.value > 0);
  const barY = 24, barH = 22, rowH = 16;
  const height = barY + barH + 10 + shown.length * rowH + 6;
  const out = [`<svg class="chart breakdown" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${h(title)}">`,
    `<text class="panel-title" x="0" y="14">${h(title)}</text>`];
  let x = 0;
  shown.forEach((p, i) => {
    const w = total > 0 ? (p.value / total) * width : 0;
    const share = total > 0 ? p.value / total : 0;
    out.push(`<rect class="part" data-part="${h(p.label)}" x="${x.toFixed(2)}" y="${barY}" width="${w.toFixed(2)}" height="${barH}" fill="${partColors[i % partColors.length]}"><title>${h(`${p.label}: ${p.value.toPrecision(4)} ${unit} (${(100 * share).toFixed(1)}%)`)}</title></rect>`);
    x += w;
    const y = barY + barH + 10 + i * rowH;
    out.push(`<rect x="0" y="${y}" width="10" height="10" fill="${partColors[i % partColors.length]}"/>`);
    out.push(`<text class="label" x="16" y="${y + 9}">${h(`${p.label}: ${p.value.toPrecision(4)} ${unit} (${(100 * share).toFixed(1)}%)`)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

function card(key: string, value: string, detail: string): string {
  return `<div class="card"><div class="k">${h(key)}</div><div class="v">${h(value)}</div><div class="d">${h(detail)}</div></div>`;
}

/** The whole section; empty when the plan's target carries no cost figures. */
export function costSection(cost: CostReport | undefined, anchors: (layerName: string) => string | undefined): string {
  if (!cost) return '<section id="cost"><h2>Cost</h2><p class="hint">The plan\'s target has no cost figures; compile with --cost or run cimc report --cost NAME.</p></section>';
  const t = cost.totals;
  const uJ = (pJ: number): string => `${(pJ / 1e6).toPrecision(4)} µJ`;
  const cards = [
    card('energy / inference', uJ(t.totalEnergyPj), `ADC ${(100 * t.adcEnergyShare).toFixed(1)}%`),
    card('latency', `${(t.latencyNs / 1e3).toPrecision(4)} µs`, `bottleneck ${t.bottleneck ?? '–'}`),
    card('throughput', `${t.inferencesPerSecond.toPrecision(4)} /s`, `stages idle ${(100 * t.idleFraction).toFixed(1)}%`),
    card('efficiency', `${t.topsPerWatt.toPrecision(4)} TOPS/W`, `${(2 * t.macs).toPrecision(4)} ops / inference`),
    card('area', `${t.totalAreaMm2.toPrecision(4)} mm²`, `ADC ${(100 * t.adcAreaShare).toFixed(1)}% · ${t.arrays} arrays`),
    card('ADC energy saved', uJ(t.adcEnergySavedPj), 'against lossless ADC resolution'),
  ].join('');
  const energy = breakdownSvg('energy per inference by component', 'µJ', energyComponents.map((k) => ({ label: energyLabels[k], value: t.energyPj[k] / 1e6 })));
  const area = breakdownSvg('area by component', 'mm²', areaComponents.map((k) => ({ label: areaLabels[k], value: t.areaMm2[k] })));
  const cim = cost.layers.filter((l) => l.cim);
  const rows: ChartRow[] = cim.map((l) => ({ label: l.name, href: anchors(l.name) }));
  const perLayer = cim.length ? smallMultiplesSvg(rows, [
    { title: 'energy / inference (µJ)', values: cim.map((l) => l.totalEnergyPj / 1e6), format: (v) => v.toPrecision(3), barClass: 'energy' },
    { title: 'stage time (µs)', values: cim.map((l) => l.stageTimeNs / 1e3), format: (v) => v.toPrecision(3), barClass: 'stage' },
    { title: 'ADC bits used / lossless', values: cim.map((l) => (typeof l.adcBits === 'number' ? l.adcBits : l.losslessAdcBits ?? 0)), format: (v) => String(v), max: Math.max(1, ...cim.map((l) => l.losslessAdcBits ?? 0)), barClass: 'adc-bits' },
  ]) : '';
  const notModelled = t.areaNotModelled.length ? `<p class="hint">Not modelled by these figures (counted as 0): ${h(t.areaNotModelled.map((k) => areaLabels[k]).join(', '))}.</p>` : '';
  return `<section id="cost"><h2>Cost</h2>
<p class="hint">${h(`Cost figures: ${cost.costName}. Per inference; see README "Cost model" for the events and formulas.`)}</p>
<div class="cards">${cards}</div>
<div class="chart-wrap">${energy}</div>
<div class="chart-wrap">${area}</div>${notModelled}
<div class="chart-wrap">${perLayer}</div>
</section>`;
}
