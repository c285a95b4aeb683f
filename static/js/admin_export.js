// django-import-export's admin export page (templates/admin/import_export/export.html),
// under the CSP: the "Select all" toggle's handler, which the original attaches inline,
// and the intro paragraph's padding, which it sets in a style="" attribute.
document.addEventListener("change", function (e) {
  if (e.target.matches && e.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
    window.onSelectToggleChange(e);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("p.kw-export-intro").forEach(function (p) { p.style.padding = "0"; });
});
