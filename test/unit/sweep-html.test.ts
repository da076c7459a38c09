/**
 * The sweep page as a string (no browser): each chart's front circles are paretoFront's, every
 * sweep string is escaped, and the output is the same for the same input in any record order.
 */
import { describe, expect, it } from 'vitest';
import { renderSweepHtml } from '../../compiler/sweep/html/render.js';
import { scaleFor } from '../../compiler/sweep/html/scale.js';
import { paretoFront } from '../../compiler/sweep/pareto.js';
import type { SweepMetrics, SweepRecord } from '../../compiler/sweep/record.js';
import { sweepDefinition, sweepRecords } from '../helpers/sweep-fixture.js';

type Metric = (m: SweepMetrics) => number;
const charts: [string, Metric][] = [['energy', (m) => m.energyPj], ['area', (m) => m.areaMm2], ['latency', (m) => m.latencyNs]];

/** The page without its script (which says isNaN). */
const markup = (html: string): string => html.replace(/<script>[\s\S]*?<\/script>/, '');

/** The <svg> of one chart. */
function chart(html: string, id: string): string {
  const m = new RegExp(`<svg class="scatter" id="chart-${id}"[\\s\\S]*?</svg>`).exec(html);
  expect(m, `chart ${id}`).not.toBeNull();
  return m![0];
}

const circles = (svg: string, cls: string): number[] =>
  [...svg.matchAll(new RegExp(`<circle class="${cls}" data-index="(\\d+)"`, 'g'))].map((m) => Number(m[1])).sort((a, b) => a - b);

function expectedFront(records: readonly SweepRecord[], x: Metric): number[] {
  const ok = records.filter((r) => r.status === 'ok');
  return paretoFront(ok, [{ value: (r) => r.metrics!.accuracy, better: 'higher' }, { value: (r) => x(r.metrics!), better: 'lower' }])
    .map((r) => r.index).sort((a, b) => a - b);
}

describe('renderSweepHtml', () => {
  const records = sweepRecords();
  const html = renderSweepHtml(sweepDefinition, records);

  it('marks on each chart exactly the points paretoFront returns', () => {
    for (const [id, x] of charts) {
      const svg = chart(html, id);
      const front = circles(svg, 'point front');
      expect(front, id).toEqual(expectedFront(records, x));
      expect(front.length, id).toBeGreaterThan(1);
      expect(circles(svg, 'point').length, id).toBeGreaterThan(0);
      expect(circles(svg, 'point').length + front.length, id).toBe(12);
      expect(svg, id).toMatch(/<path class="front-line" d="M[\d.]+ [\d.]+( H[\d.]+ V[\d.]+)+"\/>/);
    }
  });

  it('uses a log x axis when the values span more than 10×, else linear', () => {
    expect(chart(html, 'energy')).toContain('data-scale="log"');
    expect(chart(html, 'latency')).toContain('data-scale="linear"');
    expect(scaleFor([1, 10], 0, 100).log).toBe(false);
    expect(scaleFor([1, 10.5], 0, 100).log).toBe(true);
    expect(scaleFor([0, 100], 0, 100).log).toBe(false);
    const s = scaleFor([0.3, 40], 0, 100);
    expect(s.ticks).toContain(1);
    expect(s.ticks).toContain(10);
    expect(s.at(1)).toBeLessThan(s.at(10));
  });

  it('lists the accuracy-vs-energy front above the table, energy ascending', () => {
    const list = /<ol class="front-list"[\s\S]*?<\/ol>/.exec(html)![0];
    const listed = [...list.matchAll(/<li data-index="(\d+)"/g)].map((m) => Number(m[1]));
    expect([...listed].sort((a, b) => a - b)).toEqual(expectedFront(records, (m) => m.energyPj));
    const energies = listed.map((i) => records.find((r) => r.index === i)!.metrics!.energyPj);
    expect(energies).toEqual([...energies].sort((a, b) => a - b));
    expect(html.indexOf('id="front-list"')).toBeLessThan(html.indexOf('id="points-table"'));
  });

  it('has one table row per record, failed ones with their error', () => {
    expect([...html.matchAll(/<tr id="p-\d+"/g)]).toHaveLength(13);
    expect(html).toContain('<code>E_OPTION</code> adc-bits 2 is below the target minimum of 3');
    for (const r of records) expect(html).toContain(`<code class="command">${r.command}</code>`);
  });

  it('escapes hostile axis names, values, commands, errors and file names', () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const hostile = sweepRecords().map((r, i) => ({
      ...r,
      point: { ...r.point, options: { ...r.point.options, [`x${evil}`]: `${evil}${i}` } },
      command: `cimc compile '${evil}' -o p.json`,
      error: r.error && { code: evil, message: evil },
    }));
    const def = {
      ...sweepDefinition,
      model: { file: `m${evil}.onnx`, sha256: evil },
      axes: [...sweepDefinition.axes, { name: `x${evil}`, values: hostile.map((r) => `${evil}${r.index}`) }],
      command: evil,
    };
    const out = renderSweepHtml(def, hostile);
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('onerror=alert(2)>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain(`<code class="command">cimc compile &#39;&quot;&gt;&lt;script&gt;`);
    // Only the page's own script element.
    expect(out.match(/<script/g)).toHaveLength(1);
  });

  it('is deterministic and independent of the records order', () => {
    expect(renderSweepHtml(sweepDefinition, sweepRecords())).toBe(html);
    expect(renderSweepHtml(sweepDefinition, [...sweepRecords()].reverse())).toBe(html);
  });

  it('gives a repeated index (a merged file) one link target', () => {
    const twice = [...records, { ...records[0], key: 'f'.repeat(64) }];
    const out = renderSweepHtml(sweepDefinition, twice);
    expect(out.match(/<tr[^>]* data-index="/g)).toHaveLength(14);
    expect(out.match(new RegExp(`<tr id="p-${records[0].index}"`, 'g'))).toHaveLength(1);
  });

  it('renders a sweep with no finished point', () => {
    const out = renderSweepHtml(sweepDefinition, []);
    expect(out).toContain('No finished point yet.');
    expect(out).not.toContain('<circle');
    expect(markup(out)).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('writes no NaN, Infinity or undefined', () => {
    expect(markup(html)).not.toMatch(/NaN|Infinity|undefined/);
  });
});
