// @ts-check
/**
 * trend.html's charts, drawn in the reader's browser from the trend embedded as JSON (#trend-data).
 * Plain ES2017, inlined as it is by trend-html.ts and type-checked like the report's charts.js:
 * one classic script, everything inside one function so nothing leaks into the page's globals.
 */
(() => {
  /** @typedef {import("./trend.js").Trend} Trend */
  /** @typedef {import("./trend.js").TrendSeries} TrendSeries */
  /** @typedef {import("chart.js").Chart} AnyChart */
  /** @typedef {import("chart.js").Plugin} ChartPlugin */
  /** The vertical lines drawn for change points, in canvas pixels: kept on the chart for the browser test. */
  /** @typedef {{ runId: string, x: number, note: string }} DrawnChange */
  /** @typedef {AnyChart & { $changeLines?: DrawnChange[] }} TrendChart */

  var win = /** @type {{ Chart?: typeof import("chart.js").Chart }} */ (/** @type {unknown} */ (window));
  var dataEl = document.getElementById("trend-data");
  if (!dataEl || typeof win.Chart === "undefined") return;
  var Chart = win.Chart;
  /** @type {Trend} */
  var trend = JSON.parse(dataEl.textContent || "null");
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#4b5563";
  var VERDICT_COLOUR = { pass: "#15803d", fail: "#b91c1c", inconclusive: "#b45309" };
  var NO_VERDICT = "#2563eb";

  /**
   * @param {number} v
   * @param {TrendSeries["unit"]} unit
   */
  function fmt(v, unit) {
    if (unit === "ratio") return `${+(v * 100).toFixed(3)} %`;
    if (unit === "ms") return `${+v.toFixed(v >= 100 ? 0 : 2)} ms`;
    if (unit === "s") return `${+v.toFixed(2)} s`;
    if (unit === "ops/s") return `${+v.toFixed(1)} ops/s`;
    return `${+v.toFixed(2)}`;
  }

  /** @param {number | null} r */
  function pct(r) {
    if (r === null) return "from 0";
    var p = r * 100;
    return `${p >= 0 ? "+" : ""}${Math.abs(p) >= 10 ? p.toFixed(0) : p.toFixed(1)} %`;
  }

  /**
   * Change points: a vertical line before the first run after the change, and its note.
   * @param {TrendSeries} s
   * @returns {ChartPlugin}
   */
  function changeLines(s) {
    return {
      id: "changeLines",
      afterDatasetsDraw: (chart) => {
        const x = chart.scales.x;
        if (!x) return;
        var area = chart.chartArea;
        var ctx = chart.ctx;
        /** @type {DrawnChange[]} */
        var drawn = [];
        s.changes.forEach((c, k) => {
          // Half-way between the last run before the change and the first after it.
          var px = c.pointIndex > 0 ? (x.getPixelForValue(c.pointIndex - 1) + x.getPixelForValue(c.pointIndex)) / 2 : x.getPixelForValue(0);
          var note = `change at run ${c.runId}: ${pct(c.relativeChange)}`;
          ctx.save();
          ctx.strokeStyle = c.direction === "worse" ? "#b91c1c" : "#15803d";
          ctx.lineWidth = 2;
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = ctx.strokeStyle;
          ctx.font = `12px ${Chart.defaults.font.family}`;
          var width = ctx.measureText(note).width;
          var tx = px + 4 + width > area.right ? px - 4 - width : px + 4;
          var ty = area.top + 14 + 16 * k;
          // On a white box, so the note stays readable where it crosses the line and the points.
          ctx.fillStyle = "rgba(255,255,255,0.85)";
          ctx.fillRect(tx - 2, ty - 12, width + 4, 16);
          ctx.fillStyle = ctx.strokeStyle;
          ctx.fillText(note, tx, ty);
          ctx.restore();
          drawn.push({ runId: c.runId, x: px * chart.currentDevicePixelRatio, note: note });
        });
        /** @type {TrendChart} */ (chart).$changeLines = drawn;
      },
    };
  }

  document.querySelectorAll("canvas[data-series]").forEach((el) => {
    var canvas = /** @type {HTMLCanvasElement} */ (el);
    var s = trend.series[Number(canvas.dataset.series)];
    if (!s) return;
    var series = s;
    var labels = series.points.map((p) => p.startedAt.slice(0, 16).replace("T", " "));
    var colours = series.points.map((p) => (p.verdict ? VERDICT_COLOUR[p.verdict] : NO_VERDICT));
    /** @type {any[]} */
    var datasets = [
      {
        label: series.title,
        data: series.points.map((p) => p.value),
        borderColor: "#9ca3af",
        borderWidth: 1.5,
        pointBackgroundColor: colours,
        pointBorderColor: colours,
        pointRadius: 4,
        pointHoverRadius: 6,
        spanGaps: true,
      },
    ];
    if (series.points.some((p) => p.target !== undefined)) {
      datasets.push({
        label: `target (${series.objective || ""})`,
        data: series.points.map((p) => (p.target === undefined ? null : p.target)),
        borderColor: "#6b7280",
        borderDash: [4, 4],
        borderWidth: 1,
        pointRadius: 0,
        stepped: "middle",
        spanGaps: true,
      });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: true },
        scales: {
          y: { ticks: { callback: (v) => fmt(Number(v), series.unit) } },
          x: { ticks: { maxRotation: 0, autoSkip: true } },
        },
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: (item) => {
                var p = series.points[item.dataIndex];
                if (!p || item.datasetIndex !== 0) return `${item.dataset.label}: ${fmt(Number(item.raw), series.unit)}`;
                return `run ${p.runId}: ${p.value === null ? "not measured" : fmt(p.value, series.unit)}${p.verdict ? ` (${p.verdict})` : ""}`;
              },
            },
          },
        },
        onHover: (event, elements) => {
          var target = /** @type {HTMLElement | null} */ (event.native?.target);
          if (target) target.style.cursor = elements.length > 0 ? "pointer" : "default";
        },
        onClick: (_event, elements) => {
          var hit = elements.find((e) => e.datasetIndex === 0);
          var p = hit && series.points[hit.index];
          if (p?.href) window.location.href = p.href;
        },
      },
      plugins: [changeLines(series)],
    });
  });
})();
