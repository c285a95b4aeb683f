// The import job's progress bar: its width comes from data-width (a style="" attribute
// would be blocked by the CSP). Runs on page load and on every htmx poll swap.
(function () {
  function size(root) {
    var bars = root.matches && root.matches("[data-width]") ? [root] : root.querySelectorAll("[data-width]");
    bars.forEach(function (bar) { bar.style.width = bar.dataset.width + "%"; });
  }
  if (window.htmx) window.htmx.onLoad(size);
  else document.addEventListener("DOMContentLoaded", function () { size(document); });
})();
