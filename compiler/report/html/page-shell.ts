/**
 * The frame every cimc HTML page shares: one self-contained document whose Content-Security-Policy
 * allows nothing but its own inline style and script (no request of any kind, so a page opened
 * from disk or mailed around cannot reach the network, and injected markup cannot load anything).
 */
import { escapeHtml as h } from './escape.js';

export interface PageShell {
  /** Plain text (escaped here). */
  title: string;
  css: string;
  /** Markup of the body, before its scripts. */
  body: string;
  /** Inline scripts, in order (already safe for a <script> element). */
  scripts: readonly string[];
}

export function htmlPage(p: PageShell): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${h(p.title)}</title>
<style>${p.css}</style>
</head>
<body>
${p.body}
${p.scripts.join('\n')}
</body>
</html>
`;
}
