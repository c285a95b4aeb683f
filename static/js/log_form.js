// The contact page's "Log an interaction" form (contacts/_log_form.html), which htmx
// swaps into #log-form: its Cancel button, on a first meeting the follow-up
// suggestion (date + 2 days) that follows the date until the user edits it, and
// "What can you offer in return?" (fieldset[data-offers-for]) shown only while
// "I asked a favour" is chosen. Without this script that fieldset is always shown.
(function () {
  document.addEventListener("click", function (e) {
    if (!e.target.closest("[data-log-cancel]")) return;
    var box = document.getElementById("log-form");
    if (box) box.innerHTML = "";
  });

  // Show the offers fieldset only for its exchange ("asked"); what was typed stays
  // (the server ignores offers on any other exchange).
  function offersFor(form) {
    var box = form && form.querySelector("fieldset[data-offers-for]");
    if (!box) return;
    var chosen = form.querySelector("input[name$='exchange']:checked");
    box.hidden = !chosen || chosen.value !== box.dataset.offersFor;
  }
  function offersIn(root) {
    var forms = root.matches && root.matches("form") ? [root] : root.querySelectorAll("form");
    forms.forEach(offersFor);
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.name && /exchange$/.test(e.target.name)) offersFor(e.target.closest("form"));
  });

  // As the form appears (page load or htmx swap): the offers fieldset's state, and
  // the suggested follow-up remembered.
  function remember(root) {
    offersIn(root);
    var forms = root.matches && root.matches("form[data-follow-suggest]") ? [root] : root.querySelectorAll("form[data-follow-suggest]");
    forms.forEach(function (form) {
      var follow = form.querySelector("#id_log-follow_up_on");
      if (follow && form.dataset.suggested === undefined) form.dataset.suggested = follow.value;
    });
  }
  if (window.htmx) window.htmx.onLoad(remember);
  else document.addEventListener("DOMContentLoaded", function () { remember(document); });

  document.addEventListener("change", function (e) {
    var date = e.target;
    if (!date || date.id !== "id_log-occurred_on") return;
    var form = date.closest("form[data-follow-suggest]");
    var follow = form && form.querySelector("#id_log-follow_up_on");
    if (!follow) return;
    if (form.dataset.suggested === undefined) form.dataset.suggested = follow.value;
    if (follow.value !== form.dataset.suggested || !date.value) return;
    var d = new Date(date.value + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + 2);
    form.dataset.suggested = follow.value = d.toISOString().slice(0, 10);
  });
})();
