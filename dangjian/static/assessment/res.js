// 考核结果 charts (ECharts, vendored). Data from the page's JSON block (no inline script, CSP):
// categories [{name, average, high, low}], losses [{name, deduction, targets}],
// trend {labels, totals, averages}, periods {periods, average, high, low}.
(function () {
  "use strict";

  var RED = "#b3121a", GOLD = "#e0a526", GREY = "#9aa5b1", BLUE = "#2f6db5";

  function categories(data) {
    var rows = data.categories || [];
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: ["平均", "最高", "最低"] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, width: 80, overflow: "truncate" } },
      yAxis: { type: "value", name: "分" },
      series: [
        { name: "平均", type: "bar", data: rows.map(function (r) { return r.average; }), itemStyle: { color: RED }, label: { show: true, position: "top" } },
        { name: "最高", type: "bar", data: rows.map(function (r) { return r.high; }), itemStyle: { color: GOLD } },
        { name: "最低", type: "bar", data: rows.map(function (r) { return r.low; }), itemStyle: { color: GREY } }
      ]
    };
  }

  function losses(data, width) {
    var rows = (data.losses || []).slice().reverse();
    return {
      animation: false,
      tooltip: {
        trigger: "item", renderMode: "richText",
        formatter: function (p) { var r = rows[p.dataIndex]; return r.name + "\n扣分合计 " + r.deduction + " 分，" + r.targets + " 个对象"; }
      },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "扣分" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { width: Math.max(90, Math.min(220, Math.round(width * 0.42))), overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.deduction; }), itemStyle: { color: RED }, label: { show: true, position: "right" } }]
    };
  }

  function trend(data) {
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: ["本单位得分", "类别平均"] },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { formatter: shortName } },
      yAxis: { type: "value", name: "分", scale: true },
      series: [
        { name: "本单位得分", type: "line", data: data.totals, itemStyle: { color: RED }, label: { show: true }, connectNulls: true },
        { name: "类别平均", type: "line", data: data.averages, itemStyle: { color: BLUE }, lineStyle: { type: "dashed" }, connectNulls: true }
      ]
    };
  }

  function periods(data) {
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: ["平均", "最高", "最低"] },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.periods, axisLabel: { formatter: shortName } },
      yAxis: { type: "value", name: "分", scale: true },
      series: [
        { name: "平均", type: "line", data: data.average, itemStyle: { color: RED }, label: { show: true } },
        { name: "最高", type: "line", data: data.high, itemStyle: { color: GOLD } },
        { name: "最低", type: "line", data: data.low, itemStyle: { color: GREY } }
      ]
    };
  }

  // "2026年11月党支部工作考核" → "2026年11月" on the axis.
  function shortName(value) {
    var match = /^(\d{4}年(第.季度|\d{1,2}月)?)/.exec(value || "");
    return match ? match[1] : value;
  }

  var BUILDERS = { categories: categories, losses: losses, trend: trend, periods: periods };

  function start() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll("[data-res-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-source"));
      var build = BUILDERS[element.getAttribute("data-res-chart")];
      if (!source || !build) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(build(data, element.clientWidth || 600));
      element.setAttribute("data-rendered", "true");
      element.parentElement.classList.add("dj-res-charted");
      charts.push(chart);
    });
    var pending;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
