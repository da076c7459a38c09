#!/usr/bin/env node
/**
 * Screenshots a cimc HTML page (a plan or sweep report) to PNG with the headless Chromium the dev
 * dependency @sparticuz/chromium ships (or /usr/bin/chromium): how docs/images/ are made.
 *   node scripts/screenshot-page.mjs PAGE.html OUT.png [selector]
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [page, out, selector] = process.argv.slice(2);
if (!page || !out) { console.error('usage: node scripts/screenshot-page.mjs PAGE.html OUT.png [selector]'); process.exit(2); }
const executablePath = fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : await (await import('@sparticuz/chromium')).default.executablePath();
const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await p.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  if (selector) await p.locator(selector).first().screenshot({ path: out });
  else await p.screenshot({ path: out, fullPage: false });
} finally {
  await browser.close();
}
