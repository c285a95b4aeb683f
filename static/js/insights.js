// The insights charts (templates/insights/page.html): fetches /insights/data.json and
// draws each chart with the vendored Chart.js. The numbers are already on the page in
// tables, so when this script or the fetch fails, nothing is lost but the pictures.
// Chart.js 4.6.1, the UMD build from npm (chart.js@4.6.1, dist/chart.umd.min.js, MIT:
// static/vendor/chartjs/LICENSE.md; listed in static/vendor/VERSIONS), vendored because
// the app must work offline and the CSP allows scripts from 'self' only. Chart.js 4 sets
// sizes through the CSSOM (element.style), which the CSP's style-src does not block;
// it injects no <style> element.
(function () {
  "use strict";
  var root = document.getElementById("insights");
  if (!root || typeof Chart === "undefined") return;

  var BRAND = "#b4532a";
  var DARK = "#3b2f2a";
  var PALETTE = ["#b4532a", "#3b2f2a", "#f2b042", "#7aa6d8", "#9cc9b8", "#e0573f", "#8e6c8a", "#6c757d", "#c9a27e", "#4f7d6b", "#d98c6a"];
  var BAND_COLOURS = { hot: "#e0573f", warm: "#f2b042", cool: "#9cc9b8", cold: "#7aa6d8" };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#495057";
  Chart.defaults.animation = false;

  function show(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    canvas.parentElement.classList.remove("d-none");
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    return new Chart(canvas, config);
  }

  function pluck(rows, key) {
    return rows.map(function (row) { return row[key]; });
  }

  function doughnut(id, rows) {
    if (!rows.some(function (r) { return r.count; })) return;
    show(id, {
      type: "doughnut",
      data: { labels: pluck(rows, "label"), datasets: [{ data: pluck(rows, "count"), backgroundColor: PALETTE, borderWidth: 1 }] },
      options: { plugins: { legend: { position: "right", labels: { boxWidth: 12 } } } },
    });
  }

  function bars(id, rows, options) {
    options = options || {};
    if (!rows.some(function (r) { return r.count; })) return;
    show(id, {
      type: "bar",
      data: {
        labels: pluck(rows, options.labelKey || "label"),
        datasets: [{ label: options.label || "Contacts", data: pluck(rows, "count"), backgroundColor: options.colours || BRAND }],
      },
      options: {
        indexAxis: options.horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { precision: 0, autoSkip: !options.horizontal } }, y: { ticks: { precision: 0, autoSkip: false } } },
      },
    });
  }

  function draw(data) {
    doughnut("chart-strength", data.ties.strength);
    doughnut("chart-network", data.ties.network);
    bars("chart-relationship", data.ties.relationship.filter(function (r) { return r.count; }), { horizontal: true });
    ["industry", "company"].forEach(function (field) {
      var d = data.diversity[field];
      bars("chart-" + field, d.top, { horizontal: true, colours: d.top.map(function (r) { return r.others ? "#ced4da" : BRAND; }) });
    });
    var weeks = data.activity.weeks;
    if (weeks.some(function (w) { return w.count; })) {
      show("chart-weeks", {
        type: "bar",
        data: { labels: pluck(weeks, "week"), datasets: [{ label: "Interactions", data: pluck(weeks, "count"), backgroundColor: DARK }] },
        options: {
          plugins: { legend: { display: false } },
          scales: { x: { ticks: { maxTicksLimit: 13, maxRotation: 0 } }, y: { ticks: { precision: 0 } } },
        },
      });
    }
    bars("chart-months", data.activity.months, { label: "New contacts" });
    var bands = data.activity.strong_ties.bands;
    bars("chart-strong", bands, { label: "Strong ties", colours: bands.map(function (b) { return BAND_COLOURS[b.band]; }) });
    var r = data.reciprocity;
    bars("chart-reciprocity", [
      { label: "Gave", count: r.gave },
      { label: "Asked", count: r.asked },
      { label: "Mutual", count: r.mutual },
    ], { label: "Exchanges", horizontal: true, colours: ["#4f7d6b", BRAND, "#f2b042"] });
    var layers = data.circles.layers;
    show("chart-circles", {
      type: "bar",
      data: {
        labels: pluck(layers, "label"),
        datasets: [
          { label: "You", data: pluck(layers, "count"), backgroundColor: layers.map(function (l) { return l.overflow ? BRAND : "#9cc9b8"; }) },
          { label: "About (Dunbar)", data: pluck(layers, "dunbar"), backgroundColor: "#dee2e6" },
        ],
      },
      options: { plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }, scales: { y: { ticks: { precision: 0 } } } },
    });
    root.setAttribute("data-drawn", "true");
  }

  fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("insights data: HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      root.setAttribute("data-drawn", "failed");
      if (window.console) console.warn(error);
    });
})();
