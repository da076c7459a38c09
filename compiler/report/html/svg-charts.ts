/**
 * Inline SVG charts for the HTML report: per-layer horizontal bars as small multiples sharing
 * one label column (utilization, arrays, ADC conversions side by side), so long layer lists stay
 * readable and every bar can be matched to its layer name.
 */
import { escapeHtml, tail } from './escape.js';

export interface ChartRow {
  /** Shown (shortened) and in the tooltip (full); plain text, escaped here. */
  label: string;
  /** Shown before the label, e.g. the layer's index. */
  index?: string;
  /** Anchor of the row's layer section (without '#'), made into a link. */
  href?: string;
}

export interface ChartPanel {
  title: string;
  values: readonly number[];
  format(v: number): string;
  /** Tick labels (default: format). */
  tickFormat?(v: number): string;
  /** Upper end of the axis (default: the largest value). */
  max?: number;
  /** CSS class of the bars (colour). */
  barClass: string;
  /** A dashed reference line, e.g. the model-wide utilization. */
  reference?: { value: number; label: string };
}

export interface SmallMultiplesOptions {
  labelWidth?: number;
  panelWidth?: number;
  rowHeight?: number;
  /** Characters kept of a long label. */
  labelChars?: number;
}

const n = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Nice round tick step for an axis up to max with about `count` ticks. */
export function tickStep(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

export function smallMultiplesSvg(rows: readonly ChartRow[], panels: readonly ChartPanel[], options: SmallMultiplesOptions = {}): string {
  const labelWidth = options.labelWidth ?? 270;
  const panelWidth = options.panelWidth ?? 295;
  const rowHeight = options.rowHeight ?? 16;
  const labelChars = options.labelChars ?? 36;
  const gap = 18;
  const top = 34;
  const bottom = 8;
  const valueRoom = 52;
  const width = labelWidth + panels.length * (panelWidth + gap);
  const height = top + rows.length * rowHeight + bottom;
  const out: string[] = [];
  out.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(panels.map((p) => p.title).join(', '))} per layer">`);
  // Zebra stripes and labels.
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    if (i % 2 === 1) out.push(`<rect class="zebra" x="0" y="${y}" width="${width}" height="${rowHeight}"/>`);
    if (r.index !== undefined) out.push(`<text class="index" x="4" y="${n(y + rowHeight * 0.72)}">${escapeHtml(r.index)}</text>`);
    const text = `<text class="label" x="${labelWidth - 8}" y="${n(y + rowHeight * 0.72)}" text-anchor="end"><title>${escapeHtml(r.label)}</title>${escapeHtml(tail(r.label, labelChars))}</text>`;
    out.push(r.href ? `<a href="#${escapeHtml(r.href)}">${text}</a>` : text);
  });
  panels.forEach((p, k) => {
    const x0 = labelWidth + k * (panelWidth + gap);
    const plot = panelWidth - valueRoom;
    const max = p.max ?? Math.max(0, ...p.values);
    const scale = max > 0 ? plot / max : 0;
    out.push(`<g class="panel">`);
    out.push(`<text class="panel-title" x="${x0}" y="14">${escapeHtml(p.title)}</text>`);
    const step = tickStep(max);
    for (let v = 0; max > 0 && v <= max * 1.0001; v += step) {
      const x = x0 + v * scale;
      out.push(`<line class="grid" x1="${n(x)}" y1="${top - 4}" x2="${n(x)}" y2="${height - bottom}"/>`);
      out.push(`<text class="tick" x="${n(x)}" y="${top - 7}" text-anchor="middle">${escapeHtml((p.tickFormat ?? p.format)(v))}</text>`);
    }
    rows.forEach((r, i) => {
      const v = p.values[i] ?? 0;
      const y = top + i * rowHeight + 3;
      const w = Math.max(v > 0 ? 1 : 0, v * scale);
      out.push(`<rect class="bar ${escapeHtml(p.barClass)}" x="${x0}" y="${y}" width="${n(w)}" height="${rowHeight - 6}"><title>${escapeHtml(`${r.label}\n${p.title}: ${p.format(v)}`)}</title></rect>`);
      out.push(`<text class="value" x="${n(x0 + w + 3)}" y="${n(y + rowHeight * 0.55)}">${escapeHtml(p.format(v))}</text>`);
    });
    if (p.reference && max > 0) {
      const x = x0 + p.reference.value * scale;
      out.push(`<line class="reference" x1="${n(x)}" y1="${top - 2}" x2="${n(x)}" y2="${height - bottom}"><title>${escapeHtml(p.reference.label)}</title></line>`);
    }
    out.push(`<line class="axis" x1="${x0}" y1="${top - 2}" x2="${x0}" y2="${height - bottom}"/>`);
    out.push(`</g>`);
  });
  out.push('</svg>');
  return out.join('');
}
