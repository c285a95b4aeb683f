// The contact list's bulk bar: count the ticked rows, show the argument the chosen
// action needs, enable Apply, and "select all on this page".
(function () {
  var form = document.getElementById("bulk-form");
  var action = document.getElementById("bulk-action");
  if (!form || !action) return;
  function boxes() { return form.querySelectorAll("input[name=ids]"); }
  function refresh() {
    var n = form.querySelectorAll("input[name=ids]:checked").length;
    document.getElementById("bulk-count").textContent = n + " selected";
    document.getElementById("bulk-apply").disabled = !(n && action.value);
    form.querySelectorAll(".bulk-arg").forEach(function (el) {
      el.classList.toggle("d-none", el.dataset.for.split(" ").indexOf(action.value) < 0);
    });
    var all = document.getElementById("select-all");
    if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
  }
  form.addEventListener("change", function (e) {
    if (e.target.id === "select-all") boxes().forEach(function (b) { b.checked = e.target.checked; });
    refresh();
  });
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
})();
