// The attendance register: the leave reason shows when 请假 is chosen (and is focused), and one
// button marks everyone not yet marked as present.
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) { return; }

  function showReason(row, focus) {
    var checked = row.querySelector("input[data-mark]:checked");
    var reason = row.querySelector("[data-reason]");
    if (!reason) { return; }
    reason.hidden = !checked || checked.value !== "leave";
    if (!reason.hidden && focus) { reason.querySelector("input").focus(); }
  }

  form.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-mark")) {
      showReason(event.target.closest("[data-mark-row]"), true);
    }
  });

  form.addEventListener("click", function (event) {
    var all = event.target.closest("[data-mark-all]");
    if (!all) { return; }
    form.querySelectorAll("[data-mark-row]").forEach(function (row) {
      if (!row.querySelector("input[data-mark]:checked")) {
        var choice = row.querySelector("input[data-mark=" + all.dataset.markAll + "]");
        if (choice) { choice.checked = true; }
      }
      showReason(row, false);
    });
  });
})();
