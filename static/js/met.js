// "Met at an event" (contacts/met.html): "+ Add another person" clones the formset's
// empty form (<template id="met-empty-row">) with the next index and numbers it. The
// page works without this script: it has five blank rows, and the button stays hidden.
(function () {
  function ready() {
    var box = document.getElementById("met-people");
    var add = document.getElementById("met-add");
    if (!box || !add) return;
    var total = box.querySelector("input[name$=TOTAL_FORMS]");
    var max = parseInt(box.dataset.max, 10) || 30;
    function update() { add.disabled = parseInt(total.value, 10) >= max; }
    add.hidden = false;
    update();
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= max) return;
      var html = document.getElementById("met-empty-row").innerHTML.replace(/__prefix__/g, String(index));
      var rows = document.getElementById("met-rows");
      rows.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      var row = rows.lastElementChild;
      var num = row.querySelector("[data-met-num]");
      if (num) num.textContent = String(index + 1);
      var first = row.querySelector("input");
      if (first) first.focus();
      update();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
