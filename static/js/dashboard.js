// Dashboard trend charts: this year against last year month by month, and cumulative figures
// against the targets. The data comes from the page (json_script "trend-data").
(function () {
  const source = document.getElementById("trend-data");
  const select = document.getElementById("trend-indicator");
  if (!source || !select || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const format = new Intl.NumberFormat("vi-VN");
  const labels = Array.from({ length: 12 }, (_, i) => `T${i + 1}`);
  const colors = { now: "#0d6efd", before: "#adb5bd", target: "#dc3545", pace: "#fd7e14" };
  let charts = [];

  function options(unit) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: (ctx) =>
              `${ctx.dataset.label}: ${ctx.parsed.y === null ? "—" : format.format(ctx.parsed.y)} ${unit}`,
          },
        },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => format.format(value) } } },
    };
  }

  function line(label, values, color, extra) {
    return { label, data: values, borderColor: color, backgroundColor: color, tension: 0.2, ...extra };
  }

  function targetLines(series) {
    const lines = [];
    const dashed = { borderDash: [6, 4], pointRadius: 0, borderWidth: 2 };
    if (series.target_year !== null) {
      lines.push(line("Kế hoạch năm", labels.map(() => series.target_year), colors.target, dashed));
      if (!series.stock) {
        const even = labels.map((_, i) => Math.round((series.target_year * (i + 1)) / 12));
        lines.push(line("Tiến độ đều theo kế hoạch năm", even, colors.pace, { ...dashed, borderDash: [2, 3] }));
      }
    }
    if (series.target_h1 !== null) {
      const half = labels.map((_, i) => (i < 6 ? series.target_h1 : null));
      lines.push(line("Kế hoạch 6 tháng đầu năm", half, colors.target, { ...dashed, borderDash: [1, 3] }));
    }
    return lines;
  }

  // Where the year is heading: from the last month of figures to December, dashed.
  function forecastLine(series) {
    if (!series.forecast) return [];
    const dashed = { borderDash: [6, 4], pointRadius: 0, borderWidth: 2, tension: 0.2 };
    return [line("Dự báo đến cuối năm", series.forecast, colors.now, dashed)];
  }

  function draw(code) {
    const series = data.series.find((s) => s.code === code) || data.series[0];
    if (!series) return;
    charts.forEach((chart) => chart.destroy());
    charts = [
      new Chart(document.getElementById("trend-monthly"), {
        type: "bar",
        data: {
          labels,
          datasets: [
            { label: `Năm ${data.year}`, data: series.monthly, backgroundColor: colors.now },
            { label: `Năm ${data.year - 1}`, data: series.monthly_before, backgroundColor: colors.before },
          ],
        },
        options: options(series.unit),
      }),
      new Chart(document.getElementById("trend-cumulative"), {
        type: "line",
        data: {
          labels,
          datasets: [
            line(`Lũy kế ${data.year}`, series.cumulative, colors.now, { borderWidth: 3 }),
            line(`Lũy kế ${data.year - 1}`, series.cumulative_before, colors.before, {}),
            ...forecastLine(series),
            ...targetLines(series),
          ],
        },
        options: options(series.unit),
      }),
    ];
  }

  select.addEventListener("change", () => draw(select.value));
  draw(select.value);
})();
