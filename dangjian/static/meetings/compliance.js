// 组织生活落实情况 heat-map (ECharts). Data from the page's JSON block (no inline script, CSP):
// rows of cells {month, status, label, text, tip}; a row with a url drills down on click.
(function () {
  "use strict";

  var LEVEL = { grey: 0, future: 1, red: 2, amber: 3, green: 4 };

  function option(data) {
    var names = data.rows.map(function (row) { return row.name; });
    var points = [];
    data.rows.forEach(function (row, y) {
      row.cells.forEach(function (cell, x) {
        points.push({ value: [x, y, LEVEL[cell.status]], text: cell.text, tip: cell.tip, label: cell.label, month: data.months[x], row: row.name });
      });
    });
    var pieces = Object.keys(LEVEL).map(function (status) {
      return { value: LEVEL[status], color: data.colors[status] };
    });
    return {
      animation: false,
      tooltip: {
        renderMode: "richText",
        formatter: function (params) {
          var d = params.data;
          return d.row + " · " + d.month + "：" + d.label + (d.text ? "（" + d.text + "）" : "") + "\n" + d.tip;
        }
      },
      grid: { left: 8, right: 8, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months, position: "top", splitArea: { show: true }, axisTick: { show: false } },
      yAxis: {
        type: "category", data: names, inverse: true, axisTick: { show: false },
        axisLabel: { width: 180, overflow: "truncate", fontSize: 12, color: "#1f3a5f" },
        triggerEvent: true
      },
      visualMap: { type: "piecewise", show: false, dimension: 2, pieces: pieces },
      series: [{
        type: "heatmap",
        data: points,
        itemStyle: { borderColor: "#fff", borderWidth: 2, borderRadius: 3 },
        label: { show: true, fontSize: 11, formatter: function (params) { return params.data.text || ""; } },
        emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } }
      }]
    };
  }

  function start() {
    var element = document.querySelector("[data-heatmap]");
    if (!element || !window.echarts) { return; }
    var source = document.getElementById(element.getAttribute("data-heatmap"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.rows.length) { return; }
    element.style.height = Math.max(180, 60 + data.rows.length * 34) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(data));
    element.setAttribute("data-rendered", "true");
    element.parentElement.classList.add("dj-cp-charted");
    function go(index) {
      var row = data.rows[index];
      if (row && row.url) { window.location.href = row.url; }
    }
    chart.on("click", function (params) {
      if (params.componentType === "series") { go(params.data.value[1]); }
      if (params.componentType === "yAxis") { go(data.rows.findIndex(function (row) { return row.name === params.value; })); }
    });
    var pending;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { chart.resize(); }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
