// The article editor of the portal (Quill 2 from static/vendor/quill, with its table module).
// The editor writes its HTML into the hidden `body` field on every change and on submit; the
// server sanitises it (core.richtext.sanitize_article_html), so the editor only offers what the
// sanitiser keeps: headings, emphasis, sub/sup, lists, alignment and indent, quotes, links,
// tables (also pasted from Word), pictures and videos uploaded to the platform itself.
// No inline script or style (CSP); everything hangs off data attributes.
(function () {
  "use strict";

  var form = document.getElementById("article-form");
  if (!form) { return; }
  var csrf = (form.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

  // ------------------------------------------------------------ uploads

  function upload(url, site, file) {
    var data = new FormData();
    data.append("file", file);
    data.append("site", site);
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error || "上传失败（" + response.status + "），请重试。");
        }
        if (!answer.url) {  // e.g. the session ended and the login page answered
          throw new Error("上传失败：登录可能已过期，请在新窗口登录后重试。");
        }
        return answer;
      });
    });
  }

  function choose(accept, then) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = accept;
    input.hidden = true;
    input.setAttribute("data-testid", "editor-file-input");
    input.addEventListener("change", function () {
      if (input.files && input.files[0]) { then(input.files[0]); }
      input.remove();
    });
    document.body.appendChild(input);
    input.click();
  }

  // ------------------------------------------------------------ the rich-text editor

  var TOOLBAR = [
    [{ header: [2, 3, 4, false] }],
    ["bold", "italic", "underline", "strike", { script: "sub" }, { script: "super" }],
    [{ list: "ordered" }, { list: "bullet" }, { indent: "-1" }, { indent: "+1" }, { align: [] }],
    ["blockquote", "link", "image", "video"],
    ["table", "table-row", "table-column", "table-delete-row", "table-delete-column", "table-delete"],
    ["clean"]
  ];
  var FORMATS = [
    "header", "bold", "italic", "underline", "strike", "script", "list", "indent", "align",
    "blockquote", "link", "image", "video", "table", "table-row", "table-body", "table-container"
  ];
  var LABELS = {
    bold: "加粗", italic: "斜体", underline: "下划线", strike: "删除线", blockquote: "引用",
    link: "链接", clean: "清除格式", ordered: "编号列表", bullet: "项目符号", sub: "下标",
    "super": "上标", "-1": "减少缩进", "+1": "增加缩进", image: "插入图片（上传）",
    video: "插入视频（上传 MP4/WebM）", table: "插入表格", "table-row": "在下方插入一行",
    "table-column": "在右侧插入一列", "table-delete-row": "删除所在行",
    "table-delete-column": "删除所在列", "table-delete": "删除表格", align: "对齐"
  };
  var ICONS = {
    table: "bi-table", "table-row": "bi-plus-square", "table-column": "bi-layout-three-columns",
    "table-delete-row": "bi-dash-square", "table-delete-column": "bi-layout-sidebar-inset-reverse",
    "table-delete": "bi-x-square"
  };

  function registerVideo(Quill) {
    // A <video controls src="/portal/media/<key>/"> block (Quill's own video is an iframe).
    var BlockEmbed = Quill.import("blots/block/embed");
    class LocalVideo extends BlockEmbed {
      static create(value) {
        var node = super.create();
        node.setAttribute("src", value);
        node.setAttribute("controls", "controls");
        node.setAttribute("preload", "metadata");
        return node;
      }
      static value(node) { return node.getAttribute("src"); }
    }
    LocalVideo.blotName = "video";
    LocalVideo.tagName = "VIDEO";
    Quill.register(LocalVideo, true);
  }

  function label(toolbar) {
    toolbar.querySelectorAll("button, .ql-picker").forEach(function (control) {
      var name = (control.className.match(/ql-([\w-]+)/) || [])[1];
      var text = LABELS[control.value] || LABELS[name];
      if (text) { control.setAttribute("title", text); control.setAttribute("aria-label", text); }
      if (ICONS[name] && control.tagName === "BUTTON") {
        control.innerHTML = '<i class="bi ' + ICONS[name] + '" aria-hidden="true"></i>';
        control.classList.add("dj-ql-icon");
      }
    });
  }

  function cleanHTML(quill) {
    if (quill.getLength() <= 1) { return ""; }
    // Quill writes every space as &nbsp;; plain spaces keep lines breaking normally.
    return quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }

  function setupEditor(container) {
    var Quill = window.Quill;
    var field = document.getElementById(container.dataset.target);
    if (!Quill || !field) { return; }
    registerVideo(Quill);
    var status = form.querySelector("[data-editor-status]");
    function say(text, bad) {
      if (!status) { return; }
      status.textContent = text || "";
      status.classList.toggle("text-danger", !!bad);
    }
    container.innerHTML = field.value || "";  // the stored body, already sanitised
    var quill = new Quill(container, {
      theme: "snow",
      formats: FORMATS,
      modules: {
        table: true,
        // Pictures and videos dropped or pasted as files are uploaded like the toolbar's,
        // never kept as data: URLs (the sanitiser would drop those on save).
        uploader: {
          mimetypes: ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"],
          handler: function (range, files) { files.forEach(function (file) { uploadInto(range, file); }); }
        },
        toolbar: {
          container: TOOLBAR,
          handlers: {
            image: function () { insertMedia("image/jpeg,image/png,image/gif,image/webp"); },
            video: function () { insertMedia("video/mp4,video/webm"); },
            table: function () { quill.getModule("table").insertTable(3, 3); },
            "table-row": function () { quill.getModule("table").insertRowBelow(); },
            "table-column": function () { quill.getModule("table").insertColumnRight(); },
            "table-delete-row": function () { quill.getModule("table").deleteRow(); },
            "table-delete-column": function () { quill.getModule("table").deleteColumn(); },
            "table-delete": function () { quill.getModule("table").deleteTable(); }
          }
        }
      },
      placeholder: "在此输入正文，或从 Word 复制粘贴……"
    });
    container.quill = quill;
    var toolbar = container.previousElementSibling;
    if (toolbar) { label(toolbar); toolbar.setAttribute("data-testid", "editor-toolbar"); }
    quill.root.setAttribute("aria-label", "正文");
    quill.root.setAttribute("data-testid", "body-input");
    field.closest(".dj-editor-fallback").hidden = true;

    function uploadInto(range, file) {
      say("正在上传“" + file.name + "”……");
      upload(container.dataset.uploadUrl, container.dataset.site, file).then(function (answer) {
        var at = range ? range.index : quill.getLength();
        quill.insertEmbed(at, answer.kind === "video" ? "video" : "image", answer.url, "user");
        quill.setSelection(at + 1, 0, "silent");
        warnForeign("已插入“" + file.name + "”。");
      }).catch(function (error) { say(error.message, true); });
    }

    function insertMedia(accept) {
      var range = quill.getSelection(true);
      choose(accept, function (file) { uploadInto(range, file); });
    }

    // Pictures pasted from Word or web pages point elsewhere (file:, http:, data:); the
    // sanitiser drops them on save, so say so while the writer can still upload them.
    function warnForeign(done) {
      var foreign = Array.prototype.filter.call(quill.root.querySelectorAll("img, video"), function (node) {
        return (node.getAttribute("src") || "").indexOf("/portal/media/") !== 0;
      });
      var had = container.classList.contains("dj-has-foreign");
      container.classList.toggle("dj-has-foreign", foreign.length > 0);
      if (foreign.length) {
        say((done || "") + "正文中有 " + foreign.length + " 张图片或视频不是上传到本平台的（如从 Word 或网页粘贴的图片），" +
            "保存时会被去掉；请删除后用工具栏的图片按钮上传。", true);
      } else if (done) {
        say(done);
      } else if (had) {
        say("");
      }
    }

    function sync() { field.value = cleanHTML(quill); warnForeign(); }
    quill.on("text-change", sync);
    form.addEventListener("submit", sync);
  }

  document.querySelectorAll("[data-article-editor]").forEach(setupEditor);

  // ------------------------------------------------------------ the cover picture

  var coverInput = form.querySelector("[data-cover-input]");
  var coverKey = form.querySelector("input[name=cover]");
  var editor = form.querySelector("[data-article-editor]");
  if (coverInput && coverKey && editor) {
    coverInput.addEventListener("change", function () {
      var file = coverInput.files && coverInput.files[0];
      if (!file) { return; }
      var help = coverInput.parentElement.querySelector(".form-text");
      upload(editor.dataset.uploadUrl, editor.dataset.site, file).then(function (answer) {
        if (answer.kind !== "image") { throw new Error("封面须是图片，不能是视频。"); }
        coverKey.value = answer.key;
        coverInput.value = "";  // stored already: not sent again with the form
        coverInput.classList.remove("is-invalid");
        var preview = form.querySelector("[data-cover-preview]");
        preview.querySelector("img").src = answer.thumbnail || answer.url;
        preview.classList.remove("d-none");
        var remove = form.querySelector("input[name=remove_cover]");
        if (remove) { remove.checked = false; }
        if (help) { help.textContent = "封面图已上传，保存稿件后生效。"; }
      }).catch(function (error) {
        coverInput.classList.add("is-invalid");
        if (help) { help.textContent = error.message; }
      });
    });
  }

  // ------------------------------------------------------------ visibility and audience

  var audience = form.querySelector("[data-audience]");
  function chosenVisibility() {
    var checked = form.querySelector("input[name=visibility]:checked");
    return checked ? checked.value : "";
  }
  function showAudience() {
    if (audience) { audience.hidden = chosenVisibility() !== "orgs"; }
  }
  form.querySelectorAll("input[name=visibility]").forEach(function (radio) {
    radio.addEventListener("change", function () { form.dataset.visibilityTouched = "1"; showAudience(); });
  });
  showAudience();

  // A new article takes the column's default visibility until the writer chooses one.
  var defaults = {};
  var holder = document.getElementById("column-defaults");
  ((holder && holder.dataset.defaults) || "").split(";").forEach(function (pair) {
    var parts = pair.split("=");
    if (parts.length === 2) { defaults[parts[0]] = parts[1]; }
  });
  var columnSelect = form.querySelector("[data-column-select]");
  if (columnSelect && form.hasAttribute("data-new-article")) {
    columnSelect.addEventListener("change", function () {
      var value = defaults[columnSelect.value];
      if (!value || form.dataset.visibilityTouched) { return; }
      var radio = form.querySelector("input[name=visibility][value=" + value + "]");
      if (radio) { radio.checked = true; showAudience(); }
    });
  }

  // Choosing an organisation in the search box adds a ticked box for it.
  var adder = form.querySelector("select[name=audience_add]");
  var boxes = form.querySelector("[data-audience-boxes]");
  if (adder && boxes) {
    adder.addEventListener("change", function () {
      var value = adder.value;
      if (!value) { return; }
      var existing = boxes.querySelector("input[name=audience][value='" + value + "']");
      if (!existing) {
        var id = "audience-added-" + value;
        var wrap = document.createElement("div");
        wrap.className = "form-check";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.className = "form-check-input";
        box.name = "audience";
        box.value = value;
        box.id = id;
        var text = document.createElement("label");
        text.className = "form-check-label";
        text.htmlFor = id;
        text.textContent = adder.options[adder.selectedIndex].text;
        wrap.appendChild(box);
        wrap.appendChild(text);
        boxes.appendChild(wrap);
        existing = box;
      }
      existing.checked = true;
      adder.value = "";
    });
  }
})();
