// 自查 pages: the live result of an occurrences input, and uploading as soon as a file is chosen.
(function () {
  "use strict";

  function num(value) {
    var n = parseFloat(value);
    return isNaN(n) ? null : n;
  }

  function show(n) {
    var text = (Math.round(n * 100) / 100).toString();
    return text === "-0" ? "0" : text;
  }

  function update(input) {
    var out = document.getElementById(input.getAttribute("data-out"));
    if (!out) { return; }
    var count = num(input.value);
    if (count === null || count < 0) { out.textContent = "—"; return; }
    var unit = num(input.getAttribute("data-unit")) || 0;
    var value;
    if (input.getAttribute("data-rule") === "deduction") {
      value = (num(input.getAttribute("data-max")) || 0) - count * unit;
      if (input.getAttribute("data-floor") === "1" && value < 0) { value = 0; }
    } else {
      value = Math.min(count * unit, num(input.getAttribute("data-cap")) || 0);
    }
    out.textContent = show(value);
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("dj-occ")) { update(event.target); }
  });

  // After a leaf card comes back from the server, recount its section's finished leaves.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".dj-section").forEach(function (section) {
      var badge = section.querySelector(".dj-section-count");
      if (!badge) { return; }
      var total = parseInt(badge.getAttribute("data-total"), 10) || 0;
      var done = section.querySelectorAll(".dj-leaf-done").length;
      badge.textContent = done + "/" + total;
      badge.classList.toggle("text-bg-success", done === total);
      badge.classList.toggle("text-bg-light", done !== total);
      badge.classList.toggle("border", done !== total);
    });
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("dj-file") && input.files && input.files.length) {
      var form = input.form;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });
})();
