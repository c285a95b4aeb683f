// The compose page (templates/messaging/compose.html): Copy, and a mailto: link that
// follows the user's edits. No inline handlers: the pages run under a strict CSP.
// Without JavaScript the page still works: the link carries the message as first filled
// in, the text can be selected by hand, and "Sent — log it" is a plain form post.
(function () {
  "use strict";

  // RFC 6068: UTF-8 percent-encoding, line breaks as CRLF (%0D%0A), spaces as %20.
  function encode(text) {
    return encodeURIComponent(text.replace(/\r\n|\r|\n/g, "\r\n"));
  }

  function mailtoHref(address, subject, body) {
    // The address keeps its "@" only, as messaging.rules.mailto_url does on the server.
    var to = encodeURIComponent(address).replace(/%40/g, "@");
    return "mailto:" + to + "?subject=" + encode(subject) + "&body=" + encode(body);
  }

  function say(text) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = text;
  }

  // The fallback for browsers without the async clipboard (or an insecure context):
  // select the text so that the user (or execCommand) can copy it.
  function copyBySelecting(field) {
    field.focus();
    field.select();
    var copied = false;
    try {
      copied = document.execCommand && document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    say(copied ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.");
  }

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say("Copied."); },
        function () { copyBySelecting(field); }
      );
    } else {
      copyBySelecting(field);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".kw-js-hide").forEach(function (el) { el.hidden = true; });

    document.querySelectorAll("[data-action=copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        if (field) copy(field);
      });
    });

    // One click, one logged email: a second submit while the first is on its way is ignored.
    var form = document.getElementById("compose-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-sending")) {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sending", "");
      });
      // Back to this page from the browser's cache: it may be sent again, deliberately.
      window.addEventListener("pageshow", function () { form.removeAttribute("data-sending"); });
    }

    var link = document.getElementById("compose-mailto");
    var subject = document.getElementById("id_subject");
    var body = document.getElementById("id_body");
    if (link && subject && body) {
      var update = function () {
        link.setAttribute("href", mailtoHref(link.getAttribute("data-email") || "", subject.value, body.value));
      };
      subject.addEventListener("input", update);
      body.addEventListener("input", update);
    }
  });
})();
