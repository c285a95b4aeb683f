// Keep the section counts right as htmx removes rows (no reload). Loaded with defer by
// reminders/_styles.html (dashboard, /reminders/, /reconnect/).
document.addEventListener("DOMContentLoaded", function () {
  var recount = function () {
    document.querySelectorAll("[data-count-of]").forEach(function (el) {
      // Rows beyond the page's cap are not in the DOM: data-count-extra counts them.
      el.textContent = document.querySelectorAll(el.dataset.countOf).length + parseInt(el.dataset.countExtra || "0", 10);
    });
  };
  var observer = new MutationObserver(recount);
  document.querySelectorAll(".kw-list").forEach(function (list) { observer.observe(list, {childList: true}); });
});
