/**
 * One trade-off chart of the sweep page as inline SVG: a circle per ok point (class `point`, plus
 * `front` when on the chart's Pareto front; `data-index` its grid index; a <title> tooltip; a link
 * to its table row), the front as a connected step line, and the float accuracy as a dashed line.
 */
import { escapeHtml as h } from '../../report/html/escape.js';
import { alongX, type TradeOff } from './fronts.js';
import { scaleFor } from './scale.js';
import { pct, sig, type OkRecord } from './values.js';

export interface ScatterInput {
  tradeOff: TradeOff;
  /** The points to place (finite x and y), in grid order. */
  points: readonly OkRecord[];
  /** The Pareto front among them. */
  front: readonly OkRecord[];
  /** Tooltip text of a point (plain text, escaped here). */
  tooltip(r: OkRecord): string;
  /** Float accuracy, drawn as a reference line. */
  baseline?: number;
}

const W = 420;
const H = 300;
const M = { l: 54, r: 14, t: 28, b: 44 };
const n = (x: number): string => (Math.round(x * 10) / 10).toString();

export function scatterSvg(input: ScatterInput): string {
  const { tradeOff: t, points, front } = input;
  const xs = points.map((r) => t.x.value(r.metrics));
  const ys = points.map((r) => t.y.value(r.metrics));
  const include = input.baseline !== undefined && Number.isFinite(input.baseline) ? [input.baseline] : [];
  const sx = scaleFor(xs, M.l, W - M.r);
  const sy = scaleFor(ys, H - M.b, M.t, { allowLog: false, include, ticks: 5 });
  const onFront = new Set(front);
  const out: string[] = [];
  out.push(`<svg class="scatter" id="chart-${t.id}" data-chart="${t.id}" data-scale="${sx.log ? 'log' : 'linear'}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${h(`${t.title}: ${points.length} points, ${front.length} on the Pareto front`)}">`);
  out.push(`<text class="chart-title" x="${M.l}" y="16">${h(t.title)}</text>`);
  for (const v of sx.ticks) {
    const x = n(sx.at(v));
    out.push(`<line class="grid" x1="${x}" y1="${M.t}" x2="${x}" y2="${H - M.b}"/><text class="tick" x="${x}" y="${H - M.b + 14}" text-anchor="middle">${h(sig(v, 3))}</text>`);
  }
  const yStep = sy.ticks.length > 1 ? sy.ticks[1] - sy.ticks[0] : 1;
  for (const v of sy.ticks.filter((v) => v >= 0 && v <= 1)) {
    const y = n(sy.at(v));
    out.push(`<line class="grid" x1="${M.l}" y1="${y}" x2="${W - M.r}" y2="${y}"/><text class="tick" x="${M.l - 5}" y="${y}" text-anchor="end" dominant-baseline="middle">${h(pct(v, yStep < 0.01 ? 1 : 0))}</text>`);
  }
  out.push(`<line class="axis" x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}"/><line class="axis" x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}"/>`);
  out.push(`<text class="axis-label" x="${n((M.l + W - M.r) / 2)}" y="${H - 8}" text-anchor="middle">${h(`${t.x.head}${sx.log ? ' (log scale)' : ''}`)}</text>`);
  out.push(`<text class="axis-label" x="14" y="${n((M.t + H - M.b) / 2)}" text-anchor="middle" transform="rotate(-90 14 ${n((M.t + H - M.b) / 2)})">${h(t.y.head)}</text>`);
  if (include.length) {
    const y = n(sy.at(include[0]));
    out.push(`<line class="baseline" x1="${M.l}" y1="${y}" x2="${W - M.r}" y2="${y}"><title>${h(`float accuracy ${pct(include[0])}`)}</title></line>`);
  }
  const steps = alongX(front, t);
  if (steps.length) {
    const d = steps.map((r, i) => {
      const x = n(sx.at(t.x.value(r.metrics)));
      const y = n(sy.at(t.y.value(r.metrics)));
      return i === 0 ? `M${x} ${y}` : `H${x} V${y}`;
    }).join(' ');
    out.push(`<path class="front-line" d="${d}"/>`);
  }
  // Front points last, so they are drawn on top.
  const order = [...points.filter((r) => !onFront.has(r)), ...points.filter((r) => onFront.has(r))];
  for (const r of order) {
    const cls = onFront.has(r) ? 'point front' : 'point';
    const cx = n(sx.at(t.x.value(r.metrics)));
    const cy = n(sy.at(t.y.value(r.metrics)));
    out.push(`<a href="#p-${r.index}"><circle class="${cls}" data-index="${r.index}" cx="${cx}" cy="${cy}" r="${onFront.has(r) ? 5 : 4}"><title>${h(input.tooltip(r))}</title></circle></a>`);
  }
  out.push('</svg>');
  return out.join('');
}
