// 指标体系 pages: a leaf form shows only the fields its 评分方式 uses (CSP: no inline scripts).
(function () {
  "use strict";

  function update(form) {
    if (!form) { return; }
    var select = form.querySelector("[data-tpl-rule]");
    if (!select) { return; }
    var rule = select.value;
    form.querySelectorAll("[data-tpl-rules]").forEach(function (input) {
      var box = input.closest(".dj-tpl-field");
      if (box) {
        box.hidden = input.getAttribute("data-tpl-rules").split(" ").indexOf(rule) < 0;
      }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-tpl-rule]")) {
      update(event.target.closest("form"));
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tpl-rule]").forEach(function (select) {
      update(select.closest("form"));
    });
  });
})();
