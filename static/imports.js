// Imports page: while an import is running or queued, polls its status and shows the
// progress; reloads the page when the run ends so the history is current. The page works
// without this script (it has a refresh link).
(function () {
  "use strict";
  var root = document.getElementById("imports");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var wasActive = null;

  function show(run) {
    var text = document.getElementById("progress-text");
    var bar = document.getElementById("progress-bar");
    // The server formats the texts in the reader's language; the history row of the same run
    // follows the progress line, so the two never disagree.
    if (text) { text.textContent = run.progress_text; }
    var row = document.querySelector('#runs tr[data-run="' + run.id + '"]');
    if (row) {
      ["pages_text", "orders_text", "refunds_text"].forEach(function (field) {
        var cell = row.querySelector('[data-field="' + field + '"]');
        if (cell) { cell.textContent = run[field]; }
      });
    }
    if (bar) { bar.value = run.percent; bar.textContent = run.percent_text; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        var active = Boolean(s.running) || s.queued;
        if (s.running) { show(s.running); }
        if (wasActive === null) { wasActive = active; }
        if (active !== wasActive || (s.running && !document.getElementById("progress-bar"))) {
          window.location.replace(window.location.pathname);
          return;
        }
        if (active) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
