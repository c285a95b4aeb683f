// The settings page: copy the calendar address, confirm before regenerating it, and
// suggest the browser's time zone while the profile still has the default.
(function () {
  // <form data-confirm="Question?">: ask before submitting (was an inline onsubmit).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });

  var button = document.getElementById("copy-calendar-url");
  if (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById("calendar-url");
      field.select();
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); }); }
      else { document.execCommand("copy"); done(); }
    });
  }

  var field = document.getElementById("id_timezone");
  if (!field || field.value !== "UTC") return;
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && tz !== "UTC") {
      var hint = document.createElement("div");
      hint.className = "form-text";
      hint.appendChild(document.createTextNode("Your browser says "));
      var link = document.createElement("a");
      link.href = "#";
      link.id = "use-browser-tz";
      link.textContent = tz;
      hint.appendChild(link);
      hint.appendChild(document.createTextNode("."));
      field.parentNode.appendChild(hint);
      link.addEventListener("click", function (e) { e.preventDefault(); field.value = tz; });
    }
  } catch (e) {}
})();
