// Customer archive behaviours (no inline scripts: the CSP forbids them).
document.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-tab]");
  if (tab) {
    tab.closest(".nav").querySelectorAll(".nav-link").forEach((el) => el.classList.remove("active"));
    tab.classList.add("active");
  }
});
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    all.closest("form").querySelectorAll(`input[name="${all.dataset.selectAll}"]`).forEach((box) => {
      box.checked = all.checked;
    });
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("grade-chart");
  const data = document.getElementById("grade-chart-data");
  if (!el || !data || !window.echarts) { return; }
  const chart = JSON.parse(data.textContent);
  const bar = (name, values) => ({ name, type: "bar", data: values });
  window.echarts.init(el).setOption({
    tooltip: {}, legend: {},
    xAxis: { type: "category", data: chart.grades },
    yAxis: { type: "value" },
    series: [
      bar(el.dataset.labelCurrent, chart.current),
      bar(el.dataset.labelProposed, chart.proposed),
      bar(el.dataset.labelTarget, chart.target),
    ],
  });
});
