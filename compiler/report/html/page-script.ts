/**
 * The report page's script (inlined). It sorts the layer table and draws a layer's crossbars
 * the first time its <details> section is opened, from the JSON embedded in
 * <script id="cimc-data"> (see crossbar-layout.ts for its shape). Plan strings are only ever
 * inserted with textContent; generated markup holds numbers only.
 */
export const pageScript = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cimc-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';

  // ---- sortable table ----
  function cellValue(row, i, numeric) {
    var c = row.cells[i];
    var v = c.getAttribute('data-v');
    if (v === null) v = c.textContent;
    if (!numeric) return v.toLowerCase();
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function sortTable(table, i) {
    var th = table.tHead.rows[0].cells[i];
    var numeric = th.getAttribute('data-type') === 'num';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    var ths = table.tHead.rows[0].cells;
    for (var k = 0; k < ths.length; k++) ths[k].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, idx) { return { r: r, idx: idx, v: cellValue(r, i, numeric) }; });
    var sign = dir === 'ascending' ? 1 : -1;
    rows.sort(function (a, b) {
      if (a.v === b.v) return a.idx - b.idx;
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      return (a.v < b.v ? -1 : 1) * sign;
    });
    rows.forEach(function (x) { body.appendChild(x.r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortTable(table, i); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(table, i); } });
    });
  });

  // ---- crossbars ----
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function r1(x) { return Math.round(x * 100) / 100; }
  function fill(seg) {
    var s = seg[4] % data.colors.length;
    return seg[5] < 0 ? 'url(#cimc-hatch-' + s + ')' : data.colors[s];
  }
  function sliceText(shape) {
    var slices = {}, pols = {};
    shape.segments.forEach(function (g) { slices[g[4]] = 1; pols[g[5]] = 1; });
    var s = Object.keys(slices).map(Number).sort(function (a, b) { return a - b; });
    var p = (pols['1'] ? '+' : '') + (pols['-1'] ? '\u2212' : '');
    if (!data.differential) p = '';
    var st = s.length === 0 ? 'empty' : s.length === 1 ? 's' + s[0] : 's' + s[0] + '\u2013' + s[s.length - 1];
    return (st + ' ' + p).trim();
  }
  function arraySvg(shape, R, C, px, title) {
    var k = px / Math.max(R, C);
    var w = r1(C * k), h = r1(R * k);
    var m = ['<svg class="xbar" xmlns="' + NS + '" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + ' ' + h + '">',
      '<title>' + esc(title) + '</title>',
      '<rect class="free" x="0" y="0" width="' + w + '" height="' + h + '"/>'];
    shape.segments.forEach(function (g) {
      m.push('<rect x="' + r1(g[0] * k) + '" y="' + r1(g[2] * k) + '" width="' + r1(Math.min(Math.max(g[1] * k, 2), w - g[0] * k)) + '" height="' + r1(Math.min(Math.max(g[3] * k, 2), h - g[2] * k)) + '" fill="' + fill(g) + '"/>');
    });
    m.push('<rect class="frame" x="0.5" y="0.5" width="' + r1(w - 1) + '" height="' + r1(h - 1) + '"/></svg>');
    return m.join('');
  }
  function arrayTitle(L, shape, id) {
    var used = shape.segments.reduce(function (n, g) { return n + g[1] * g[3]; }, 0);
    return (id === null ? '' : 'array #' + id + '\n') + 'rows used ' + shape.rowsUsed + '/' + L.rows + ', columns used ' + shape.colsUsed + '/' + L.cols +
      '\n' + used + ' of ' + L.rows * L.cols + ' cells used (' + (100 * used / (L.rows * L.cols)).toFixed(1) + '%)\n' + sliceText(shape);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function figure(L, shapeIdx, id, px) {
    var shape = L.shapes[shapeIdx];
    var f = el('figure');
    f.insertAdjacentHTML('beforeend', arraySvg(shape, L.rows, L.cols, px, arrayTitle(L, shape, id)));
    f.appendChild(el('figcaption', '', (id === null ? '' : '#' + id + ' ') + sliceText(shape)));
    return f;
  }
  function usedText(L, shapeIdxs) {
    var a = L.shapes[shapeIdxs[0]];
    var same = shapeIdxs.every(function (i) { return L.shapes[i].rowsUsed === a.rowsUsed && L.shapes[i].colsUsed === a.colsUsed; });
    return same ? ' \u00b7 ' + a.rowsUsed + ' of ' + L.rows + ' rows \u00d7 ' + a.colsUsed + ' of ' + L.cols + ' columns used' + (shapeIdxs.length > 1 ? ' in each' : '') : '';
  }
  function draw(details) {
    var L = data.layers[Number(details.getAttribute('data-layer'))];
    var box = details.querySelector('.xbars');
    box.textContent = '';
    var drawn = 0;
    if (L.mode === 'arrays') {
      L.blocks.forEach(function (b) {
        var d = el('div', 'block');
        d.appendChild(el('div', 'bl', b.label + usedText(L, b.arrays.map(function (a) { return a.shape; }))));
        var row = el('div', 'arrs');
        b.arrays.forEach(function (a) { row.appendChild(figure(L, a.shape, a.id, 72)); drawn++; });
        d.appendChild(row);
        box.appendChild(d);
      });
    } else {
      L.kinds.forEach(function (kd) {
        var d = el('div', 'block kind');
        var head = el('div', 'bl');
        head.appendChild(el('span', 'count', '\u00d7' + kd.blocks + (kd.blocks === 1 ? ' block' : ' blocks') + ' (' + kd.arrays + ' arrays)'));
        head.appendChild(document.createTextNode(usedText(L, kd.shapes) + '; e.g. ' + kd.example + ' \u00b7 array ids ' + kd.ids));
        d.appendChild(head);
        var row = el('div', 'arrs');
        kd.shapes.forEach(function (s) { row.appendChild(figure(L, s, null, 96)); drawn++; });
        d.appendChild(row);
        box.appendChild(d);
      });
      if (L.omittedKinds > 0) box.appendChild(el('div', 'more', '+' + L.omittedKinds + ' more kinds of blocks (' + L.omittedArrays + ' arrays) not drawn'));
    }
    details.setAttribute('data-drawn', String(drawn));
  }
  Array.prototype.forEach.call(document.querySelectorAll('details.layer'), function (d) {
    d.addEventListener('toggle', function () {
      if (d.open && !d.hasAttribute('data-drawn')) draw(d);
    });
  });
  function openFromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var t = id ? document.getElementById(id) : null;
    if (t && t.tagName === 'DETAILS') { t.open = true; t.scrollIntoView(); }
  }
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  function setAll(open) {
    Array.prototype.forEach.call(document.querySelectorAll('details.layer'), function (d) { d.open = open; });
  }
  var ex = document.getElementById('expand-all');
  if (ex) ex.addEventListener('click', function () { setAll(true); });
  var co = document.getElementById('collapse-all');
  if (co) co.addEventListener('click', function () { setAll(false); });
})();
`;
