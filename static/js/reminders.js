// Keep the section counts right as htmx removes rows and "Show more" adds them (no reload).
// Loaded with defer by reminders/_styles.html (dashboard, /reminders/, /reconnect/).
// A count = the rows in the DOM + data-count-extra (rows before the window, not shown)
// + the "N left" of the section's "Show more" button (data-count-left: its box).
document.addEventListener("DOMContentLoaded", function () {
  var recount = function () {
    document.querySelectorAll("[data-count-of]").forEach(function (el) {
      var count = document.querySelectorAll(el.dataset.countOf).length + parseInt(el.dataset.countExtra || "0", 10);
      var more = el.dataset.countLeft && document.querySelector(el.dataset.countLeft + " [data-left]");
      if (more) count += parseInt(more.dataset.left || "0", 10);
      el.textContent = count;
    });
  };
  var observer = new MutationObserver(recount);
  document.querySelectorAll(".kw-list").forEach(function (list) { observer.observe(list, {childList: true}); });
  document.body.addEventListener("htmx:afterSettle", recount);
});

// A reminder row's snooze menu and "Done + log" form are cloned from the page's
// <template id="kw-row-tools"> (reminders/_row_tools.html) the first time either opens:
// a window of rows stays light. Capture phase: the parts are in place before Bootstrap's
// own click handler opens the dropdown or the collapse.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".kw-reminder [data-action=snooze], .kw-reminder [data-action=log]");
  if (!toggle) return;
  var row = toggle.closest(".kw-reminder");
  var tools = document.getElementById("kw-row-tools");
  if (!row || row.hasAttribute("data-tools") || !tools) return;
  row.setAttribute("data-tools", "");
  var id = row.id.replace("reminder-", "");
  var part = function (name) {
    return tools.content.querySelector("[data-part=" + name + "]").innerHTML
      .split("/reminders/0/").join("/reminders/" + id + "/")
      .split("snooze-date-0").join("snooze-date-" + id);
  };
  var menu = row.querySelector(".dropdown-menu");
  var log = row.querySelector("#log-" + id);
  if (menu) menu.innerHTML = part("snooze");
  if (log) log.innerHTML = part("log");
  row.insertAdjacentHTML("beforeend", part("date"));
  if (window.htmx) window.htmx.process(row);
}, true);
