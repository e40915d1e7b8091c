// Palimpsest report: sorting and filtering the index, showing unchanged sections, opening linked changes.
// Plain JavaScript, no libraries; the page reads fine without it.
(function () {
  "use strict";

  var table = document.getElementById("sites");
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    return numeric ? parseFloat(raw) || 0 : raw.toLowerCase();
  }

  function siteSection(row) {
    return document.querySelector('section.site[data-site="' + CSS.escape(row.getAttribute("data-site")) + '"]');
  }

  function sortBy(header) {
    var index = header.cellIndex;
    var numeric = header.getAttribute("data-sort") === "num";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    // The site sections below follow the index's order.
    var after = document.getElementById("index");
    rows.forEach(function (row) {
      var section = siteSection(row);
      if (section) { after.parentNode.insertBefore(section, after.nextSibling); after = section; }
    });
  }

  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var total = 0, visible = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = row.getAttribute("data-filter").toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      total += 1;
      visible += match ? 1 : 0;
      row.hidden = !match;
      var section = siteSection(row);
      if (section) { section.hidden = !match; }
    });
    shown.textContent = visible === total ? total + (total === 1 ? " site" : " sites")
                                          : visible + " of " + total + " sites";
  }

  function openTarget() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) { return; }
    var details = target.querySelectorAll("details.diff, details.text");
    if (target.matches("article.change") && details.length) { details[0].open = true; }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
  }

  if (table) {
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (header) {
      header.tabIndex = 0;
      header.addEventListener("click", function () { sortBy(header); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(header); }
      });
    });
  }
  if (filter) { filter.addEventListener("input", applyFilter); }

  Array.prototype.forEach.call(document.querySelectorAll("input.show-unchanged"), function (box) {
    box.addEventListener("change", function () {
      box.closest("details").classList.toggle("all-sections", box.checked);
    });
  });

  var expand = document.getElementById("expand-all");
  if (expand) {
    expand.addEventListener("click", function () {
      var diffs = document.querySelectorAll("details.diff");
      var open = expand.getAttribute("aria-pressed") !== "true";
      Array.prototype.forEach.call(diffs, function (d) { d.open = open; });
      expand.setAttribute("aria-pressed", open ? "true" : "false");
      expand.textContent = open ? "Collapse every change" : "Expand every change";
    });
  }

  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
