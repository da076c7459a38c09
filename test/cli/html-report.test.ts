/**
 * `cimc report --html`: the page is self-contained, renders without errors in headless Chromium
 * (driven by playwright-core: a system /usr/bin/chromium when present, else the one the dev
 * dependency @sparticuz/chromium ships, see test/helpers/browser.ts; never skipped), its table
 * sorts, and opening a layer draws its crossbars.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { compile } from '../../compiler/driver/compile.js';
import { sidecarNameFor, writePlan } from '../../plan/writer.js';
import { renderHtmlReport } from '../../compiler/report/html/build-html.js';
import { layerCrossbars } from '../../compiler/report/html/crossbar-layout.js';
import { escapeHtml, jsonForScript } from '../../compiler/report/html/escape.js';
import { loadPlan, openPlan } from '../../plan/reader.js';
import type { Plan } from '../../plan/types.js';
import { launchChromium, openPage, type OpenedPage } from '../helpers/browser.js';
import { planCost } from '../../compiler/cost/plan-cost.js';
import { cimc, fixture, repoRoot, tempDir } from '../helpers/cli.js';

const resnet18 = fixture('test/fixtures/models/torchvision/resnet18.onnx');
const mobilenet = fixture('test/fixtures/models/torchvision/mobilenet_v2.onnx');
const mnist = fixture('examples/models/mnist-cnn.onnx');
const shotDir = path.join(repoRoot, 'test', '.tmp');

let browser: Browser;

beforeAll(async () => {
  // Throws (failing every test here) with what was tried when no Chromium starts.
  const launched = await launchChromium();
  browser = launched.browser;
  console.log(`HTML report tests: Chromium ${browser.version()} from ${launched.source}`);
});

afterAll(async () => {
  await browser?.close();
});

/** Opens a report file, collecting console errors, page errors and every request made. */
const open = (file: string): Promise<OpenedPage> => openPage(browser, file);

const columnValues = (page: Page, col: number): Promise<string[]> =>
  page.$$eval(`#layer-table tbody tr td:nth-child(${col})`, (tds) => tds.map((td) => td.getAttribute('data-v') ?? td.textContent ?? ''));

/** Opens the <details> of a layer (by its table index) and waits until its crossbars are drawn. */
async function openLayer(page: Page, id: string): Promise<number> {
  await page.click(`#${id} > summary`);
  await page.waitForSelector(`#${id}[data-drawn]`);
  return Number(await page.getAttribute(`#${id}`, 'data-drawn'));
}

function expectSelfContained(html: string): void {
  // No external resources: the only URL is the SVG namespace.
  const urls = [...html.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*/gi)].map((m) => m[0]);
  expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
  expect(html).not.toMatch(/<(link|iframe|object|embed)\b/i);
  expect(html).not.toMatch(/\b(src|srcset)\s*=/i);
}

describe('escaping helpers', () => {
  it('escape markup and keep embedded JSON inert', () => {
    expect(escapeHtml(`<script>"a"&'b'</script>`)).toBe('&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;');
    const json = jsonForScript({ n: '</script><b>\u2028' });
    expect(json).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(json)).toEqual({ n: '</script><b>\u2028' });
  });
});

describe('cimc report --html (ResNet-18)', () => {
  const dir = tempDir('cimc-html-');
  const planFile = path.join(dir, 'resnet18.json');
  const htmlFile = path.join(dir, 'resnet18.html');
  let plan: Plan;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const c = cimc(['-q', 'compile', resnet18, '-o', planFile]);
    expect(c.code, c.stderr).toBe(0);
    const t0 = performance.now();
    const r = cimc(['report', planFile, '--html', htmlFile]);
    const ms = performance.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${htmlFile}`);
    expect(r.stdout).toBe('');
    const loaded = loadPlan(planFile);
    plan = loaded.plan;
    const t1 = performance.now();
    const html = renderHtmlReport(loaded);
    const renderMs = performance.now() - t1;
    // The library gives the CLI's bytes (no timestamps, no paths: deterministic).
    expect(html).toBe(fs.readFileSync(htmlFile, 'utf8'));
    console.log(`ResNet-18 HTML report: ${html.length} bytes, renderHtmlReport ${renderMs.toFixed(0)} ms, cimc report --html ${ms.toFixed(0)} ms (whole CLI run)`);
  });

  it('is one self-contained file', () => {
    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expectSelfContained(html);
    expect(fs.readdirSync(dir).sort()).toEqual(['resnet18.bin', 'resnet18.html', 'resnet18.json']);
  });

  it('draws the cost section: totals, the energy and area breakdowns, one bar per CIM layer', async () => {
    const { page, problems, requests } = await open(htmlFile);
    onTestFinished(() => page.close());
    const cost = planCost(plan)!;
    expect(cost.layers.filter((l) => l.cim)).toHaveLength(21);
    expect(await page.textContent('#cost')).toContain(`${(cost.totals.totalEnergyPj / 1e6).toPrecision(4)} µJ`);
    // Breakdowns: one part per non-zero component, widths proportional to the component.
    const charts = await page.$$eval('#cost svg.breakdown', (svgs) => svgs.map((svg) => [...svg.querySelectorAll('rect.part')].map((x) => ({ part: x.getAttribute('data-part'), w: Number(x.getAttribute('width')) }))));
    const energyParts = charts[0];
    const nonZero = Object.values(cost.totals.energyPj).filter((v) => v > 0).length;
    expect(energyParts).toHaveLength(nonZero);
    const adcPart = energyParts.find((p) => p.part === 'ADC')!;
    const total = energyParts.reduce((a, p) => a + p.w, 0);
    expect(adcPart.w / total).toBeCloseTo(cost.totals.adcEnergyShare, 3);
    expect(charts).toHaveLength(2);
    expect(charts[1].length).toBe(Object.values(cost.totals.areaMm2).filter((v) => v > 0).length);
    for (const cls of ['energy', 'stage', 'adc-bits']) expect(await page.$$eval(`#cost svg.chart rect.bar.${cls}`, (x) => x.length)).toBe(21);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  });

  it('renders without errors or requests, lists every layer, sorts, and draws crossbars', async () => {
    const { page, problems, requests } = await open(htmlFile);
    try {
      expect(await page.title()).toBe('resnet18.onnx on seed-4b — cimc report');
      // Summary: totals and calibration.
      const summary = await page.textContent('#summary');
      expect(summary).toContain('3,016');
      expect(summary).toContain(`lower bound of ${plan.report.totals.arrayLowerBound.toLocaleString('en-US')}`);
      expect(summary).toContain('analytic');
      expect(summary).toContain('128 × 128 cells, 2-bit cells');

      // Table: all 21 CIM layers, in execution order, with a totals row.
      const names = await page.$$eval('#layer-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-name')));
      expect(names).toHaveLength(21);
      expect(names).toEqual(plan.report.layers.map((l) => l.name));
      expect(await page.$$eval('#layer-table tbody tr.cim', (x) => x.length)).toBe(21);
      expect(await page.textContent('#layer-table tfoot')).toContain('3,016');
      // Charts: one bar per CIM layer in each of the three panels.
      expect(await page.$$eval('svg.chart rect.bar.util', (x) => x.length)).toBe(21);
      expect(await page.$$eval('svg.chart rect.bar.arrays', (x) => x.length)).toBe(21);
      expect(await page.$$eval('svg.chart rect.bar.adc', (x) => x.length)).toBe(21);

      // Sorting by arrays (5th column): ascending, then descending; stable for ties.
      const arrays = plan.report.layers.map((l) => l.arrays);
      const arraysHeader = page.locator('#layer-table thead th', { hasText: /^arrays$/ });
      await arraysHeader.click();
      expect(await arraysHeader.getAttribute('aria-sort')).toBe('ascending');
      expect((await columnValues(page, 5)).map(Number)).toEqual([...arrays].sort((a, b) => a - b));
      await arraysHeader.click();
      expect(await arraysHeader.getAttribute('aria-sort')).toBe('descending');
      expect((await columnValues(page, 5)).map(Number)).toEqual([...arrays].sort((a, b) => b - a));
      // By name (text), and back to execution order by '#'.
      await page.locator('#layer-table thead th', { hasText: /^layer$/ }).click();
      expect(await page.$$eval('#layer-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-name')))).toEqual([...names].sort((a, b) => a!.toLowerCase().localeCompare(b!.toLowerCase())));
      await page.locator('#layer-table thead th', { hasText: /^#$/ }).click();
      expect((await columnValues(page, 1)).map(Number)).toEqual(arrays.map((_, i) => i));

      // Crossbars are drawn lazily: nothing before a layer is opened.
      expect(await page.$$eval('svg.xbar', (x) => x.length)).toBe(0);
      // layer1.0/conv1 (3×3, 64→64): 5 row tiles × 2 slices × 2 polarities = 20 arrays, each drawn.
      const l1 = plan.report.layers[1];
      expect(l1.name).toBe('/layer1/layer1.0/conv1/Conv');
      expect(await openLayer(page, 'L1')).toBe(20);
      expect(await page.$$eval('#L1 svg.xbar', (x) => x.length)).toBe(20);
      expect(await page.$$eval('#L1 .block', (x) => x.length)).toBe(5);
      // One filled rectangle per array (64 columns × one row tile), besides background and frame.
      expect(await page.$$eval('#L1 svg.xbar rect:not(.free):not(.frame)', (x) => x.length)).toBe(20);
      // Full tiles use 126 rows, the last 72 (64 channels = 4 × 14 + 8).
      expect(await page.textContent('#L1 .xbars')).toContain('126 of 128 rows × 64 of 128 columns used in each');
      expect(await page.textContent('#L1 .xbars')).toContain('72 of 128 rows × 64 of 128 columns used in each');
      // Negative polarity is hatched.
      expect(await page.$$eval('#L1 svg.xbar rect[fill^="url(#cimc-hatch-"]', (x) => x.length)).toBe(10);
      // layer4.0/conv2 (592 arrays) is summarised: 144 blocks of full tiles, 4 of the last tile.
      expect(plan.report.layers[16].arrays).toBe(592);
      expect(await openLayer(page, 'L16')).toBe(8);
      const kinds = await page.$$eval('#L16 .kind .count', (x) => x.map((e) => e.textContent));
      expect(kinds).toEqual(['×144 blocks (576 arrays)', '×4 blocks (16 arrays)']);
      // A table link opens its layer.
      await page.click('#layer-table a[href="#L20"]');
      await page.waitForSelector('#L20[data-drawn]');
      expect(await page.$$eval('#L20 svg.xbar', (x) => x.length)).toBe(plan.report.layers[20].arrays);

      // Screenshot with layer1.0/conv1 open (looked at by hand: git-ignored).
      await page.evaluate(() => { (document.getElementById('L16') as HTMLDetailsElement).open = false; (document.getElementById('L20') as HTMLDetailsElement).open = false; window.scrollTo(0, 0); });
      fs.mkdirSync(shotDir, { recursive: true });
      await page.screenshot({ path: path.join(shotDir, 'report-resnet18.png'), fullPage: true });

      expect(problems).toEqual([]);
      const self = pathToFileURL(htmlFile).href;
      expect(requests.filter((u) => u !== self && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('HTML report of a large model (MobileNetV2, ~30k arrays)', () => {
  const dir = tempDir('cimc-html-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function build(name: string, options: Record<string, unknown>): { file: string; plan: Plan; ms: number } {
    const planFile = path.join(dir, `${name}.json`);
    writePlan(compile({ model: mobilenet, target: 'seed-4b', options: { ...options, sidecarUri: sidecarNameFor(planFile) } }).built, planFile);
    const loaded = loadPlan(planFile);
    const t0 = performance.now();
    const html = renderHtmlReport(loaded);
    const ms = performance.now() - t0;
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, html);
    expectSelfContained(html);
    console.log(`MobileNetV2 (${name}) HTML report: ${html.length} bytes for ${loaded.plan.report.totals.arrays} arrays, rendered in ${ms.toFixed(0)} ms`);
    return { file, plan: loaded.plan, ms };
  }

  it('stays small and fast, and draws every layer with "open all"', async () => {
    const { file, plan, ms } = build('mobilenet_v2', {});
    expect(plan.report.totals.arrays).toBeGreaterThan(25_000);
    expect(fs.statSync(file).size).toBeLessThan(1_500_000);
    expect(ms).toBeLessThan(5_000);
    const { page, problems } = await open(file);
    try {
      const rows = await page.$$eval('#layer-table tbody tr', (x) => x.length);
      expect(rows).toBe(plan.report.layers.length);
      expect(await page.$$eval('details.layer', (x) => x.length)).toBe(plan.report.totals.cimLayers);
      const t0 = Date.now();
      await page.click('#expand-all');
      await page.waitForFunction(() => [...document.querySelectorAll('details.layer')].every((d) => d.hasAttribute('data-drawn')));
      const drawMs = Date.now() - t0;
      const drawn = await page.$$eval('svg.xbar', (x) => x.length);
      console.log(`MobileNetV2: all ${plan.report.totals.cimLayers} layers drawn in ${drawMs} ms, ${drawn} array pictures for ${plan.report.totals.arrays} arrays`);
      expect(drawn).toBeLessThan(3_000);
      expect(drawMs).toBeLessThan(15_000);
      // A depthwise layer mapped group by group: 96 groups × 4 arrays, one kind of block.
      const dw = plan.report.layers.findIndex((l) => l.name === '/features/features.2/conv/conv.1/conv.1.0/Conv');
      expect(plan.report.layers[dw].arrays).toBe(384);
      expect(await page.$$eval(`#L${dw} .kind .count`, (x) => x.map((e) => e.textContent))).toEqual(['×96 blocks (384 arrays)']);
      expect(await page.$$eval(`#L${dw} svg.xbar`, (x) => x.length)).toBe(4);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('draws block-diagonally packed groups as blocks', async () => {
    const { file, plan } = build('mobilenet_v2-packed', { packGroups: true });
    const dw = plan.report.layers.findIndex((l) => l.name === '/features/features.2/conv/conv.1/conv.1.0/Conv');
    // 96 depthwise groups of 9 rows, 14 per array (126 rows): 7 blocks × 4 arrays.
    expect(plan.report.layers[dw].arrays).toBe(28);
    const { page, problems } = await open(file);
    try {
      expect(await openLayer(page, `L${dw}`)).toBe(28);
      // Each array holds 14 diagonal 9-row × 1-column blocks (the last array 12).
      const perArray = await page.$$eval(`#L${dw} svg.xbar`, (svgs) => svgs.map((s) => s.querySelectorAll('rect:not(.free):not(.frame)').length));
      expect(perArray).toEqual([...Array(24).fill(14), ...Array(4).fill(12)]);
      const ys = await page.$$eval(`#L${dw} svg.xbar`, (svgs) => [...svgs[0].querySelectorAll('rect:not(.free):not(.frame)')].map((e) => Number(e.getAttribute('y'))));
      expect(ys.every((y, i) => i === 0 || y > ys[i - 1])).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('plan strings are escaped', () => {
  it('a node name with <script> is shown as text and never runs', async () => {
    const dir = tempDir('cimc-html-');
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const planFile = path.join(dir, 'mnist.json');
    writePlan(compile({ model: mnist, target: 'seed-4b', options: { sidecarUri: sidecarNameFor(planFile) } }).built, planFile);
    const json = JSON.parse(fs.readFileSync(planFile, 'utf8')) as Plan;
    const evil = `</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">"'&amp;`;
    const old = json.layers[0].name;
    json.layers[0].name = evil;
    json.layers[0].report.name = evil;
    json.report.layers[0].name = evil;
    for (const s of json.schedule) if (s.name === old) s.name = evil;
    json.model.file = `<b>model</b>.onnx`;
    json.calibration.note = '<i>note</i>';
    const sidecar = json.buffers[0] ? new Uint8Array(fs.readFileSync(path.join(dir, json.buffers[0].uri))) : undefined;
    const loaded = openPlan(json, planFile, sidecar);
    const html = renderHtmlReport(loaded);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>model</b>');
    expect(html).not.toContain('<i>note</i>');
    const file = path.join(dir, 'evil.html');
    fs.writeFileSync(file, html);
    const { page, problems } = await open(file);
    try {
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.$$eval('#layer-table tbody tr', (trs) => trs[0].getAttribute('data-name'))).toBe(evil);
      expect(await page.textContent('#layer-table tbody tr:first-child td:nth-child(2)')).toBe(evil);
      expect(await page.textContent('#L0 .name')).toBe(evil);
      expect(await page.textContent('header h1')).toContain('<b>model</b>.onnx');
      expect(await openLayer(page, 'L0')).toBe(loaded.plan.report.layers[0].arrays);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('crossbar layout', () => {
  it('summarises a layer by block kinds above maxArrays', () => {
    const dir = tempDir('cimc-html-');
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const planFile = path.join(dir, 'mnist.json');
    writePlan(compile({ model: mnist, target: 'seed-4b', options: { sidecarUri: sidecarNameFor(planFile) } }).built, planFile);
    const loaded = loadPlan(planFile);
    // Conv 16→32 3×3: 2 row tiles (14 + 2 channels) × 2 slices × 2 polarities.
    const all = layerCrossbars(loaded, 1);
    expect(all.mode).toBe('arrays');
    expect(all.blocks.map((b) => b.arrays.length)).toEqual([4, 4]);
    expect(all.blocks[0].label).toBe('row tile 0 · in ch 0–13 → out ch 0–31');
    expect(all.blocks[1].label).toBe('row tile 1 · in ch 14–15 → out ch 0–31');
    expect(all.shapes.map((s) => [s.rowsUsed, s.colsUsed, s.segments])).toEqual([
      [126, 32, [[0, 32, 0, 126, 0, 1]]], [126, 32, [[0, 32, 0, 126, 0, -1]]], [126, 32, [[0, 32, 0, 126, 1, 1]]], [126, 32, [[0, 32, 0, 126, 1, -1]]],
      [18, 32, [[0, 32, 0, 18, 0, 1]]], [18, 32, [[0, 32, 0, 18, 0, -1]]], [18, 32, [[0, 32, 0, 18, 1, 1]]], [18, 32, [[0, 32, 0, 18, 1, -1]]],
    ]);
    expect(all.usedCells).toBe(loaded.plan.report.layers[1].usedCells);
    const kinds = layerCrossbars(loaded, 1, { maxArrays: 4, maxKinds: 1 });
    expect(kinds.mode).toBe('kinds');
    expect(kinds.kinds).toHaveLength(1);
    expect(kinds.kinds[0]).toMatchObject({ blocks: 1, arrays: 4, example: 'row tile 0 · in ch 0–13 → out ch 0–31' });
    expect(kinds.omittedKinds).toBe(1);
    expect(kinds.omittedArrays).toBe(4);
    expect(kinds.shapes).toHaveLength(4);
  });
});
