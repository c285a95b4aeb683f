// A <select data-autosubmit> submits its form when it changes (the import preview's
// "Read as" format). No inline handlers: the pages run under a strict CSP. Without
// JavaScript the form's own button does the same.
(function () {
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.matches || !target.matches("select[data-autosubmit]") || !target.form) return;
    if (target.form.requestSubmit) target.form.requestSubmit();
    else target.form.submit();
  });
})();
