/** The report page's stylesheet (inlined: the page must work offline, without any request). */
export const pageCss = String.raw`
:root {
  --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --card: #ffffff; --bg: #fbfbfc;
  --accent: #0b5cad; --free: #eceff3; --free-line: #c4cad3;
  --util: #2f7d4f; --arrays: #0b5cad; --adc: #9a4d00;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #14233a; color: #fff; padding: 18px 28px 16px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header h1 .on { font-weight: 400; opacity: .75; }
header .sub { margin: 4px 0 0; opacity: .75; font-size: 13px; }
main { max-width: 1340px; margin: 0 auto; padding: 8px 24px 48px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 6px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.hint { color: var(--muted); font-size: 12.5px; margin: 4px 0 10px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }

.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .d { color: var(--muted); font-size: 12px; }
.meter { height: 6px; background: var(--free); border-radius: 3px; margin-top: 6px; overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--util); }

.info { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 12px; }
.info section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; font-size: 13px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }

.chart-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
svg.chart { display: block; font-size: 11px; }
svg.chart .zebra { fill: var(--soft); }
svg.chart .label { fill: var(--fg); }
svg.chart .index { fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart a .label { fill: var(--accent); }
svg.chart .panel-title { font-weight: 600; font-size: 12px; fill: var(--fg); }
svg.chart .tick { fill: var(--muted); font-size: 10px; }
svg.chart .grid { stroke: #e3e7ec; }
svg.chart .axis { stroke: #8c959f; }
svg.chart .value { fill: var(--muted); font-size: 10px; dominant-baseline: middle; }
svg.chart .reference { stroke: #cf222e; stroke-dasharray: 4 3; stroke-width: 1.2; }
svg.chart .bar.util { fill: var(--util); }
svg.chart .bar.arrays { fill: var(--arrays); }
svg.chart .bar.adc { fill: var(--adc); }
svg.chart .bar.energy { fill: #c0392b; }
svg.chart .bar.stage { fill: #1f5fbf; }
svg.chart .bar.adc-bits { fill: var(--adc); opacity: .6; }
svg.chart .bar:hover { opacity: .75; }

.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table.layers { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
table.layers th, table.layers td { padding: 4px 6px; border-bottom: 1px solid #eaeef2; text-align: right; white-space: nowrap; }
table.layers th.t, table.layers td.t { text-align: left; }
table.layers thead th { position: sticky; top: 0; background: var(--soft); cursor: pointer; user-select: none; border-bottom: 1px solid var(--line); }
table.layers thead th:hover { background: #eaeef2; }
table.layers thead th::after { content: " \2195"; color: #b0b8c1; font-size: 10px; }
table.layers thead th[aria-sort="ascending"]::after { content: " \25B2"; color: var(--accent); }
table.layers thead th[aria-sort="descending"]::after { content: " \25BC"; color: var(--accent); }
table.layers tbody tr:hover { background: #f3f7fc; }
table.layers td.name > * { display: inline-block; max-width: 230px; overflow: hidden; text-overflow: ellipsis; vertical-align: bottom; }
table.layers tfoot td { font-weight: 600; background: var(--soft); border-top: 1px solid var(--line); }
table.layers tr.digital td { color: var(--muted); }
td.util { min-width: 96px; background-image: linear-gradient(90deg, rgba(47,125,79,.18) var(--u), transparent var(--u)); }
.warn { color: #b35900; }

.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 12.5px; margin: 6px 0 12px; }
.legend .sw { display: inline-flex; align-items: center; gap: 5px; }
.legend svg { border: 1px solid var(--free-line); }
.toolbar { display: flex; gap: 8px; margin: 6px 0 10px; }
button { font: inherit; font-size: 12.5px; padding: 3px 10px; border: 1px solid var(--line); background: var(--card); border-radius: 6px; cursor: pointer; }
button:hover { background: var(--soft); }

details.layer { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 6px 0; }
details.layer > summary { cursor: pointer; padding: 7px 12px; display: flex; gap: 10px; align-items: center; list-style: none; }
details.layer > summary::-webkit-details-marker { display: none; }
details.layer > summary::before { content: "\25B8"; color: var(--muted); width: 10px; }
details.layer[open] > summary::before { content: "\25BE"; }
details.layer[open] > summary { border-bottom: 1px solid #eaeef2; }
details.layer .idx { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 28px; }
details.layer .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 520px; }
details.layer .meta { color: var(--muted); font-size: 12.5px; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.ubar { width: 90px; height: 8px; background: var(--free); border-radius: 4px; overflow: hidden; flex: none; }
.ubar > span { display: block; height: 100%; background: var(--util); }
.layer-body { padding: 10px 14px 14px; }
.layer-body dl.kv { margin-bottom: 10px; }
.waste { font-size: 13px; margin: 4px 0 10px; }
.xbars { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.block { display: flex; flex-direction: column; min-width: 170px; border: 1px solid #e1e6eb; border-radius: 6px; padding: 5px 6px 4px; background: #fcfcfd; }
.block .bl { font-size: 11px; color: var(--muted); width: 0; min-width: 100%; margin-bottom: 4px; overflow-wrap: anywhere; }
.block .arrs { display: flex; gap: 6px; }
.block figure { margin: 0; text-align: center; }
.block figcaption { font-size: 10px; color: var(--muted); font-variant-numeric: tabular-nums; }
.block.kind { padding: 7px 9px 6px; }
.kind .count { font-weight: 600; color: var(--fg); font-size: 12.5px; }
svg.xbar { display: block; }
svg.xbar .free { fill: var(--free); }
svg.xbar .frame { fill: none; stroke: #8c959f; stroke-width: 1; }
.more { color: var(--muted); font-size: 12.5px; align-self: center; }
.notes { margin: 4px 0 10px; padding-left: 18px; font-size: 12.5px; color: #6e4a00; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
@media print { details.layer { break-inside: avoid; } header { background: none; color: var(--fg); } }
`;
