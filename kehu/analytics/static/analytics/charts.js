// Draws the analysis charts (bar, line or pie; money by default; data-unit="%", "count" or "score" otherwise) from data- attributes (the CSP allows no inline scripts).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const labels = el.dataset.labels ? el.dataset.labels.split("|") : [];
    // An empty value is a gap (a wave without that figure), not a zero.
    const values = el.dataset.values ? el.dataset.values.split("|").map((v) => (v === "" ? null : Number(v))) : [];
    if (!labels.length) { el.remove(); return; }
    // Chinese readers count in 万 (10,000); English readers in thousands.
    const zh = document.documentElement.lang.startsWith("zh");
    const unit = el.dataset.unit || "";
    const money = unit === "score" ? (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(1)) : unit === "%" ? (v) => v.toFixed(0) + "%" : unit === "count" ? (v) => v.toFixed(0) : (v) => (zh ? (v >= 10000 ? (v / 10000).toFixed(1) + "万" : v.toFixed(0)) : (v >= 1000 ? (v / 1000).toFixed(0) + "k" : v.toFixed(0)));
    const chart = window.echarts.init(el, null, { locale: zh ? "ZH" : "EN" });
    if (el.dataset.chart === "pie") {
      chart.setOption({
        tooltip: { trigger: "item", valueFormatter: money },
        series: [{ type: "pie", radius: ["40%", "70%"], data: labels.map((name, i) => ({ name, value: values[i] })) }],
      });
    } else {
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: money },
        grid: { left: 60, right: 10, top: 10, bottom: 60 },
        xAxis: { type: "category", data: labels, axisLabel: { rotate: 30 } },
        yAxis: { type: "value", minInterval: unit === "count" ? 1 : 0, axisLabel: { formatter: money } },
        series: [el.dataset.chart === "line" ? { type: "line", data: values, connectNulls: true } : { type: "bar", data: values }],
      });
    }
    window.addEventListener("resize", () => chart.resize());
  });
});
