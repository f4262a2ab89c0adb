// 党内统计 charts. The figures come from the page's JSON data block (no inline script, CSP).
(function () {
  "use strict";

  var COLORS = ["#b3121a", "#e0892b", "#f5c242", "#2f6fab", "#2a9d8f", "#7b4f9d", "#8d99ae", "#c45a5a", "#5b8e7d", "#a37b45"];
  var charts = [];

  function pieOption(spec) {
    var data = [];
    spec.labels.forEach(function (label, index) {
      if (spec.values[index] > 0) { data.push({ name: label, value: spec.values[index] }); }
    });
    return {
      color: COLORS,
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText", formatter: "{b}：{c} 人（{d}%）" },
      legend: { bottom: 0, type: "scroll", itemWidth: 12, itemHeight: 12 },
      series: [{
        type: "pie",
        radius: ["34%", "58%"],
        center: ["50%", "45%"],
        avoidLabelOverlap: true,
        minShowLabelAngle: 3,
        percentPrecision: 1,
        label: { formatter: "{c}人\n{d}%", fontSize: 11, lineHeight: 14 },
        labelLine: { length: 8, length2: 8 },
        data: data
      }]
    };
  }

  function barOption(spec) {
    return {
      color: [COLORS[0]],
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eee" } } },
      yAxis: { type: "category", inverse: true, data: spec.labels, axisTick: { show: false }, axisLabel: { fontSize: 11 } },
      series: [{ type: "bar", name: "人数", barMaxWidth: 18, data: spec.values, label: { show: true, position: "right", fontSize: 11 } }]
    };
  }

  function draw(element, spec) {
    var total = spec.values.reduce(function (sum, value) { return sum + value; }, 0);
    if (!total) {
      element.classList.add("dj-chart-empty");
      element.textContent = "暂无数据";
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(spec.type === "pie" ? pieOption(spec) : barOption(spec));
    element.setAttribute("data-rendered", "true");
    charts.push(chart);
  }

  function start() {
    var source = document.getElementById("statistics-data");
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = data[element.getAttribute("data-chart")];
      if (spec) { draw(element, spec); }
    });
    var pending;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { charts.forEach(function (chart) { chart.resize(); }); }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
