// Follow-up completion chart (ECharts, served locally; no inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("followup-chart");
  var data = document.getElementById("followup-chart-data");
  if (!el || !data || !window.echarts) { return; }
  var chart = JSON.parse(data.textContent);
  window.echarts.init(el).setOption({
    tooltip: {}, legend: {},
    xAxis: { type: "category", data: chart.labels, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", max: 100 },
    series: [
      { name: chart.names.completion, type: "bar", data: chart.completion },
      { name: chart.names.timeliness, type: "bar", data: chart.timeliness }
    ]
  });
});
