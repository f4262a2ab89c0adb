// Portal back-end (站点与栏目): small comforts on the column and block forms. Every page works
// without this file; the server enforces the same rules.
(function () {
  "use strict";

  // Column form: a 党务公开-type column must be reviewed with the 保密审查 — tick and lock both.
  function columnForm(form) {
    var kind = form.querySelector("[data-column-kind]");
    var forced = form.querySelectorAll("[data-disclosure-forced]");
    var disclosure = form.getAttribute("data-disclosure-kind");
    if (!kind || !forced.length) return;
    function sync() {
      var on = kind.value === disclosure;
      forced.forEach(function (box) {
        if (on) {
          box.checked = true;
        }
        box.disabled = on;
      });
    }
    kind.addEventListener("change", sync);
    // Locked boxes are not posted; the server forces them on for that kind anyway.
    form.addEventListener("submit", function () {
      forced.forEach(function (box) { box.disabled = false; });
    });
    sync();
  }

  // Block form: show the column picker and the links editor only for the kinds that use them.
  var COLUMN_KINDS = ["carousel", "notices", "column", "downloads"];
  var SIZE_KINDS = ["carousel", "notices", "column", "downloads", "todo"];

  function blockForm(form) {
    var kind = form.querySelector("[data-block-kind]");
    var columnPart = form.querySelector('[data-block-part="column"]');
    var linksPart = form.querySelector('[data-block-part="links"]');
    var size = form.querySelector('[name="size"]');
    var linksKind = form.getAttribute("data-links-kind");
    if (!kind) return;
    function sync() {
      if (columnPart) columnPart.hidden = COLUMN_KINDS.indexOf(kind.value) < 0;
      if (linksPart) linksPart.hidden = kind.value !== linksKind;
      if (size) {
        var wrapper = size.closest("[class*='col-']");
        if (wrapper) wrapper.hidden = SIZE_KINDS.indexOf(kind.value) < 0;
      }
    }
    kind.addEventListener("change", sync);
    sync();

    var rows = form.querySelector("[data-link-rows]");
    var add = form.querySelector("[data-link-add]");
    if (rows && add) {
      add.classList.remove("d-none");
      add.addEventListener("click", function () {
        var all = rows.querySelectorAll("[data-link-row]");
        if (!all.length) return;
        var copy = all[all.length - 1].cloneNode(true);
        var number = all.length + 1;
        copy.querySelectorAll("input").forEach(function (input) {
          input.value = "";
          input.classList.remove("is-invalid");
          var base = input.name === "link_name" ? "link-name-" : "link-url-";
          input.id = base + number;
        });
        copy.querySelectorAll("label").forEach(function (label) {
          var isName = label.getAttribute("for").indexOf("link-name-") === 0;
          label.setAttribute("for", (isName ? "link-name-" : "link-url-") + number);
          label.textContent = "第 " + number + " 行" + (isName ? "名称" : "网址");
        });
        rows.appendChild(copy);
        copy.querySelector("input").focus();
      });
    }
  }

  document.querySelectorAll('[data-testid="column-form"]').forEach(columnForm);
  document.querySelectorAll('[data-testid="block-form"]').forEach(blockForm);
})();
