/**
 * `cimc report PLAN.json --html OUT.html`: one self-contained page (inline CSS, script and SVG;
 * no request of any kind) with the summary, sortable per-layer table, per-layer charts and a
 * picture of every CIM layer's crossbars, drawn lazily in the browser when its section is opened.
 * Every string taken from the plan is escaped (node names come from untrusted models).
 */
import type { LoadedPlan } from '../../../plan/reader.js';
import type { CimLayer, LayerReport, Plan } from '../../../plan/types.js';
import { layerCrossbars, type CrossbarLayoutOptions, type LayerCrossbars } from './crossbar-layout.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { htmlPage } from './page-shell.js';
import { pageCss } from './page-css.js';
import { pageScript } from './page-script.js';
import { smallMultiplesSvg, type ChartRow } from './svg-charts.js';
import { costSection } from './cost-section.js';
import { planCost } from '../../cost/plan-cost.js';
import type { CostSpec } from '../../../targets/cost.js';

export type HtmlReportOptions = CrossbarLayoutOptions & {
  /** Cost figures in place of the plan target's. */
  cost?: CostSpec;
};

/** Colours of slices 0 (most significant) … 7; negative polarity is the same colour hatched. */
export const sliceColors = ['#1f5fbf', '#1a9c8c', '#d9822b', '#8e44ad', '#c0392b', '#6b8e23', '#b8860b', '#2c7fb8'];

/** A layer report with the optional SQNR that evaluated plans may carry. */
type ReportRow = LayerReport & { sqnrDb?: number };

const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;

/** 1234 → "1,234"; 12.3M style for large numbers. */
export function compact(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return Number.isInteger(x) ? x.toLocaleString('en-US') : String(Number(x.toPrecision(4)));
}
const full = (x: number): string => x.toLocaleString('en-US');

/** Mix a #rrggbb colour with white. */
function tint(hex: string, amount: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${c.map((v) => Math.round(v + (255 - v) * amount).toString(16).padStart(2, '0')).join('')}`;
}

function hatchDefs(): string {
  const patterns = sliceColors.map((c, i) =>
    `<pattern id="cimc-hatch-${i}" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">` +
    `<rect width="4" height="4" fill="${tint(c, 0.62)}"/><rect width="2" height="4" fill="${c}"/></pattern>`);
  return `<svg class="defs" width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>${patterns.join('')}</defs></svg>`;
}

function kv(rows: [string, string][]): string {
  return `<dl class="kv">${rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function card(key: string, value: string, detail = '', meter?: number): string {
  const m = meter === undefined ? '' : `<div class="meter"><span style="width:${(100 * Math.min(1, Math.max(0, meter))).toFixed(1)}%"></span></div>`;
  return `<div class="card"><div class="k">${h(key)}</div><div class="v">${h(value)}</div>${detail ? `<div class="d">${h(detail)}</div>` : ''}${m}</div>`;
}

function geometryText(l: CimLayer): string {
  const g = l.geometry;
  if (g.kind === 'matmul') return `${l.opType} ${g.inFeatures}→${g.outFeatures}`;
  const k = g.spatialDims === 1 ? `${g.kernel[1]}` : `${g.kernel[0]}×${g.kernel[1]}`;
  const s = g.strides[0] === g.strides[1] ? `${g.strides[0]}` : `${g.strides[0]}×${g.strides[1]}`;
  const groups = g.groups === 1 ? '' : g.groups === g.inChannels ? ' depthwise' : ` groups ${g.groups}`;
  return `${l.opType} ${k} ${g.inChannels}→${g.outChannels}${s === '1' ? '' : ` stride ${s}`}${groups}`;
}

function rowTileText(l: CimLayer): string {
  const counts = new Map<number, number>();
  for (const t of l.rowTiles) counts.set(t.rowCount, (counts.get(t.rowCount) ?? 0) + 1);
  const parts = [...counts].map(([rows, n]) => `${n} × ${rows} rows`);
  return `${l.rowTiles.length} (${parts.slice(0, 4).join(' + ')}${parts.length > 4 ? ' + …' : ''})`;
}

function bitsText(l: CimLayer): string {
  const b = l.bits;
  return `weights ${b.weight} b, activations ${b.activation} b, DAC ${b.dac} b (${b.cycles} cycle${b.cycles === 1 ? '' : 's'}), cells ${b.cell} b, ADC ${b.adc === 'ideal' ? 'ideal' : `${b.adc} b`}`;
}

/** The facts and the (empty, filled by the page script) crossbar area of one CIM layer. */
function layerSection(l: CimLayer, planIndex: number, reportIndex: number, xb: LayerCrossbars): string {
  const r = l.report as ReportRow;
  const wasted = xb.totalCells - xb.usedCells;
  const R = xb.rows;
  const C = xb.cols;
  const lower = Math.ceil(xb.usedCells / (R * C));
  const polarities = l.encoding === 'differential' ? 'differential (+ and − columns)' : 'offset (one polarity)';
  const act = l.activation;
  const facts: [string, string][] = [
    ['geometry', h(geometryText(l)) + (l.geometry.kind === 'conv' ? ` · in <span class="mono">[${h(l.geometry.inputShape.join(', '))}]</span> → out <span class="mono">[${h(l.geometry.outputShape.join(', '))}]</span>` : '')],
    ['matrix', h(`${l.geometry.groups} group${l.geometry.groups === 1 ? '' : 's'} × K = ${l.geometry.rowsPerGroup} rows`)],
    ['row tiles', h(`${rowTileText(l)}, ${l.tiling} tiling${l.packGroups ? ', groups packed block-diagonally' : ''}`)],
    ['columns', h(`${l.colTiles} column tile${l.colTiles === 1 ? '' : 's'} per group, ${l.bits.slices} slice${l.bits.slices === 1 ? '' : 's'}, ${polarities}, ${l.sliceLayout} layout`)],
    ['bits', h(bitsText(l))],
    ['activation', h(`${act.signed ? 'signed (driven with offset ' + act.inputOffset + ')' : 'unsigned'}, scale ${act.scale === null ? 'dynamic (max |x| per input)' : act.scale.toPrecision(5)}`)],
    ['weight scales', h(`${l.weights.granularity}-wise, ${l.weights.method}, ${full(l.weights.scaleCount)} scales`)],
    ['ADC steps', h(`${l.adc.granularity}-wise, ${l.adc.calibration}, ${full(l.adc.stepCount)} steps; ${full(r.scaleFactors)} scale factors stored`)],
  ];
  if (r.clipRate !== undefined) facts.push(['clip rate', h(pct(r.clipRate, 2))]);
  if (r.sqnrDb !== undefined) facts.push(['SQNR', h(`${r.sqnrDb.toFixed(2)} dB`)]);
  const notes = (r.notes ?? []).length ? `<ul class="notes">${(r.notes ?? []).map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '';
  const drawing = xb.mode === 'arrays'
    ? `every array drawn, grouped into blocks of the same row tile and output channels`
    : `${full(xb.arrays)} arrays are too many to draw one by one: each kind of block is drawn once with its count`;
  const u = r.utilization;
  return `<details class="layer" id="L${reportIndex}" data-layer="${planIndex}">` +
    `<summary><span class="idx">#${reportIndex}</span><span class="name" title="${h(l.name)}">${h(l.name)}</span>` +
    `<span class="meta">${h(`${geometryText(l)} · ${full(xb.arrays)} arrays · ${pct(u)} used`)}</span>` +
    `<span class="ubar" title="${h(pct(u))} of cells used"><span style="width:${(100 * u).toFixed(1)}%"></span></span></summary>` +
    `<div class="layer-body">${kv(facts)}${notes}` +
    `<p class="waste"><b>${h(full(xb.usedCells))}</b> of ${h(full(xb.totalCells))} cells used, <b class="${wasted > xb.usedCells ? 'warn' : ''}">${h(full(wasted))} wasted</b> (${h(pct(xb.totalCells ? wasted / xb.totalCells : 0))}); ` +
    `${h(full(xb.arrays))} arrays where ${h(full(lower))} would hold these cells if fully packed. <span class="hint">${h(drawing)}; hover an array for its numbers.</span></p>` +
    `<div class="xbars"><p class="hint">opening…</p></div></div></details>`;
}

interface Column {
  head: string;
  title: string;
  num: boolean;
  cell(l: ReportRow, i: number): { text: string; v?: string | number; cls?: string; style?: string; html?: string };
}

function layerTable(plan: Plan, anchors: Map<number, string>): string {
  const rows = plan.report.layers as ReportRow[];
  const hasClip = rows.some((l) => l.clipRate !== undefined);
  const hasSqnr = rows.some((l) => l.sqnrDb !== undefined);
  const cimByName = new Map<string, CimLayer>();
  for (const l of plan.layers) if (!cimByName.has(l.name)) cimByName.set(l.name, l);
  const gran = (l: ReportRow): string => {
    const c = l.cim ? cimByName.get(l.name) : undefined;
    const short: Record<string, string> = { layer: 'layer', channel: 'chan', array: 'array', column: 'col' };
    return c ? `${short[c.weights.granularity] ?? c.weights.granularity} / ${short[c.adc.granularity] ?? c.adc.granularity}` : '–';
  };
  const dash = { text: '–', v: '' };
  const cols: Column[] = [
    { head: '#', title: 'execution order', num: true, cell: (_l, i) => ({ text: String(i), v: i }) },
    {
      head: 'layer', title: 'node name', num: false, cell: (l, i) => {
        const a = anchors.get(i);
        return { text: l.name, cls: 't name', html: a ? `<a href="#${h(a)}" title="${h(l.name)}">${h(l.name)}</a>` : `<span title="${h(l.name)}">${h(l.name)}</span>` };
      },
    },
    { head: 'op', title: 'ONNX operator', num: false, cell: (l) => ({ text: l.opType, cls: 't' }) },
    { head: 'CIM', title: 'mapped to crossbars', num: false, cell: (l) => ({ text: l.cim ? 'yes' : 'no', cls: 't' }) },
    { head: 'arrays', title: 'physical arrays', num: true, cell: (l) => ({ text: full(l.arrays), v: l.arrays }) },
    { head: 'row tiles', title: 'input-channel chunks', num: true, cell: (l) => ({ text: String(l.rowTiles), v: l.rowTiles }) },
    { head: 'col tiles', title: 'output-channel chunks per group', num: true, cell: (l) => ({ text: String(l.colTiles), v: l.colTiles }) },
    { head: 'slices', title: 'cell slices per weight', num: true, cell: (l) => ({ text: String(l.slices), v: l.slices }) },
    { head: 'used cells', title: 'cells holding weights', num: true, cell: (l) => ({ text: compact(l.usedCells), v: l.usedCells }) },
    {
      head: 'utilization', title: 'used cells / cells of its arrays', num: true,
      cell: (l) => (l.cim ? { text: pct(l.utilization), v: l.utilization, cls: 'util', style: `--u:${(100 * l.utilization).toFixed(1)}%` } : dash),
    },
    { head: 'MACs', title: 'multiply-accumulates per inference', num: true, cell: (l) => ({ text: compact(l.macs), v: l.macs }) },
    { head: 'ADC conv.', title: 'ADC conversions per inference', num: true, cell: (l) => ({ text: compact(l.adcConversions), v: l.adcConversions }) },
    { head: 'scale factors', title: 'dequantization factors stored', num: true, cell: (l) => ({ text: compact(l.scaleFactors), v: l.scaleFactors }) },
    { head: 'w / ADC', title: 'granularity of weight scales / ADC steps (layer, chan = output channel, array, col = column)', num: false, cell: (l) => ({ text: gran(l), cls: 't' }) },
  ];
  if (hasClip) cols.push({ head: 'clip rate', title: 'expected fraction of ADC conversions that clip', num: true, cell: (l) => (l.clipRate === undefined ? dash : { text: pct(l.clipRate, 2), v: l.clipRate }) });
  if (hasSqnr) cols.push({ head: 'SQNR', title: 'signal-to-quantization-noise ratio, dB', num: true, cell: (l) => (l.sqnrDb === undefined ? dash : { text: `${l.sqnrDb.toFixed(1)} dB`, v: l.sqnrDb }) });

  const head = `<thead><tr>${cols.map((c) => `<th class="${c.num ? '' : 't'}" title="${h(c.title)}"${c.num ? ' data-type="num"' : ''} scope="col">${h(c.head)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((l, i) => {
    const cells = cols.map((c) => {
      const x = c.cell(l, i);
      const attrs = `${x.cls ? ` class="${x.cls}"` : ''}${x.v !== undefined ? ` data-v="${h(String(x.v))}"` : ''}${x.style ? ` style="${h(x.style)}"` : ''}`;
      return `<td${attrs}>${x.html ?? h(x.text)}</td>`;
    });
    return `<tr class="${l.cim ? 'cim' : 'digital'}" data-name="${h(l.name)}">${cells.join('')}</tr>`;
  }).join('');
  const t = plan.report.totals;
  const foot: string[] = cols.map((c) => {
    switch (c.head) {
      case '#': return '';
      case 'layer': return `total: ${t.cimLayers} CIM, ${t.digitalLayers} digital`;
      case 'arrays': return full(t.arrays);
      case 'used cells': return compact(t.usedCells);
      case 'utilization': return pct(t.utilization);
      case 'MACs': return compact(t.macs);
      case 'ADC conv.': return compact(t.adcConversions);
      case 'scale factors': return compact(t.scaleFactors);
      default: return '';
    }
  });
  const tfoot = `<tfoot><tr>${foot.map((f, i) => `<td class="${cols[i].num ? '' : 't'}">${h(f)}</td>`).join('')}</tr></tfoot>`;
  return `<div class="table-wrap"><table class="layers sortable" id="layer-table">${head}<tbody>${body}</tbody>${tfoot}</table></div>`;
}

function legend(plan: Plan): string {
  const maxSlices = Math.max(1, ...plan.layers.map((l) => l.bits.slices));
  const differential = plan.layers.some((l) => l.encoding === 'differential');
  const sw = (fill: string, label: string): string =>
    `<span class="sw"><svg width="18" height="14"><rect width="18" height="14" fill="${fill}"/></svg>${h(label)}</span>`;
  const items: string[] = [];
  for (let s = 0; s < Math.min(maxSlices, sliceColors.length); s++) {
    const what = maxSlices === 1 ? 'weight cells' : s === 0 ? 'slice 0 (most significant bits)' : `slice ${s}`;
    items.push(sw(sliceColors[s], differential ? `${what}, + polarity` : what));
  }
  if (differential) items.push(sw('url(#cimc-hatch-0)', 'hatched: − polarity (same slice colour)'));
  items.push(sw('var(--free)', 'unused cell (wasted)'));
  return `<div class="legend">${items.join('')}</div>`;
}

/** The HTML report of a loaded plan: one self-contained document. */
export function renderHtmlReport(loaded: LoadedPlan, options: HtmlReportOptions = {}): string {
  const plan = loaded.plan;
  const t = plan.report.totals;
  const target = plan.target;
  const R = target.array.rows;
  const C = target.array.cols;

  // Report rows ↔ plan layers by name, in order (names may repeat in hostile models).
  const queue = new Map<string, number[]>();
  plan.layers.forEach((l, i) => { const q = queue.get(l.name) ?? []; q.push(i); queue.set(l.name, q); });
  const planOfReport = new Map<number, number>();
  plan.report.layers.forEach((l, i) => {
    if (!l.cim) return;
    const p = queue.get(l.name)?.shift();
    if (p !== undefined) planOfReport.set(i, p);
  });
  const anchors = new Map<number, string>([...planOfReport.keys()].map((i) => [i, `L${i}`]));

  const crossbars = plan.layers.map((_, i) => layerCrossbars(loaded, i, options));

  // Summary.
  const adc = (target as { adc?: { bits?: unknown; columnsPerAdc?: unknown } }).adc;
  const wasted = t.totalCells - t.usedCells;
  const cards = [
    card('arrays', full(t.arrays), `${t.arrayLowerBound ? (t.arrays / t.arrayLowerBound).toFixed(2) : '–'}× the lower bound of ${full(t.arrayLowerBound)}`, t.arrays ? t.arrayLowerBound / t.arrays : 0),
    card('utilization', pct(t.utilization), `${compact(t.usedCells)} of ${compact(t.totalCells)} cells`, t.utilization),
    card('wasted cells', compact(wasted), `${pct(t.totalCells ? wasted / t.totalCells : 0)} of the arrays' cells`),
    card('layers', `${t.cimLayers} CIM`, `${t.digitalLayers} digital matrix layer${t.digitalLayers === 1 ? '' : 's'}`),
    card('MACs / inference', compact(t.macs), full(t.macs)),
    card('ADC conversions', compact(t.adcConversions), 'per inference'),
    card('scale factors', compact(t.scaleFactors), 'dequantization factors stored'),
  ].join('');
  const modelInfo = kv([
    ['file', h(plan.model.file)],
    ['opset', h(String(plan.model.opset))],
    ...(plan.model.producer ? [['producer', h(plan.model.producer)] as [string, string]] : []),
    ['sha256', `<span class="mono" title="${h(plan.model.sha256)}">${h(plan.model.sha256.slice(0, 16))}…</span>`],
    ['plan', h(`version ${plan.planVersion}, ${plan.generator}`)],
  ]);
  const targetRows: [string, string][] = [
    ['name', h(target.name)],
    ['array', h(`${R} × ${C} cells, ${target.array.cellBits}-bit cells`)],
    ['bits', h(['weightBits', 'activationBits', 'dacBits'].map((k) => `${k.replace('Bits', '')} ${str(target[k])}`).join(', ') + `, ADC ${str(adc?.bits)}`)],
    ['encoding', h(str(target.encoding))],
  ];
  if (adc?.columnsPerAdc !== undefined) targetRows.push(['columns per ADC', h(str(adc.columnsPerAdc))]);
  if (typeof target.description === 'string') targetRows.push(['about', h(target.description)]);
  const calib = plan.calibration;
  const optionRows = Object.entries(plan.options).filter(([, v]) => !(typeof v === 'object' && v !== null && Object.keys(v).length === 0));
  const calibInfo = kv([
    ['method', h(calib.method) + (calib.samples !== undefined ? h(` on ${full(calib.samples)} samples`) : '')],
    ['note', h(calib.note)],
    ['options', optionRows.length ? optionRows.map(([k, v]) => `<span class="mono">${h(k)}=${h(str(v))}</span>`).join(', ') : 'defaults'],
  ]);

  // Charts (CIM layers only).
  const cimRows = plan.report.layers.map((l, i) => ({ l, i })).filter(({ l }) => l.cim);
  const chartRows: ChartRow[] = cimRows.map(({ l, i }) => ({ label: l.name, index: `#${i}`, href: anchors.get(i) }));
  const chart = cimRows.length ? smallMultiplesSvg(chartRows, [
    { title: 'utilization', values: cimRows.map(({ l }) => l.utilization), format: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0), tickFormat: (v) => pct(v, 0), max: 1, barClass: 'util', reference: { value: t.utilization, label: `model: ${pct(t.utilization)}` } },
    { title: 'arrays', values: cimRows.map(({ l }) => l.arrays), format: compact, barClass: 'arrays' },
    { title: 'ADC conversions / inference', values: cimRows.map(({ l }) => l.adcConversions), format: compact, barClass: 'adc' },
  ]) : '<p class="hint">no CIM layers</p>';

  const anchorByName = new Map<string, string>();
  for (const [i, a] of anchors) if (!anchorByName.has(plan.report.layers[i].name)) anchorByName.set(plan.report.layers[i].name, a);
  const cost = costSection(planCost(plan, options.cost), (name) => anchorByName.get(name));

  const sections = [...planOfReport].map(([ri, pi]) => layerSection(plan.layers[pi], pi, ri, crossbars[pi])).join('');
  const data = {
    colors: sliceColors,
    differential: plan.layers.some((l) => l.encoding === 'differential'),
    layers: crossbars,
  };
  const title = `${plan.model.file} on ${target.name} — cimc report`;
  return htmlPage({
    title,
    css: pageCss,
    body: `${hatchDefs()}
<header><h1>${h(plan.model.file)} <span class="on">on ${h(target.name)}</span></h1>
<p class="sub">${h(`cimc mapping report · ${t.cimLayers} CIM layers on ${full(t.arrays)} arrays of ${R}×${C} · ${calib.method}`)}</p></header>
<main>
<section id="summary"><h2>Summary</h2>
<div class="cards">${cards}</div>
<div class="info"><section><h3>Model</h3>${modelInfo}</section><section><h3>Target</h3>${kv(targetRows)}</section><section><h3>Calibration and options</h3>${calibInfo}</section></div>
<p class="hint">Array lower bound: ⌈weight cells ÷ (${R}·${C})⌉ = ${h(full(t.arrayLowerBound))} arrays, the count if every cell of every array held a weight.</p>
</section>
${cost}
<section id="charts"><h2>Per layer</h2>
<p class="hint">CIM layers in execution order; the dashed line is the model's utilization. Click a name for its crossbars.</p>
<div class="chart-wrap">${chart}</div>
</section>
<section id="layers"><h2>Layers</h2>
<p class="hint">Click a column header to sort (again to reverse); click a layer name for its crossbars.</p>
${layerTable(plan, anchors)}
</section>
<section id="crossbars"><h2>Crossbars</h2>
<p class="hint">Each rectangle is one ${R}×${C} array (rows = word lines, top to bottom; columns = bit lines, left to right). Filled cells hold weights: row tiles are input-channel chunks, columns are output channels; packed groups show as diagonal blocks. Open a layer to draw it.</p>
${legend(plan)}
<div class="toolbar"><button type="button" id="expand-all">open all</button><button type="button" id="collapse-all">close all</button></div>
${sections}
</section>
<footer>Generated by ${h(plan.generator)} from ${h(plan.model.file)}. Self-contained: no network access needed.</footer>
</main>`,
    scripts: [`<script type="application/json" id="cimc-data">${jsonForScript(data)}</script>`, `<script>${pageScript}</script>`],
  });
}
