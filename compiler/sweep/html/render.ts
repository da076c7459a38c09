/**
 * The sweep page (`cimc sweep` writes it from DIR/sweep.json and DIR/results.jsonl): one
 * self-contained HTML file, inline CSS, script and SVG under a Content-Security-Policy that allows
 * no request of any kind. At the top, the model (file and sha256), the grid size, how many points
 * are done, failed and still missing, and the float baseline accuracy. Then three scatter charts
 * of accuracy against energy per inference, area and latency (log x axis when the values span more
 * than 10×), each with its Pareto front (accuracy higher, the cost lower) as a red step line over
 * red points; every point is a <circle class="point"> (plus `front`) with data-index, a tooltip
 * of its axis values and metrics, and a link to its table row. Then the front of accuracy vs
 * energy as a short list, and a sortable table of every point, failed ones with their error code
 * and message, each with the exact `cimc compile …` command that reproduces its plan (in a <code>,
 * with a copy button). Every string from the sweep (axis names and values, commands, errors, the
 * model file) is escaped. Output depends only on the input and not on the records' order: records
 * are shown in grid order, with no timestamps or paths added. This module reads no files.
 */
import { escapeHtml as h } from '../../report/html/escape.js';
import { htmlPage } from '../../report/html/page-shell.js';
import type { SweepRecord } from '../record.js';
import type { SweepAxis, SweepDefinition } from './definition.js';
import { frontOf, plotted, tradeOffs } from './fronts.js';
import { sweepCss } from './page-css.js';
import { sweepScript } from './page-script.js';
import { scatterSvg } from './scatter.js';
import { pointsTable } from './table.js';
import { accuracy, agreement, area, axisValue, energy, inGridOrder, isOk, latency, pct, valueText, type OkRecord } from './values.js';

/** "adc-bits=5, psum-granularity=column" (plain text). */
function assignments(axes: readonly SweepAxis[], r: SweepRecord): string {
  return axes.map((a) => `${a.name}=${valueText(axisValue(r.point, a))}`).join(', ');
}

function tooltip(axes: readonly SweepAxis[], r: OkRecord): string {
  const m = r.metrics;
  return [
    `#${r.index}${axes.length ? ` ${assignments(axes, r)}` : ''}`,
    `${accuracy.head} ${accuracy.text(accuracy.value(m))}, ${agreement.head} ${agreement.text(agreement.value(m))}`,
    `energy ${energy.text(energy.value(m))} µJ, latency ${latency.text(latency.value(m))} µs, area ${area.text(area.value(m))} mm²`,
  ].join('\n');
}

function card(key: string, value: string, detail = ''): string {
  return `<div class="card"><div class="k">${h(key)}</div><div class="v">${h(value)}</div>${detail ? `<div class="d">${h(detail)}</div>` : ''}</div>`;
}

function header(def: SweepDefinition, records: readonly SweepRecord[], ok: readonly OkRecord[]): string {
  const failed = records.length - ok.length;
  const missing = Math.max(0, def.points - records.length);
  const floats = [...new Set(ok.map((r) => r.metrics.floatAccuracy))];
  const floatText = floats.length === 0 ? '–' : floats.length === 1 ? pct(floats[0]) : `${pct(Math.min(...floats))}–${pct(Math.max(...floats))}`;
  const samples = def.samples ?? ok[0]?.metrics.samples;
  const best = ok.reduce<OkRecord | undefined>((b, r) => (b === undefined || r.metrics.accuracy > b.metrics.accuracy ? r : b), undefined);
  const cards = [
    card('grid', String(def.points), def.axes.map((a) => `${a.name} × ${a.values.length}`).join(' · ')),
    card('done', `${ok.length} of ${def.points}`, `${failed} failed${missing ? `, ${missing} not run yet` : ''}`),
    card('float accuracy', floatText, samples === undefined ? 'baseline' : `baseline on ${samples} samples`),
    card('best CIM accuracy', best ? pct(best.metrics.accuracy) : '–', best ? `#${best.index} ${assignments(def.axes, best)}` : ''),
  ].join('');
  const facts: [string, string][] = [['model', `${def.model.file} (sha256 ${def.model.sha256})`]];
  if (def.data) facts.push(['data', `${def.data.file}${def.data.sha256 ? ` (sha256 ${def.data.sha256})` : ''}`]);
  for (const a of def.axes) facts.push([`axis ${a.name}`, a.values.map(valueText).join(', ')]);
  const kv = `<dl class="kv">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}${def.command ? `<dt>command</dt><dd><code>${h(def.command)}</code></dd>` : ''}</dl>`;
  return `<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div>${kv}</section>`;
}

function frontList(axes: readonly SweepAxis[], ok: readonly OkRecord[]): string {
  const t = tradeOffs[0];
  const front = [...frontOf(ok, t)].sort((a, b) => t.x.value(a.metrics) - t.x.value(b.metrics) || a.index - b.index);
  if (!front.length) return `<p class="hint">No finished point yet.</p>`;
  const items = front.map((r) => `<li data-index="${r.index}"><a href="#p-${r.index}">#${r.index}</a> ${h(assignments(axes, r))}: accuracy ${h(pct(r.metrics.accuracy))}, energy ${h(energy.text(energy.value(r.metrics)))} µJ</li>`);
  return `<ol class="front-list" id="front-list">${items.join('')}</ol>`;
}

/** The sweep page of a definition and its records (any order): one self-contained document. */
export function renderSweepHtml(definition: SweepDefinition, records: readonly SweepRecord[]): string {
  const rows = inGridOrder(records);
  const ok = rows.filter(isOk);
  const floats = ok.map((r) => r.metrics.floatAccuracy).filter(Number.isFinite);
  const baseline = floats.length ? floats[0] : undefined;
  const charts = tradeOffs.map((t) => {
    const points = plotted(ok, t);
    return `<figure>${scatterSvg({ tradeOff: t, points, front: frontOf(points, t), tooltip: (r) => tooltip(definition.axes, r), baseline })}</figure>`;
  }).join('');
  const title = `${definition.model.file} sweep — cimc`;
  return htmlPage({
    title,
    css: sweepCss,
    body: `<header><h1>${h(definition.model.file)} sweep</h1>
<p class="sub">${h(`cimc design-space sweep · ${definition.points} points over ${definition.axes.map((a) => a.name).join(' × ') || 'no axes'}`)}</p></header>
<main>
${header(definition, rows, ok)}
<section id="charts"><h2>Trade-offs</h2>
<p class="hint">Each dot is a finished point; red dots joined by the step line are its Pareto front (no other point has higher accuracy at lower cost). The dashed green line is the float accuracy. Hover a dot for its numbers; click it for its row.</p>
<div class="charts">${charts}</div>
</section>
<section id="front"><h2>Pareto front: accuracy vs energy</h2>
${frontList(definition.axes, ok)}
</section>
<section id="points"><h2>Points</h2>
<p class="hint">Click a column header to sort (again to reverse). Each command compiles that point's plan.</p>
${pointsTable(definition.axes, rows)}
</section>
<footer>${h(`Generated by ${definition.generator ?? 'cimc'} from ${definition.model.file}.`)} Self-contained: no network access needed.</footer>
</main>`,
    scripts: [`<script>${sweepScript}</script>`],
  });
}
