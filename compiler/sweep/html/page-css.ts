/** The sweep page's stylesheet (inlined: the page works offline, without any request). */
export const sweepCss = String.raw`
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --card: #fff; --bg: #fbfbfc; --accent: #0b5cad; --front: #c0392b; --dot: #7d8da1; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #14233a; color: #fff; padding: 18px 28px 16px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header .sub { margin: 4px 0 0; opacity: .75; font-size: 13px; }
main { max-width: 1400px; margin: 0 auto; padding: 8px 24px 48px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.hint { color: var(--muted); font-size: 12.5px; margin: 4px 0 10px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card .d { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; font-size: 13px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.charts figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 6px; }
svg.scatter { display: block; font-size: 11px; }
svg.scatter .chart-title { font-weight: 600; font-size: 12.5px; fill: var(--fg); }
svg.scatter .grid { stroke: #e3e7ec; }
svg.scatter .axis { stroke: #8c959f; }
svg.scatter .tick { fill: var(--muted); font-size: 10px; }
svg.scatter .axis-label { fill: var(--muted); font-size: 11px; }
svg.scatter .baseline { stroke: #2f7d4f; stroke-dasharray: 4 3; stroke-width: 1.2; }
svg.scatter .front-line { fill: none; stroke: var(--front); stroke-width: 1.6; stroke-linejoin: round; }
svg.scatter .point { fill: var(--dot); fill-opacity: .7; stroke: #fff; stroke-width: 1; }
svg.scatter .point.front { fill: var(--front); fill-opacity: 1; }
svg.scatter a:hover .point { stroke: var(--fg); stroke-width: 2; }
.legend { font-size: 12.5px; color: var(--muted); margin: 8px 0; }
.legend .sw { display: inline-block; width: 10px; height: 10px; border-radius: 50%; vertical-align: -1px; margin: 0 4px 0 10px; }
ol.front-list { margin: 6px 0 14px; padding-left: 22px; font-size: 13px; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table.points { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
table.points th, table.points td { padding: 4px 6px; border-bottom: 1px solid #eaeef2; text-align: right; white-space: nowrap; vertical-align: top; }
table.points th.t, table.points td.t { text-align: left; }
table.points thead th { position: sticky; top: 0; background: var(--soft); cursor: pointer; user-select: none; border-bottom: 1px solid var(--line); }
table.points thead th:hover { background: #eaeef2; }
table.points thead th::after { content: " \2195"; color: #b0b8c1; font-size: 10px; }
table.points thead th[aria-sort="ascending"]::after { content: " \25B2"; color: var(--accent); }
table.points thead th[aria-sort="descending"]::after { content: " \25BC"; color: var(--accent); }
table.points tbody tr:hover { background: #f3f7fc; }
table.points tbody tr:target { background: #fff4d6; }
table.points tr.failed td { color: var(--muted); }
table.points td.status.error { color: #b3261e; white-space: normal; min-width: 200px; }
table.points td.cmd { white-space: normal; min-width: 320px; }
table.points td.cmd code { user-select: all; overflow-wrap: anywhere; }
button { font: inherit; font-size: 11.5px; padding: 1px 8px; margin-left: 6px; border: 1px solid var(--line); background: var(--card); border-radius: 6px; cursor: pointer; }
button:hover { background: var(--soft); }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
`;
