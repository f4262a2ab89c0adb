// Member list: the organisation filter's search box. Typing fetches matching organisations
// into the select (HTMX); when exactly one matches it is chosen and the list refreshes.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var select = event.detail.target;
    if (!select || select.id !== "id_org") {
      return;
    }
    var choices = Array.prototype.filter.call(select.options, function (option) {
      return option.value && !option.disabled;
    });
    if (choices.length === 1 && select.value !== choices[0].value) {
      select.value = choices[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // The filter search box: pressing Enter refreshes at once instead of waiting for the delay.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "org-search") {
      event.preventDefault();
    }
  });
})();
