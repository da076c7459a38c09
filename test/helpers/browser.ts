/**
 * A headless Chromium for the browser tests, driven by playwright-core (which downloads no browser).
 *
 * Tried in order, the first that starts wins:
 *  1. a system Chromium at /usr/bin/chromium (Debian's `chromium` package), when present;
 *  2. the headless Chromium that the dev dependency @sparticuz/chromium ships inside its npm tarball
 *     (brotli-compressed; its `executablePath()` unpacks it once to `os.tmpdir()/chromium`).
 * So `npm ci && npm test` needs no apt-get. When neither starts, `launchChromium` throws with what
 * was tried and why each failed: a browser test never skips.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const systemChromium = '/usr/bin/chromium';

/**
 * Flags for a root user on a machine with no network: no sandbox (root), no GPU, and no background
 * connections (they would be refused, many at a time). Playwright adds a fresh, empty
 * `--user-data-dir` of its own (a new temporary profile per launch, deleted on close); it refuses
 * one passed in `args`.
 */
export const chromiumFlags: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface LaunchedChromium {
  browser: Browser;
  /** Which Chromium started, e.g. `system /usr/bin/chromium` or `@sparticuz/chromium 143.0.4 (/tmp/chromium)`. */
  source: string;
}

interface Candidate {
  name: string;
  /** Resolves to the executable, or throws why this candidate is not available. */
  executable: () => Promise<string>;
  /** What to do about a failure, added to the error. */
  hint: string;
}

// Two tries must fit in the cli project's 120 s hook timeout.
const launchTimeoutMs = 45_000;

/**
 * An error's message, shortened: playwright's launch errors repeat the (very long) command line
 * twice; the browser's own stderr lines ([pid=…][err] …) that say why it died are kept.
 */
function message(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split('\n');
  const callLog = lines.findIndex((l) => /^\s*Call log:/.test(l));
  const kept = (callLog < 0 ? lines : lines.slice(0, callLog)).filter((l) => l.trim() !== '' && !l.includes('<launching>'));
  return kept.slice(0, 20).join('\n    ');
}

async function sparticuzExecutable(): Promise<string> {
  let sparticuz: typeof import('@sparticuz/chromium').default;
  try {
    sparticuz = (await import('@sparticuz/chromium')).default;
  } catch (e) {
    throw new Error(`cannot import @sparticuz/chromium (a devDependency: run npm ci): ${message(e)}`);
  }
  // No WebGL: we run with --disable-gpu, so SwiftShader's libraries need not be unpacked.
  sparticuz.setGraphicsMode = false;
  return sparticuz.executablePath();
}

function sparticuzVersion(): string {
  try {
    // The entry point is build/esm/index.js; package.json is two levels up.
    const pkg = path.join(path.dirname(fileURLToPath(import.meta.resolve('@sparticuz/chromium'))), '..', '..', 'package.json');
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const candidates: Candidate[] = [
  {
    name: `system ${systemChromium}`,
    executable: async () => {
      if (!fs.existsSync(systemChromium)) throw new Error('not present');
      return systemChromium;
    },
    hint: `Debian's chromium package (apt-get install -y chromium)`,
  },
  {
    name: '@sparticuz/chromium',
    executable: sparticuzExecutable,
    hint: `unpacked once to ${path.join(os.tmpdir(), 'chromium')}; if that file is truncated or stale (an unpack that was killed, another version), delete it to unpack again`,
  },
];

/** Starts the first Chromium that works (see the file comment), or throws saying what was tried. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const tried: string[] = [];
  for (const c of candidates) {
    let executablePath: string;
    try {
      executablePath = await c.executable();
    } catch (e) {
      tried.push(`${c.name}: ${message(e)}`);
      continue;
    }
    try {
      const browser = await chromium.launch({ executablePath, args: [...chromiumFlags], timeout: launchTimeoutMs });
      const source = c.name === '@sparticuz/chromium' ? `@sparticuz/chromium ${sparticuzVersion()} (${executablePath})` : c.name;
      return { browser, source };
    } catch (e) {
      tried.push(`${c.name} (${executablePath}) did not start: ${message(e)}\n    (${c.hint})`);
    }
  }
  throw new Error(`no headless Chromium could be started for the browser tests; tried:\n  - ${tried.join('\n  - ')}`);
}

/** A page opened by openPage, with what it complained about and every request it made. */
export interface OpenedPage {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens a local HTML file, collecting console errors and warnings, page errors, dialogs and requests. */
export async function openPage(browser: Browser, file: string, viewport = { width: 1360, height: 900 }): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests };
}
