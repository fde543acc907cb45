// @ts-check
/**
 * The report's charts, drawn in the reader's browser from the run record
 * embedded in report.html as JSON (the element #run-data).
 *
 * Plain ES2017 JavaScript, inlined as it is (html-report.ts reads this file):
 * the browser runs exactly this text, with no build step between the file and
 * the page. It is still type-checked: `// @ts-check` with JSDoc types, against
 * the DOM, Chart.js's own typings and the RunRecord type (tsconfig.json has
 * allowJs, so `tsc --noEmit` reads this file). It stays a classic script: no
 * import or export at run time, everything inside one function so nothing
 * leaks into the page's globals.
 */
(() => {
  /** @typedef {import("../../results/types.js").RunRecord} RunRecord */
  /** @typedef {import("../../results/types.js").ScenarioResult} ScenarioResult */
  /** @typedef {import("../../results/types.js").TimelinePoint} TimelinePoint */
  /** @typedef {import("chart.js").Chart} AnyChart */
  /** @typedef {import("chart.js").Plugin} ChartPlugin */
  /** @typedef {import("chart.js").ScaleOptions<"linear">} LinearAxis */
  /** @typedef {{ x: number, y: number | null }} XY */
  /** @typedef {{ id: string, from: number, to: number | null, recovered: boolean, recoveredAt: number | null }} FaultBand */
  /** @typedef {{ band: FaultBand, index: number, left: number, right: number, line: number | null, top: number, bottom: number }} BandSpan */
  /** The rectangles a fault band was drawn in, in canvas pixels: kept on the chart for the browser test to read. */
  /** @typedef {{ id: string, left: number, right: number, top: number, bottom: number }} DrawnBand */
  /** @typedef {AnyChart & { $faultBands?: DrawnBand[] }} ChartWithBands */

  // The UMD build of Chart.js, inlined before this script, sets window.Chart.
  var win = /** @type {{ Chart?: typeof import("chart.js").Chart }} */ (/** @type {unknown} */ (window));
  var dataEl = document.getElementById("run-data");
  if (!dataEl || typeof win.Chart === "undefined") return;
  var Chart = win.Chart;
  /** @type {RunRecord} */
  var run = JSON.parse(dataEl.textContent || "null");
  var palette = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#4b5563";
  var fontFamily = Chart.defaults.font.family;

  /**
   * @param {string} hex "#rrggbb"
   * @param {number} a
   */
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
  }

  // Warm-up (t < 0) is shaded: it is shown for context and never judged.
  /** @type {ChartPlugin} */
  var warmupShade = {
    id: "warmupShade",
    beforeDatasetsDraw: (chart) => {
      var x = chart.scales.x,
        area = chart.chartArea;
      if (!x || x.min >= 0) return;
      var right = Math.min(x.getPixelForValue(0), area.right);
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(107,114,128,0.10)";
      ctx.fillRect(area.left, area.top, right - area.left, area.bottom - area.top);
      ctx.fillStyle = "#6b7280";
      ctx.font = `11px ${fontFamily}`;
      ctx.fillText("warm-up", area.left + 6, area.top + 14);
      ctx.restore();
    },
  };

  // Fault windows: one shaded band per injected fault, from injection to heal
  // (to the right edge when never healed), labelled with the fault's id, and a
  // dashed line where the probes say it recovered. One plugin object per
  // chart, holding that scenario's bands; the rectangles it drew are kept on
  // chart.$faultBands (canvas pixels) so a test can look at them.
  /**
   * @param {ScenarioResult} scenario
   * @returns {FaultBand[]}
   */
  function faultBandsOf(scenario) {
    /** @type {FaultBand[]} */
    var bands = [];
    (scenario.faults || []).forEach((f) => {
      if (!f.injected || f.injectedAtMs === null) return;
      bands.push({
        id: f.id,
        from: f.injectedAtMs / 1000,
        to: f.healedAtMs === null ? null : f.healedAtMs / 1000,
        recovered: f.recovered,
        recoveredAt: f.recovered && f.rtoMs !== null ? (f.injectedAtMs + f.rtoMs) / 1000 : null,
      });
    });
    return bands;
  }

  /**
   * @param {FaultBand[]} bands
   * @returns {ChartPlugin}
   */
  function faultBandsPlugin(bands) {
    /**
     * @param {AnyChart} chart
     * @returns {BandSpan[]}
     */
    function spans(chart) {
      var x = chart.scales.x,
        area = chart.chartArea;
      if (!x || !area) return [];
      var scale = x;
      return bands
        .map((b, i) => {
          var left = Math.max(area.left, scale.getPixelForValue(b.from));
          var right = b.to === null ? area.right : Math.min(area.right, scale.getPixelForValue(b.to));
          var line = b.recoveredAt === null ? null : scale.getPixelForValue(b.recoveredAt);
          return { band: b, index: i, left: left, right: right, line: line, top: area.top, bottom: area.bottom };
        })
        .filter((s) => s.right > s.left && s.left < area.right);
    }
    return {
      id: "faultBands",
      beforeDatasetsDraw: (chart) => {
        var ctx = chart.ctx;
        /** @type {DrawnBand[]} */
        var drawn = [];
        ctx.save();
        spans(chart).forEach((s) => {
          ctx.fillStyle = s.band.recovered ? "rgba(217,119,6,0.16)" : "rgba(220,38,38,0.14)";
          ctx.fillRect(s.left, s.top, s.right - s.left, s.bottom - s.top);
          ctx.strokeStyle = s.band.recovered ? "rgba(217,119,6,0.8)" : "rgba(220,38,38,0.8)";
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(Math.round(s.left) + 0.5, s.top);
          ctx.lineTo(Math.round(s.left) + 0.5, s.bottom);
          ctx.stroke();
          if (s.line !== null && s.line > chart.chartArea.left && s.line < chart.chartArea.right) {
            ctx.strokeStyle = "#15803d";
            ctx.lineWidth = 1.5;
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(s.line, s.top);
            ctx.lineTo(s.line, s.bottom);
            ctx.stroke();
            ctx.setLineDash([]);
          }
          var r = chart.currentDevicePixelRatio || 1;
          drawn.push({ id: s.band.id, left: s.left * r, right: s.right * r, top: s.top * r, bottom: s.bottom * r });
        });
        ctx.restore();
        /** @type {ChartWithBands} */ (chart).$faultBands = drawn;
      },
      // Labels over the data, so a line through the top of the chart cannot hide them.
      afterDatasetsDraw: (chart) => {
        var ctx = chart.ctx;
        ctx.save();
        ctx.font = `600 11px ${fontFamily}`;
        spans(chart).forEach((s) => {
          var y = s.top + 4 + (s.index % 2) * 15;
          var w = ctx.measureText(s.band.id).width + 8;
          var x = Math.min(s.left + 3, chart.chartArea.right - w);
          ctx.fillStyle = "rgba(255,255,255,0.85)";
          ctx.fillRect(x, y, w, 14);
          ctx.fillStyle = s.band.recovered ? "#92400e" : "#991b1b";
          ctx.textBaseline = "top";
          ctx.fillText(s.band.id, x + 4, y + 2);
        });
        ctx.restore();
      },
    };
  }

  // In a scenario with faults every chart shares one time axis, so bands line up across them.
  /**
   * @param {ScenarioResult} scenario
   * @returns {LinearAxis}
   */
  function xAxisFor(scenario) {
    if (!scenario.probe && !scenario.faults?.length) return xAxis;
    var ts = scenario.timeline.points.map((p) => p.t);
    if (scenario.probe)
      scenario.probe.points.forEach((p) => {
        ts.push(p.t);
      });
    if (!ts.length) return xAxis;
    /** @type {LinearAxis} */
    var axis = {};
    for (var k in xAxis) /** @type {Record<string, unknown>} */ (axis)[k] = /** @type {Record<string, unknown>} */ (xAxis)[k];
    axis.min = Math.floor(Math.min.apply(null, ts) / 1000);
    axis.max = Math.ceil(Math.max.apply(null, ts) / 1000);
    axis.ticks = { maxTicksLimit: 10, includeBounds: false };
    return axis;
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   */
  function probeChart(canvas, scenario) {
    var probe = scenario.probe;
    if (!probe) return null;
    var pts = probe.points.slice().sort((a, b) => a.t - b.t);
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: "probe",
            stepped: true,
            borderColor: "#9ca3af",
            borderWidth: 1.5,
            pointRadius: 2.5,
            pointBorderWidth: 0,
            pointBackgroundColor: pts.map((p) => (p.ok ? "#15803d" : "#dc2626")),
            data: pts.map((p) => ({ x: p.t / 1000, y: p.ok ? 1 : 0 })),
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: xAxisFor(scenario),
          y: { min: -0.2, max: 1.2, grid: { color: "#f0f0f0" }, ticks: { stepSize: 1, callback: (v) => (v === 1 ? "ok" : v === 0 ? "failed" : "") } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => (c.parsed.y === 1 ? "ok" : "failed") } },
        },
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))],
    });
  }

  /** @param {ScenarioResult} scenario */
  function serverNames(scenario) {
    var names = scenario.servers.map((s) => s.name);
    scenario.timeline.points.forEach((p) => {
      if (names.indexOf(p.server) < 0) names.push(p.server);
    });
    return names;
  }

  /**
   * @param {ScenarioResult} scenario
   * @param {string} server
   * @returns {TimelinePoint[]}
   */
  function pointsOf(scenario, server) {
    return scenario.timeline.points.filter((p) => p.server === server).sort((a, b) => a.t - b.t);
  }

  /** @type {LinearAxis} */
  var xAxis = {
    type: "linear",
    title: { display: true, text: "seconds since the measurement window opened" },
    ticks: { maxTicksLimit: 10 },
    grid: { color: "#f0f0f0" },
  };

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   */
  function latencyChart(canvas, scenario) {
    /** @type {import("chart.js").ChartDataset<"line", XY[]>[]} */
    var datasets = [];
    serverNames(scenario).forEach((name, i) => {
      var colour = palette[i % palette.length] || "#000000";
      var pts = pointsOf(scenario, name);
      datasets.push({
        label: `${name} p50`,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 2,
        data: pts.map((p) => ({ x: p.t / 1000, y: p.p50 })),
      });
      datasets.push({
        label: `${name} p99`,
        borderColor: alpha(colour, 0.75),
        backgroundColor: alpha(colour, 0.75),
        borderWidth: 1.5,
        borderDash: [5, 4],
        data: pts.map((p) => ({ x: p.t / 1000, y: p.p99 })),
      });
    });
    /** @type {import("chart.js").ChartConfiguration<"line", XY[]>} */
    var config = {
      type: "line",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        spanGaps: false,
        elements: { point: { radius: 0, hitRadius: 6 } },
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: { x: xAxisFor(scenario), y: { beginAtZero: true, title: { display: true, text: "ms" }, grid: { color: "#f0f0f0" } } },
        plugins: { legend: { labels: { boxWidth: 14, boxHeight: 2 } } },
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))],
    };
    return new Chart(canvas, config);
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   */
  function throughputChart(canvas, scenario) {
    var perSecond = 1000 / scenario.timeline.intervalMs;
    /** @type {import("chart.js").ChartDatasetCustomTypesPerDataset<"line" | "bar", XY[]>[]} */
    var datasets = [];
    serverNames(scenario).forEach((name, i) => {
      var colour = palette[i % palette.length] || "#000000";
      var pts = pointsOf(scenario, name);
      datasets.push({
        type: "line",
        label: `${name} ok/s`,
        yAxisID: "y",
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 2,
        pointRadius: 0,
        order: 1,
        data: pts.map((p) => ({ x: p.t / 1000, y: p.ok * perSecond })),
      });
      datasets.push({
        type: "bar",
        label: `${name} errors`,
        yAxisID: "y1",
        backgroundColor: alpha(colour, 0.45),
        borderColor: colour,
        borderWidth: 0,
        order: 2,
        barPercentage: 1,
        categoryPercentage: 1,
        data: pts.map((p) => ({ x: p.t / 1000, y: p.error + p.timeout })),
      });
    });
    // No chart-level type: each dataset names its own (line for ok/s, bar for errors), as Chart.js allows.
    /** @type {import("chart.js").ChartConfigurationCustomTypesPerDataset<"line" | "bar", XY[]>} */
    var config = {
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: xAxisFor(scenario),
          y: { beginAtZero: true, position: "left", title: { display: true, text: "ok calls / s" }, grid: { color: "#f0f0f0" } },
          y1: {
            beginAtZero: true,
            position: "right",
            title: { display: true, text: "errors + timeouts / interval" },
            grid: { drawOnChartArea: false },
            ticks: { precision: 0 },
          },
        },
        plugins: { legend: { labels: { boxWidth: 14 } } },
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))],
    };
    return new Chart(canvas, config);
  }

  // Capacity: achieved throughput and p99 against the offered rate, one point per step.
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   */
  function capacityChart(canvas, scenario) {
    var c = scenario.capacity;
    if (!c) return null;
    var labels = c.steps.map((st) => String(st.offeredRate));
    var breakAt = -1,
      breakColour = "#dc2626";
    c.steps.forEach((st, i) => {
      if (st.outcome === "broken") breakAt = i;
      else if (st.outcome === "generator-limited") {
        breakAt = i;
        breakColour = "#d97706";
      }
    });
    /** @type {ChartPlugin} */
    var breakLine = {
      id: "capacityBreak",
      afterDatasetsDraw: (chart) => {
        var scale = chart.scales.x;
        if (breakAt < 0 || !scale) return;
        var x = scale.getPixelForValue(breakAt),
          area = chart.chartArea,
          ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = breakColour;
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = breakColour;
        ctx.textAlign = "right";
        ctx.fillText(breakColour === "#dc2626" ? "breaks" : "generator limit", x - 4, area.top + 12);
        ctx.restore();
      },
    };
    var first = palette[0] || "#000000",
      second = palette[1] || "#000000";
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: "offered /s", data: c.steps.map((st) => st.offeredRate), borderColor: "#9ca3af", borderDash: [4, 4], pointRadius: 0, yAxisID: "y" },
          {
            label: "achieved /s",
            data: c.steps.map((st) => st.achievedThroughput),
            borderColor: first,
            backgroundColor: first,
            pointBackgroundColor: c.steps.map((st) => (st.outcome === "sustained" ? "#15803d" : st.outcome === "broken" ? "#dc2626" : "#d97706")),
            pointRadius: 4,
            yAxisID: "y",
          },
          { label: "p99 ms", data: c.steps.map((st) => st.p99), borderColor: second, backgroundColor: second, pointRadius: 3, yAxisID: "y1" },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "offered rate (/s)" } },
          y: { beginAtZero: true, position: "left", title: { display: true, text: "per second" }, grid: { color: "#f0f0f0" } },
          y1: { beginAtZero: true, position: "right", title: { display: true, text: "p99 (ms)" }, grid: { drawOnChartArea: false } },
        },
        plugins: { legend: { labels: { boxWidth: 14 } } },
      },
      plugins: [breakLine],
    });
  }

  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (let i = 0; i < canvases.length; i++) {
    const canvas = /** @type {HTMLCanvasElement} */ (canvases[i]);
    const scenario = run.scenarios[Number(canvas.getAttribute("data-scenario"))];
    if (!scenario) continue;
    try {
      const kind = canvas.getAttribute("data-chart");
      if (kind === "latency") latencyChart(canvas, scenario);
      else if (kind === "probe") {
        if (scenario.probe) probeChart(canvas, scenario);
      } else if (kind === "capacity") {
        if (scenario.capacity) capacityChart(canvas, scenario);
      } else throughputChart(canvas, scenario);
    } catch (err) {
      // One broken chart must not take the others down; the tables still hold every figure.
      console.error("chart failed", err);
    }
  }
})();
