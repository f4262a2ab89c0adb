// The recipients table of a sent document: how many units are ticked for "催办所选".
// The table refreshes itself every 15 s (htmx); ticked boxes are kept with hx-preserve.
(function () {
  "use strict";

  function refresh() {
    var picked = document.querySelectorAll(".dj-pick:checked").length;
    document.querySelectorAll(".dj-chase-picked").forEach(function (node) {
      node.textContent = String(picked);
    });
    document.querySelectorAll(".dj-chase-selected").forEach(function (button) {
      button.disabled = picked === 0;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("dj-pick")) {
      refresh();
    }
  });
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("show.bs.modal", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
