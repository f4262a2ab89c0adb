// Administration pages: on a phone the section tabs scroll sideways; bring the current one into view.
(function () {
  "use strict";

  document.querySelectorAll("[data-dj-tabs]").forEach(function (strip) {
    var active = strip.querySelector(".nav-link.active");
    if (!active) { return; }
    var overflow = active.getBoundingClientRect().right - strip.getBoundingClientRect().right;
    if (overflow > 0) { strip.scrollLeft += overflow + 16; }
  });
})();
