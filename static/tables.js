// Tables wider than their box scroll sideways inside it. Above each one that does, a line
// says so ("Scroll sideways for more →", in the reader's language, from this script tag's
// data-hint); it is kept in step as the window turns or a folded data table opens. The page
// reads the same without this script: the table's edge shadow (reports.css) remains.
(function () {
  "use strict";
  var script = document.currentScript;
  var text = script ? script.getAttribute("data-hint") : "";
  if (!text) { return; }

  function overflows(el) { return el.scrollWidth > el.clientWidth + 1; }

  function mark() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      // A wrapped table scrolls in its wrapper, a bare one (display:block on a phone) in itself.
      var box = table.closest(".table-scroll") || table;
      var over = overflows(box) || overflows(table);
      var hint = box.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        if (!over) { continue; }
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = text;
        box.parentNode.insertBefore(hint, box);
      }
      hint.hidden = !over;
      box.classList.toggle("overflowing", over);
    }
  }

  mark();
  window.addEventListener("resize", mark);
  document.addEventListener("toggle", mark, true);
}());
