// Complaint statistics charts (ECharts); data comes from the json_script block (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("stats-data");
  if (!source || typeof echarts === "undefined") { return; }
  const data = JSON.parse(source.textContent);
  const periods = document.getElementById("chart-periods");
  if (periods) {
    echarts.init(periods).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.count, data.names.loss] },
      xAxis: { type: "category", data: data.labels },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
      series: [
        { name: data.names.count, type: "bar", data: data.counts },
        { name: data.names.loss, type: "line", yAxisIndex: 1, data: data.loss },
      ],
    });
  }
  const category = document.getElementById("chart-category");
  if (category) {
    echarts.init(category).setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{ name: data.names.category, type: "pie", radius: ["35%", "70%"], data: data.by_category }],
    });
  }
});
