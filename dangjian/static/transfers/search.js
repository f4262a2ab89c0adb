// Search-backed selects of the transfer forms (the member, the in-tree destination, the branch):
// the search box beside a select fetches matching <option>s into it through HTMX (the hx-*
// attributes of transfers/_field.html). This file only adds two comforts.
(function () {
  "use strict";

  // Enter in a search box searches at once instead of submitting the transfer form.
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

  // A search with exactly one match chooses it.
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
