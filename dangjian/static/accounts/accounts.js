// Account pages: show/hide a password, copy recovery codes, print them. No inline scripts (CSP).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-password]");
    if (toggle) {
      var input = document.getElementById(toggle.getAttribute("data-toggle-password"));
      if (!input) { return; }
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      toggle.setAttribute("aria-pressed", show ? "true" : "false");
      toggle.setAttribute("aria-label", show ? "隐藏密码" : "显示密码");
      var icon = toggle.querySelector(".bi");
      if (icon) { icon.className = show ? "bi bi-eye-slash" : "bi bi-eye"; }
      return;
    }
    var copy = event.target.closest("[data-copy-target]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy-target"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.innerText.trim()).then(function () {
        copy.textContent = "已复制";
      });
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
