// dangjian page helpers. No inline scripts (CSP): behaviour hangs off data attributes.
(function () {
  "use strict";

  // Widths from data-width, since inline style attributes are blocked by the CSP.
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width") + "%";
    });
  }

  // Confirm before destructive submits: <form data-confirm="确定要…？">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Guard against double clicks: disable the submit buttons once the form goes.
    if (!event.defaultPrevented && !form.hasAttribute("hx-post")) {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSettle", function (event) { applyWidths(event.target); });
})();
