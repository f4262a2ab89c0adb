// 站内搜索: changing the site reloads the column choices (they belong to the site); the
// other filters apply when the form is submitted. No inline scripts (CSP).
(function () {
  "use strict";
  var form = document.querySelector("[data-testid='search-form']");
  if (!form) return;
  var site = form.querySelector("select[name='site']");
  var column = form.querySelector("select[name='column']");
  if (site) {
    site.addEventListener("change", function () {
      if (column) column.value = "";
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }
  if (column) {
    column.addEventListener("change", function () {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }
})();
