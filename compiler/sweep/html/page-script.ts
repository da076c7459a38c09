/**
 * The sweep page's script (inlined): sorts the points table when a header is clicked (the plan
 * report's pattern: data-v sort values, numeric columns marked data-type="num", empty values last,
 * ties in grid order) and copies a point's command. It reads only the DOM; it inserts no markup.
 */
export const sweepScript = String.raw`
(function () {
  'use strict';
  function cellValue(row, i, numeric) {
    var c = row.cells[i];
    var v = c.getAttribute('data-v');
    if (v === null) v = c.textContent;
    if (!numeric) return v.toLowerCase();
    if (v === '') return null;
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
    var rows = Array.prototype.slice.call(body.rows).map(function (r) { return { r: r, idx: Number(r.getAttribute('data-order')), v: cellValue(r, i, numeric) }; });
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
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r, idx) { r.setAttribute('data-order', String(idx)); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortTable(table, i); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(table, i); } });
    });
  });

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function done(button, text) {
    button.textContent = text;
    setTimeout(function () { button.textContent = 'copy'; }, 1500);
  }
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (button) {
    button.addEventListener('click', function () {
      var code = button.parentNode.querySelector('code');
      var text = code.textContent;
      selectText(code);
      var fallback = function () {
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        done(button, ok ? 'copied' : 'selected');
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(button, 'copied'); }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
`;
