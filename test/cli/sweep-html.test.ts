/**
 * The sweep page in a real headless Chromium (test/helpers/browser.ts; never skipped): written from
 * the synthetic sweep fixture, it loads with no console error and no request, lists every record,
 * draws the three trade-off charts with paretoFront's points marked, and its table sorts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { renderSweepHtml } from '../../compiler/sweep/html/render.js';
import { paretoFront } from '../../compiler/sweep/pareto.js';
import type { SweepMetrics } from '../../compiler/sweep/record.js';
import { launchChromium, openPage, type OpenedPage } from '../helpers/browser.js';
import { tempDir } from '../helpers/cli.js';
import { sweepDefinition, sweepRecords } from '../helpers/sweep-fixture.js';

let browser: Browser;
const dir = tempDir('cimc-sweep-html-');
const file = path.join(dir, 'sweep.html');
const records = sweepRecords();
const ok = records.filter((r) => r.status === 'ok');

beforeAll(async () => {
  fs.writeFileSync(file, renderSweepHtml(sweepDefinition, records));
  const launched = await launchChromium();
  browser = launched.browser;
  console.log(`sweep HTML tests: Chromium ${browser.version()} from ${launched.source}`);
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<OpenedPage> {
  const opened = await openPage(browser, file, { width: 1400, height: 900 });
  onTestFinished(() => opened.page.close());
  return opened;
}

const frontOf = (x: (m: SweepMetrics) => number): number[] =>
  paretoFront(ok, [{ value: (r) => r.metrics!.accuracy, better: 'higher' }, { value: (r) => x(r.metrics!), better: 'lower' }])
    .map((r) => r.index).sort((a, b) => a - b);

/** The data-v (else the text) of a table column, in table order. */
const column = (page: Page, col: number): Promise<string[]> =>
  page.$$eval(`#points-table tbody tr td:nth-child(${col})`, (tds) => tds.map((td) => td.getAttribute('data-v') ?? td.textContent ?? ''));

describe('sweep HTML page in Chromium', () => {
  it('loads with no error and no request other than the file itself', async () => {
    const { page, problems, requests } = await open();
    expect(await page.title()).toBe('mnist-cnn.onnx sweep — cimc');
    const summary = await page.textContent('#summary');
    expect(summary).toContain('12 of 15');
    expect(summary).toContain('1 failed, 2 not run yet');
    expect(summary).toContain('92.0%');
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
  });

  it('lists every record in the table, the failed one with its error and every command', async () => {
    const { page } = await open();
    expect(await page.$$eval('#points-table tbody tr', (rows) => rows.length)).toBe(13);
    expect((await column(page, 1)).map(Number)).toEqual([0, ...ok.map((r) => r.index)]);
    expect(await page.textContent('#p-0 td.status')).toBe('E_OPTION adc-bits 2 is below the target minimum of 3');
    const commands = await page.$$eval('#points-table code.command', (cs) => cs.map((c) => c.textContent));
    expect(commands).toEqual([records[12], ...ok].map((r) => r.command));
  });

  it('draws three charts, one circle per ok point, fronts equal to paretoFront', async () => {
    const { page } = await open();
    const charts: [string, (m: SweepMetrics) => number][] = [['energy', (m) => m.energyPj], ['area', (m) => m.areaMm2], ['latency', (m) => m.latencyNs]];
    expect(await page.$$eval('svg.scatter', (s) => s.map((x) => x.getAttribute('data-chart')))).toEqual(charts.map((c) => c[0]));
    for (const [id, x] of charts) {
      const all = await page.$$eval(`#chart-${id} circle.point`, (cs) => cs.map((c) => Number(c.getAttribute('data-index'))).sort((a, b) => a - b));
      expect(all, id).toEqual(ok.map((r) => r.index));
      const front = await page.$$eval(`#chart-${id} circle.point.front`, (cs) => cs.map((c) => Number(c.getAttribute('data-index'))).sort((a, b) => a - b));
      expect(front, id).toEqual(frontOf(x));
      // Circles are inside the drawing, and the front line is drawn.
      const boxes = await page.$$eval(`#chart-${id} circle.point`, (cs) => cs.map((c) => { const b = c.getBoundingClientRect(); return b.width > 0 && b.height > 0; }));
      expect(boxes.every(Boolean), id).toBe(true);
      expect(await page.$$eval(`#chart-${id} path.front-line`, (p) => p.length), id).toBe(1);
    }
    const tip = await page.textContent('#chart-energy circle.point[data-index="14"] title');
    expect(tip).toContain('adc-bits=6, psum-granularity=column');
    expect(tip).toMatch(/energy [\d.]+ µJ/);
  });

  it('sorts the table by accuracy when its header is clicked, and back', async () => {
    const { page, problems } = await open();
    const heads = await page.$$eval('#points-table thead th', (ths) => ths.map((t) => t.textContent));
    const acc = heads.indexOf('accuracy') + 1;
    expect(acc).toBe(4);
    await page.click(`#points-table thead th:nth-child(${acc})`);
    const up = await column(page, acc);
    const upNumbers = up.filter((v) => v !== '').map(Number);
    expect(upNumbers).toEqual(ok.map((r) => r.metrics!.accuracy).sort((a, b) => a - b));
    expect(up[up.length - 1]).toBe(''); // the failed point last
    await page.click(`#points-table thead th:nth-child(${acc})`);
    const down = (await column(page, acc));
    expect(down.filter((v) => v !== '').map(Number)).toEqual([...upNumbers].reverse());
    expect(down[down.length - 1]).toBe('');
    expect(await page.getAttribute(`#points-table thead th:nth-child(${acc})`, 'aria-sort')).toBe('descending');
    // A categorical axis sorts in its own value order (layer, array, column).
    await page.click('#points-table thead th:nth-child(3)');
    const g = await page.$$eval('#points-table tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
    expect(g.slice(0, 5)).toEqual(['layer', 'layer', 'layer', 'layer', 'layer']);
    expect(g.slice(-4)).toEqual(['column', 'column', 'column', 'column']);
    expect(problems).toEqual([]);
  });

  it('copies or selects a command when its button is clicked, without an error', async () => {
    const { page, problems } = await open();
    await page.click('#p-3 button.copy');
    await page.waitForFunction(() => document.querySelector('#p-3 button.copy')?.textContent !== 'copy');
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(records.find((r) => r.index === 3)!.command);
    expect(problems).toEqual([]);
  });
});
