// The contact form's "+ Add another" (emails, phones): clone the formset's empty form
// with the next index.
document.addEventListener("click", function (e) {
  var add = e.target.closest(".handle-add");
  if (!add) return;
  var box = add.closest(".handles");
  var total = box.querySelector("input[name$=TOTAL_FORMS]");
  var html = box.querySelector("template").innerHTML.replace(/__prefix__/g, total.value);
  box.querySelector(".handle-rows").insertAdjacentHTML("beforeend", html);
  total.value = parseInt(total.value, 10) + 1;
  // The new row's value box (emails are text inputs with inputmode=email: UTF-8 addresses).
  box.querySelector(".handle-rows .handle-row:last-child .input-group > input").focus();
});
