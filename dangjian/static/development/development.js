// 发展党员 pages: the pipeline chart and the auto-submitting selects. No inline script (CSP).
(function () {
  "use strict";

  function pipelineChart() {
    var element = document.getElementById("pipeline-chart");
    var source = document.getElementById("pipeline-data");
    if (!element || !source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var total = spec.values.reduce(function (sum, value) { return sum + value; }, 0);
    if (!total) {
      element.classList.add("dj-chart-empty");
      element.textContent = "暂无数据";
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#b3121a"],
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eee" } } },
      yAxis: { type: "category", inverse: true, data: spec.labels, axisTick: { show: false }, axisLabel: { fontSize: 11 } },
      series: [{ type: "bar", name: "人数", barMaxWidth: 16, data: spec.values, label: { show: true, position: "right", fontSize: 11 } }]
    });
    chart.on("click", function (params) {
      window.location.href = spec.list_url + spec.states[params.dataIndex];
    });
    element.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    pipelineChart();
    autosubmit();
  });
})();
