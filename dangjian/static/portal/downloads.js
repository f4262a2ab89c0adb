// Downloads library management: the "可见组织" list is shown only for 公开范围 = 指定组织.
(function () {
  "use strict";
  function sync(select) {
    var form = select.form;
    if (!form) return;
    var wrap = form.querySelector("[data-audience-wrap]");
    if (!wrap) return;
    var limited = select.value === "orgs";
    wrap.classList.toggle("d-none", !limited);
  }
  document.querySelectorAll("select[data-visibility]").forEach(function (select) {
    sync(select);
    select.addEventListener("change", function () { sync(select); });
  });
})();
