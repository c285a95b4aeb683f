// Undo after Done, Snooze or Dismiss: the server answers those htmx actions with a
// `kw-undo` event ({message, url}); this shows a toast with an Undo button for a few
// seconds. Undo POSTs the reopen URL (CSRF token from the body's hx-headers) and reloads.
(function () {
  var SECONDS = 8;
  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function box() {
    var found = document.getElementById("kw-toasts");
    if (!found) {
      found = document.createElement("div");
      found.id = "kw-toasts";
      found.className = "toast-container position-fixed bottom-0 end-0 p-3";
      found.setAttribute("aria-live", "polite");
      document.body.appendChild(found);
    }
    return found;
  }
  document.body.addEventListener("kw-undo", function (event) {
    var detail = event.detail || {};
    if (!detail.url) return;
    var toast = document.createElement("div");
    toast.className = "toast show align-items-center text-bg-dark border-0 kw-toast";
    toast.setAttribute("role", "status");
    var row = document.createElement("div");
    row.className = "d-flex align-items-center";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = detail.message || "Done.";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "btn btn-sm btn-light me-2 kw-undo";
    undo.textContent = "Undo";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2";
    close.setAttribute("aria-label", "Close");
    row.appendChild(body); row.appendChild(undo); row.appendChild(close);
    toast.appendChild(row);
    box().appendChild(toast);
    var timer = setTimeout(function () { toast.remove(); }, SECONDS * 1000);
    close.addEventListener("click", function () { clearTimeout(timer); toast.remove(); });
    undo.addEventListener("click", function () {
      undo.disabled = true;
      fetch(detail.url, {method: "POST", headers: {"X-CSRFToken": token(), "HX-Request": "true"}, credentials: "same-origin"})
        .then(function (response) {
          if (response.ok) { window.location.reload(); }
          else { body.textContent = "Could not undo. Reload the page and try again."; }
        });
    });
  });
})();
