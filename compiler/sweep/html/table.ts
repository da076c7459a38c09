/**
 * The sweep page's table: one row per record (ok or failed) with its grid index, axis values,
 * metrics, status (a failed point shows its error code and message) and the exact `cimc compile …`
 * command that reproduces it. Sortable by the page script: numeric cells carry data-v; axis columns
 * sort in the axis's own value order.
 */
import { escapeHtml as h } from '../../report/html/escape.js';
import type { SweepRecord } from '../record.js';
import type { SweepAxis } from './definition.js';
import { axisValue, tableMeasures, valueText } from './values.js';

interface Cell {
  text: string;
  /** Sort value; absent: the text. Empty: sorts last. */
  v?: string | number;
  cls?: string;
  /** Markup in place of the escaped text (already escaped). */
  html?: string;
}

interface Column {
  head: string;
  title: string;
  num: boolean;
  cls?: string;
  cell(r: SweepRecord): Cell;
}

function axisColumn(axis: SweepAxis): Column {
  const allNumbers = axis.values.length > 0 && axis.values.every((v) => typeof v === 'number');
  const position = new Map(axis.values.map((v, i) => [valueText(v), i]));
  return {
    head: axis.name,
    title: `axis ${axis.name}: ${axis.values.map(valueText).join(', ')}`,
    num: true,
    cls: 'axis',
    cell: (r) => {
      const v = axisValue(r.point, axis);
      const text = valueText(v);
      const sortBy = allNumbers && typeof v === 'number' ? v : position.get(text);
      return { text, v: sortBy ?? '', cls: 't axis' };
    },
  };
}

function statusCell(r: SweepRecord): Cell {
  if (r.status === 'ok') return { text: 'ok', v: 'ok', cls: 't status ok' };
  const e = r.error ?? { code: 'error', message: '' };
  return {
    text: `error ${e.code}: ${e.message}`,
    v: `error ${e.code}`,
    cls: 't status error',
    html: `<span class="err"><code>${h(e.code)}</code> ${h(e.message)}</span>`,
  };
}

export function pointsTable(axes: readonly SweepAxis[], records: readonly SweepRecord[]): string {
  const cols: Column[] = [
    { head: '#', title: 'index of the point in grid order', num: true, cell: (r) => ({ text: String(r.index), v: r.index }) },
    ...axes.map(axisColumn),
    ...tableMeasures.map((m): Column => ({
      head: m.head, title: m.title, num: true,
      cell: (r) => (r.metrics && r.status === 'ok' ? { text: m.text(m.value(r.metrics)), v: m.value(r.metrics), cls: m.key } : { text: '–', v: '' }),
    })),
    { head: 'status', title: 'ok, or the coded error of a failed point', num: false, cell: statusCell },
    {
      head: 'command', title: 'the cimc compile command that reproduces the point’s plan', num: false,
      cell: (r) => ({ text: r.command, cls: 't cmd', html: `<code class="command">${h(r.command)}</code><button type="button" class="copy" title="copy the command">copy</button>` }),
    },
  ];
  const head = `<thead><tr>${cols.map((c) => `<th class="${c.num ? '' : 't'}" title="${h(c.title)}"${c.num ? ' data-type="num"' : ''} scope="col">${h(c.head)}</th>`).join('')}</tr></thead>`;
  // A merged results file may repeat an index: only its first row is the link target.
  const seen = new Set<number>();
  const body = records.map((r) => {
    const id = seen.has(r.index) ? '' : ` id="p-${r.index}"`;
    seen.add(r.index);
    const cells = cols.map((c) => {
      const x = c.cell(r);
      const attrs = `${x.cls ? ` class="${x.cls}"` : ''}${x.v !== undefined ? ` data-v="${h(String(x.v))}"` : ''}`;
      return `<td${attrs}>${x.html ?? h(x.text)}</td>`;
    });
    return `<tr${id} class="${r.status === 'ok' ? 'ok' : 'failed'}" data-index="${r.index}">${cells.join('')}</tr>`;
  }).join('');
  return `<div class="table-wrap"><table class="points sortable" id="points-table">${head}<tbody>${body}</tbody></table></div>`;
}
