// The campaign report's small chart (ECharts): order rate of the target group against the hold-out.
// Data comes from a json_script block (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("report-data");
  const target = document.getElementById("chart-report");
  if (!source || !target || typeof echarts === "undefined") { return; }
  const data = JSON.parse(source.textContent);
  echarts.init(target).setOption({
    animation: false,
    grid: { left: 40, right: 10, top: 20, bottom: 30 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", name: "%" },
    series: [{ name: data.name, type: "bar", data: data.rates, barWidth: "40%" }],
  });
});
