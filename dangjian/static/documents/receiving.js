// 登记纸质来文: a 密级 above 内部 allows no scan — the file box is emptied and disabled, and a
// note says why (the server refuses any file anyway).
(function () {
  "use strict";

  function update(select) {
    var refused = (select.getAttribute("data-paper-classification") || "").split(",");
    var secret = refused.indexOf(select.value) !== -1;
    var files = document.querySelector("[data-paper-files]");
    var note = document.querySelector("[data-paper-secret-note]");
    if (files) {
      if (secret) { files.value = ""; }
      files.disabled = secret;
    }
    if (note) { note.classList.toggle("d-none", !secret); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("[data-paper-classification]");
    if (!select) { return; }
    select.addEventListener("change", function () { update(select); });
    update(select);
  });
})();

// The inbox's "含下级组织" switch applies at once.
document.addEventListener("change", function (event) {
  "use strict";
  var box = event.target;
  if (box && box.hasAttribute && box.hasAttribute("data-submit-on-change") && box.form) {
    box.form.submit();
  }
});
