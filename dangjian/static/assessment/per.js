// 考核周期 pages (per): the month/quarter/year picker fills the dates and the name; blank
// category rows are folded behind "增加类别"; a card's category select submits on change;
// the appeal decision shows the new-score inputs only when 成立 is chosen.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function local(d) { return iso(d) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()); }

  function range(kind, year, number) {
    if (kind === "month") return [new Date(year, number - 1, 1), new Date(year, number, 0)];
    if (kind === "quarter") return [new Date(year, 3 * (number - 1), 1), new Date(year, 3 * number, 0)];
    return [new Date(year, 0, 1), new Date(year, 11, 31)];
  }

  function periodForm(form) {
    var kind = form.querySelector("[name=kind]");
    var year = form.querySelector("[name=year]");
    var number = form.querySelector("[name=number]");
    var numberBox = form.querySelector("[data-per-number]");
    var starts = form.querySelector("[name=starts_on]");
    var ends = form.querySelector("[name=ends_on]");
    var name = form.querySelector("[name=name]");
    var template = form.querySelector("[name=template]");
    var selfUntil = form.querySelector("[name=self_check_until]");
    var scoreUntil = form.querySelector("[name=scoring_until]");
    var autoName = !name.value;
    name.addEventListener("input", function () { autoName = !name.value; });

    function sheetName() {
      var option = template && template.selectedOptions[0];
      if (!option || !option.value) return "党支部工作考核";
      var text = option.textContent.replace(/^\d+年\s*/, "");
      return text.replace(/（.*$/, "").trim() || "党支部工作考核";
    }

    function fill() {
      var k = kind.value;
      var y = parseInt(year.value, 10);
      var n = parseInt(number.value, 10) || 1;
      numberBox.classList.toggle("d-none", k === "year");
      number.max = k === "quarter" ? 4 : 12;
      if (k === "quarter" && n > 4) { n = 4; number.value = 4; }
      if (!y) return;
      var r = range(k, y, n);
      starts.value = iso(r[0]);
      ends.value = iso(r[1]);
      var after = new Date(r[1].getTime());
      after.setDate(after.getDate() + 5); after.setHours(18, 0, 0, 0);
      var later = new Date(r[1].getTime());
      later.setDate(later.getDate() + 10); later.setHours(18, 0, 0, 0);
      if (selfUntil && selfUntil.dataset.touched !== "1") selfUntil.value = local(after);
      if (scoreUntil && scoreUntil.dataset.touched !== "1") scoreUntil.value = local(later);
      if (autoName) {
        var label = k === "month" ? y + "年" + n + "月" : k === "quarter" ? y + "年第" + "一二三四".charAt(n - 1) + "季度" : y + "年度";
        name.value = label + sheetName();
      }
    }
    [selfUntil, scoreUntil].forEach(function (input) {
      if (input) input.addEventListener("input", function () { input.dataset.touched = "1"; });
    });
    [kind, year, number, template].forEach(function (input) {
      if (input) input.addEventListener("change", fill);
    });
    numberBox.classList.toggle("d-none", kind.value === "year");

    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-per-category].is-blank"));
    var add = form.querySelector("[data-per-add-category]");
    if (rows.length && add) {
      rows.forEach(function (row) { row.classList.add("is-hidden"); });
      add.classList.remove("d-none");
      add.addEventListener("click", function () {
        var next = form.querySelector("[data-per-category].is-hidden");
        if (next) {
          next.classList.remove("is-hidden");
          var input = next.querySelector("input");
          if (input) input.focus();
        }
        if (!form.querySelector("[data-per-category].is-hidden")) add.classList.add("d-none");
      });
    }
  }

  function decisionForm(form) {
    var box = form.querySelector("[data-per-new-score]");
    function sync() {
      var chosen = form.querySelector("[name=upheld]:checked");
      box.classList.toggle("d-none", !(chosen && chosen.value === "1"));
    }
    form.querySelectorAll("[name=upheld]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  }

  document.querySelectorAll("[data-per-period-form]").forEach(periodForm);
  document.querySelectorAll("[data-per-decision]").forEach(decisionForm);
  document.querySelectorAll("[data-per-recat]").forEach(function (form) {
    form.classList.add("is-auto");
    form.querySelector("select").addEventListener("change", function () { form.requestSubmit(); });
  });
})();
