// 发文: the drafting form (body in Quill 2 from static/vendor/quill; distribution rows added and
// removed in the page; the 请示 picker shown only for a 批复). Confirm dialogs of
// `form[data-confirm]` come from core/app.js. The server sanitises the body (core.richtext), so the editor offers only what the
// sanitiser keeps. No inline script or style (CSP); everything hangs off data attributes.
(function () {
  "use strict";

  // ------------------------------------------------------------ the body editor

  var TOOLBAR = [
    [{ header: [2, 3, false] }],
    ["bold", "underline"],
    [{ list: "ordered" }, { list: "bullet" }],
    ["clean"]
  ];
  var LABELS = {
    bold: "加粗", underline: "下划线", clean: "清除格式", ordered: "编号列表", bullet: "项目符号"
  };

  document.querySelectorAll("[data-doc-editor]").forEach(function (container) {
    var field = document.getElementById(container.dataset.target);
    if (!window.Quill || !field) { return; }
    var fallback = container.parentElement.querySelector("[data-editor-fallback]");
    container.hidden = false;
    if (fallback) { fallback.hidden = true; }
    var stored = field.value || "";
    // A body typed in the plain box (no tags) becomes paragraphs, as the server would do.
    if (stored && stored.indexOf("<") === -1) {
      stored = stored.split(/\n+/).map(function (line) {
        var p = document.createElement("p");
        p.textContent = line;
        return p.outerHTML;
      }).join("");
    }
    container.innerHTML = stored;  // the stored body, already sanitised
    var quill = new window.Quill(container, {
      theme: "snow",
      modules: { toolbar: TOOLBAR },
      formats: ["header", "bold", "underline", "list"],
      placeholder: "主送机关：\n正文……（可从 Word 复制粘贴）"
    });
    var toolbar = container.previousElementSibling;
    if (toolbar) {
      toolbar.querySelectorAll("button").forEach(function (button) {
        var name = (button.className.match(/ql-(\w+)/) || [])[1];
        var text = LABELS[button.value] || LABELS[name];
        if (text) { button.setAttribute("title", text); button.setAttribute("aria-label", text); }
      });
    }
    quill.root.setAttribute("aria-label", "正文");
    quill.root.setAttribute("data-testid", "body-input");
    function sync() {
      field.value = quill.getText().trim() ? quill.getSemanticHTML().replace(/&nbsp;/g, " ") : "";
    }
    quill.on("text-change", sync);
    if (field.form) { field.form.addEventListener("submit", sync); }
  });

  // ------------------------------------------------------------ the 请示 picker of a 批复

  var form = document.getElementById("document-form");
  if (form) {
    var docType = form.querySelector("select[name=doc_type]");
    var showFor = form.querySelectorAll("[data-show-for]");
    var toggle = function () {
      showFor.forEach(function (node) {
        node.hidden = !docType || node.dataset.showFor !== docType.value;
      });
    };
    if (docType) { docType.addEventListener("change", toggle); }
    toggle();

    // Only the chosen issuer's 机关代字 (the service refuses any other).
    var issuer = form.querySelector("select[name=issuer]");
    var prefix = form.querySelector("select[name=prefix]");
    var narrow = function () {
      if (!issuer || !prefix) { return; }
      var first = null;
      Array.prototype.forEach.call(prefix.options, function (option) {
        var mine = !option.dataset.issuer || option.dataset.issuer === issuer.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (mine && option.value && !first) { first = option; }
      });
      var chosen = prefix.options[prefix.selectedIndex];
      if ((!chosen || chosen.disabled) && first) { prefix.value = first.value; }
    };
    if (issuer) { issuer.addEventListener("change", narrow); }
    narrow();
  }

  // ------------------------------------------------------------ distribution rows

  var rows = document.querySelector("[data-address-rows]");
  var template = document.getElementById("address-template");
  var adder = document.querySelector("[data-add-address]");
  var total = document.querySelector("input[name=addresses-TOTAL_FORMS]");

  function markRole(row) {
    var role = row.querySelector("[data-address-role]");
    if (!role) { return; }
    var paint = function () {
      row.classList.toggle("dj-role-main", role.value === "main");
      row.classList.toggle("dj-role-copy", role.value !== "main");
    };
    role.addEventListener("change", paint);
    paint();
  }

  function wireDelete(row) {
    var box = row.querySelector("[data-delete]");
    if (!box) { return; }
    box.addEventListener("change", function () {
      row.classList.toggle("opacity-50", box.checked);
    });
  }

  if (rows && template && adder && total) {
    adder.hidden = false;
    rows.querySelectorAll("[data-address-row]").forEach(function (row) { markRole(row); wireDelete(row); });
    adder.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      if (window.htmx) { window.htmx.process(row); }
      markRole(row);
      wireDelete(row);
      var first = row.querySelector("input[type=search]");
      if (first) { first.focus(); }
    });
  }
})();
