// Starling console: draws the charts from the tables and data attributes
// the server rendered, and puts the cursor at a query's error. Every page
// works without it.
(function () {
  "use strict";

  function barChart(canvas) {
    var table = canvas.parentElement.querySelector("table");
    if (!table) return;
    var labels = [], values = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      labels.push(tr.querySelector("th").textContent.trim());
      values.push(Number(tr.querySelector("td").dataset.value));
    });
    if (!labels.length) { canvas.hidden = true; return; }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "Resources", data: values, backgroundColor: "#0b5cad" }] },
      options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } }, maintainAspectRatio: false }
    });
  }

  function doughnut(canvas) {
    var values = JSON.parse(canvas.dataset.values), labels = JSON.parse(canvas.dataset.labels);
    if (values.every(function (v) { return v === 0; })) { canvas.hidden = true; return; }
    new window.Chart(canvas, {
      type: "doughnut",
      data: { labels: labels, datasets: [{ data: values, backgroundColor: ["#1a7f37", "#b3261e"] }] },
      options: { animation: false }
    });
  }

  function charts() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (c) {
      try {
        if (c.dataset.chart === "bar") barChart(c); else doughnut(c);
        c.dataset.drawn = "true";
      } catch (e) { c.hidden = true; }
    });
  }

  // The query editor: Ctrl+Enter (Cmd+Enter) runs the query, and an
  // error's line and column select the character it is at.
  function editor() {
    var q = document.getElementById("q");
    if (!q) return;
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); q.form.requestSubmit(); }
    });
    var line = Number(q.dataset.line), col = Number(q.dataset.column);
    if (!line) return;
    var lines = q.value.split("\n"), at = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    at += col - 1;
    q.focus();
    q.setSelectionRange(at, Math.min(at + 1, q.value.length));
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); editor(); });
})();
