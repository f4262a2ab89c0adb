// The rich-text editor of the meeting minutes (Quill 2, from static/vendor/quill). The editor
// writes its HTML into the hidden form field on every change; the server sanitises it (nh3),
// so the editor only offers what the sanitiser keeps. No inline script or style (CSP).
(function () {
  "use strict";
  if (!window.Quill) { return; }
  var TOOLBAR = [
    [{ header: [2, 3, 4, false] }],
    ["bold", "italic", "underline", "strike"],
    [{ list: "ordered" }, { list: "bullet" }, "blockquote"],
    ["link", "clean"]
  ];
  var LABELS = {
    bold: "加粗", italic: "斜体", underline: "下划线", strike: "删除线", blockquote: "引用",
    link: "链接", clean: "清除格式", ordered: "编号列表", bullet: "项目符号"
  };

  function label(toolbar) {
    toolbar.querySelectorAll("button").forEach(function (button) {
      var name = (button.className.match(/ql-(\w+)/) || [])[1];
      var text = LABELS[button.value] || LABELS[name];
      if (text) { button.setAttribute("title", text); button.setAttribute("aria-label", text); }
    });
  }

  document.querySelectorAll("[data-minutes-editor]").forEach(function (container) {
    var field = document.getElementById(container.dataset.target);
    if (!field) { return; }
    container.innerHTML = field.value || "";  // the stored minutes, already sanitised
    var quill = new window.Quill(container, {
      theme: "snow",
      modules: { toolbar: TOOLBAR },
      placeholder: "记录会议的主要内容、发言和讨论情况……"
    });
    var toolbar = container.previousElementSibling;
    if (toolbar) { label(toolbar); }
    quill.root.setAttribute("aria-label", "会议记录");
    quill.root.setAttribute("data-testid", "minutes-input");
    function sync() {
      field.value = quill.getText().trim() ? quill.getSemanticHTML() : "";
    }
    quill.on("text-change", sync);
    var form = field.form;
    if (form) { form.addEventListener("submit", sync); }
  });
})();
