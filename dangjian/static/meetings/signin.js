// The sign-in page: the code box keeps digits only (a pasted "123 456" works too).
(function () {
  "use strict";
  var input = document.querySelector(".dj-code-input");
  if (!input) { return; }
  input.addEventListener("input", function () {
    var digits = input.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== input.value) { input.value = digits; }
  });
  if (!input.value) { input.focus(); }
})();
