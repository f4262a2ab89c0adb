// Member record form: show the dates of 流动/失联 only when the box is ticked. Hidden fields keep
// their values until the form is saved; the server clears them when the box is off.
(function () {
  "use strict";

  function sync(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (wrapper) {
      var box = document.getElementById(wrapper.getAttribute("data-show-if"));
      var failed = wrapper.querySelector(".invalid-feedback");
      wrapper.hidden = !failed && !!box && !box.checked;
    });
  }

  document.querySelectorAll("form[data-record-form]").forEach(function (form) {
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") {
        sync(form);
      }
    });
  });
})();

// Reward form: the discipline only for a punishment, the end of probation only for 留党察看.
(function () {
  "use strict";

  document.querySelectorAll("form[data-reward-form]").forEach(function (form) {
    function sync() {
      var kind = form.querySelector("input[name=kind]:checked");
      var discipline = form.querySelector("select[name=discipline]");
      form.querySelectorAll("[data-show-if-kind]").forEach(function (el) {
        el.hidden = !kind || kind.value !== el.getAttribute("data-show-if-kind");
      });
      form.querySelectorAll("[data-show-if-discipline]").forEach(function (el) {
        el.hidden = !discipline || discipline.value !== el.getAttribute("data-show-if-discipline") ||
          !kind || kind.value !== "punishment";
      });
    }
    sync();
    form.addEventListener("change", sync);
  });
})();
