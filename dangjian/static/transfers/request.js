// The transfer request form: show the destination field that matches "平台内 / 平台外".
(function () {
  "use strict";
  var form = document.querySelector("form[data-transfer-form]");
  if (!form) { return; }
  var inside = form.querySelector("[data-field=destination]");
  var outside = form.querySelector("[data-field=destination_name]");
  if (!inside || !outside) { return; }
  function sync() {
    var checked = form.querySelector("input[name=within]:checked");
    var value = checked ? checked.value : "";
    inside.hidden = value !== "inside";
    outside.hidden = value !== "outside";
  }
  form.addEventListener("change", sync);
  sync();
})();
