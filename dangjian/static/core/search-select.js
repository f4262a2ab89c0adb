// The platform's search-backed select (core/search_select.py, includes/search_select.html):
// a search box marked `data-search-select` fetches matching <option>s into its select through
// HTMX (its own hx-* attributes do the search). This file only adds two comforts, for every
// such box on the page.
(function () {
  "use strict";

  // Enter in a search box searches at once instead of submitting the form around it.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.hasAttribute || !box.hasAttribute("data-search-select")) {
      return;
    }
    event.preventDefault();
    if (window.htmx) {
      window.htmx.trigger(box, "search");
    }
  });

  // A search with exactly one match chooses it (and says so with a change event, so a filter
  // form that listens for changes refreshes).
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.requestConfig && event.detail.requestConfig.elt;  // who asked
    var select = event.detail.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-search-select") || !select) {
      return;
    }
    var choices = Array.prototype.filter.call(select.options || [], function (option) {
      return option.value && !option.disabled;
    });
    if (choices.length === 1 && select.value !== choices[0].value) {
      select.value = choices[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
