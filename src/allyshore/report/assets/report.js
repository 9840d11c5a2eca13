/* allyshore report: tooltips for chart and map marks, sortable tables. No dependencies. */
(function () {
  "use strict";
  var tip = document.getElementById("tooltip");
  function place(event) {
    var pad = 14, w = tip.offsetWidth, h = tip.offsetHeight;
    var x = event.clientX + pad, y = event.clientY + pad;
    if (x + w > window.innerWidth - 8) { x = event.clientX - w - pad; }
    if (y + h > window.innerHeight - 8) { y = event.clientY - h - pad; }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  document.addEventListener("mouseover", function (event) {
    var mark = event.target.closest ? event.target.closest("[data-tip]") : null;
    if (!mark || !tip) { return; }
    tip.textContent = "";
    mark.getAttribute("data-tip").split("\n").forEach(function (line, i) {
      var div = document.createElement("div");
      if (i === 0) { div.className = "tip-title"; }
      div.textContent = line;
      tip.appendChild(div);
    });
    tip.hidden = false;
    place(event);
    mark.classList.add("hover");
  });
  document.addEventListener("mousemove", function (event) {
    if (tip && !tip.hidden) { place(event); }
  });
  document.addEventListener("mouseout", function (event) {
    var mark = event.target.closest ? event.target.closest("[data-tip]") : null;
    if (!mark || !tip) { return; }
    tip.hidden = true;
    mark.classList.remove("hover");
  });

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(Number(raw))) { return Number(raw); }
    return (raw !== null ? raw : cell.textContent).trim().toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.setAttribute("tabindex", "0");
      th.setAttribute("aria-sort", "none");
      function sort() {
        var body = table.tBodies[0];
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) { return 0; }
          var less = typeof x === "number" && typeof y === "number" ? x < y : String(x) < String(y);
          return (less ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });
})();
