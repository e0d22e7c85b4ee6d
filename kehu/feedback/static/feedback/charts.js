// Report charts from data- attributes (the CSP allows no inline scripts); ECharts is served locally.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) { return; }
  const zh = document.documentElement.lang.startsWith("zh");
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const labels = el.dataset.labels ? el.dataset.labels.split("|") : [];
    const values = el.dataset.values ? el.dataset.values.split("|").map(Number) : [];
    if (!labels.length) { el.remove(); return; }
    const chart = window.echarts.init(el, null, { locale: zh ? "ZH" : "EN" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 10, top: 10, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", min: 0, max: 5 },
      series: [{ type: "bar", data: values }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
