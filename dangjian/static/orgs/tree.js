// Organisation tree: open and close nodes. HTMX fetches a node's children on its first opening
// (hx-trigger="click once"); after that the toggle only shows or hides the loaded list.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-tree-toggle]");
    if (!toggle) {
      return;
    }
    var list = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!list) {
      return;
    }
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    list.hidden = !open;
  });

  // A failed load puts a retry hint in place of the spinner instead of spinning forever.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target && target.classList.contains("dj-tree")) {
      target.innerHTML = '<li class="text-danger small py-1">加载失败，请刷新页面后重试</li>';
    }
  });
})();
