//! What a phone must show of the dashboard and the reports, checked in the page at 390 px: the
//! dashboard opens with its KPI tiles, each with its change; no text is cut or pushed off the
//! screen (outside a box that scrolls sideways); store names wrap between words; the report's
//! summary keeps its change columns on the screen; and every table wider than its box carries
//! the "scroll sideways" line. Included with `#[path = "common/phone_checks.rs"] mod phone;`.
#![allow(dead_code)]

/// A script for `Browser::execute`: returns a list of problems, empty when the page is right.
pub const CHECKS: &str = r#"
var problems = [];
var W = window.innerWidth;
function name(el) {
  var cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' "' + (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
}
function shown(el) { return el.getClientRects().length > 0; }
// The nearest box that scrolls sideways and has more to show, if any.
function scroller(el) {
  for (var e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    var o = getComputedStyle(e).overflowX;
    if ((o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1) { return e; }
  }
  return null;
}
var main = document.querySelector('main');

// Nothing cut: no block's text wider than the block, nothing past the screen's edge, except
// inside a box that scrolls (which carries its own cue, checked below).
main.querySelectorAll('h1, h2, h3, p, dt, dd, th, td, li, .kpi, .store-label, .row-change').forEach(function (el) {
  if (!shown(el) || el.closest('.visually-hidden, .skip-link, table.phone-cards thead, svg') || scroller(el)) { return; }
  var r = el.getBoundingClientRect();
  if (r.left < -1 || r.right > W + 1) { problems.push('off the screen (' + Math.round(r.left) + '–' + Math.round(r.right) + ' px): ' + name(el)); }
  if (getComputedStyle(el).display !== 'inline' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
    problems.push('text cut (' + el.scrollWidth + ' in ' + el.clientWidth + ' px): ' + name(el));
  }
});

// Store names break between words only, and a short one takes at most two lines, in a box
// that scrolls too.
main.querySelectorAll('table.stores th .store-label, table.ranking th.store, table.comparison th[scope=row]').forEach(function (el) {
  if (!shown(el)) { return; }
  var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  var tops = {};
  for (var node = walker.nextNode(); node; node = walker.nextNode()) {
    var re = /\S+/g, m;
    while ((m = re.exec(node.data)) !== null) {
      var range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      var rects = range.getClientRects();
      if (rects.length > 1) { problems.push('"' + m[0] + '" broken across lines in ' + name(el)); }
      if (rects.length > 0) { tops[Math.round(rects[0].top)] = true; }
    }
  }
  var lines = Object.keys(tops).length;
  if (el.textContent.trim().length <= 30 && lines > 2) { problems.push(lines + ' lines: ' + name(el)); }
});

// The dashboard opens with the KPI tiles, each with its change against the comparable period.
if (document.querySelector('.periods')) {
  var kpis = document.getElementById('kpis');
  if (!kpis) { problems.push('no KPI tiles'); } else {
    var top = kpis.getBoundingClientRect().top;
    main.querySelectorAll('section, .periods, .strip, p.card').forEach(function (s) {
      if (s !== kpis && !kpis.contains(s) && s.getBoundingClientRect().top < top) { problems.push('before the tiles: ' + name(s)); }
    });
    var tiles = kpis.querySelectorAll('.kpi');
    if (tiles.length !== 5) { problems.push(tiles.length + ' KPI tiles, not 5'); }
    var whole = !kpis.querySelector('.notice-incomplete');
    tiles.forEach(function (t) {
      var change = t.querySelector('dd [class^="change-"]');
      if (whole && (!change || !change.textContent.trim())) { problems.push('a tile without its change: ' + name(t)); }
    });
  }
  // The stores' tables are cards on a phone: they never scroll sideways.
  main.querySelectorAll('table.stores, table.ranking').forEach(function (t) {
    if (shown(t) && (scroller(t.querySelector('tr')) || t.scrollWidth > t.clientWidth + 1)) { problems.push('a store table scrolls sideways: ' + name(t)); }
  });
  // Each store's card shows its change.
  main.querySelectorAll('.period:not(.partial):not(.pending) table.stores tbody tr').forEach(function (tr) {
    var change = tr.querySelector('.row-change');
    if (!change || !shown(change) || !change.textContent.trim()) { problems.push('a store card without its change: ' + name(tr)); }
  });
}

// The report's summary: both change columns are on the screen.
main.querySelectorAll('table.comparison tr').forEach(function (tr) {
  var cells = tr.querySelectorAll('td');
  [cells[2], cells[5]].forEach(function (td) {
    if (!td || !shown(td)) { return; }
    var r = td.getBoundingClientRect();
    if (r.left < 0 || r.right > W || scroller(td)) { problems.push('a change out of view: ' + name(tr)); }
  });
});

// Every table wider than its box says that it scrolls, and only such a table.
main.querySelectorAll('table').forEach(function (table) {
  if (!shown(table)) { return; }
  var box = table.closest('.table-scroll') || table;
  var over = box.scrollWidth > box.clientWidth + 1 || table.scrollWidth > table.clientWidth + 1;
  var hint = box.previousElementSibling;
  var cue = !!hint && hint.classList.contains('scroll-hint') && !hint.hidden && hint.offsetHeight > 0;
  if (over && !cue) { problems.push('wider than the screen without the cue: ' + name(table)); }
  if (!over && cue) { problems.push('the cue on a table that fits: ' + name(table)); }
});
return problems;
"#;
