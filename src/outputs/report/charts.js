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
  /** @typedef {import("./derived.js").ReportData} ReportData */
  /** @typedef {import("./derived.js").ChartTarget} ChartTarget */
  /** @typedef {import("./derived.js").Spectrum} Spectrum */
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
  // Targets and percentile spectra worked out at render time (src/outputs/report/derived.ts).
  var derivedEl = document.getElementById("report-data");
  /** @type {ReportData} */
  var derived = derivedEl ? JSON.parse(derivedEl.textContent || "null") : { scenarios: [] };
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

  // The resilience policies' and the switch's decisions (fallback taken, failed back, a switch step,
  // rolled back, promoted) as dotted violet lines with a short fixed label at the bottom, on the same
  // time charts as the fault bands. Breaker transitions are left out: a flapping breaker decides
  // hundreds of times and would hide the data; the report's table lists them. At most
  // MAX_RESILIENCE_MARKS lines; the lines drawn are kept on chart.$resilienceMarks for the browser test.
  /** @typedef {{ kind: string, t: number, label: string }} ResilienceMark */
  /** @typedef {{ kind: string, x: number }} DrawnMark */
  var MAX_RESILIENCE_MARKS = 40;
  /** @type {Record<string, string>} */
  var MARK_LABEL = {
    "fallback-started": "fallback",
    "failed-back": "failed back",
    "switch-step": "step",
    "rolled-back": "rolled back",
    promoted: "promoted",
    switched: "switched",
  };

  /**
   * @param {ScenarioResult} scenario
   * @returns {ResilienceMark[]}
   */
  function resilienceMarksOf(scenario) {
    var events = scenario.resilience?.events || [];
    /** @type {ResilienceMark[]} */
    var marks = [];
    events.forEach((e) => {
      var label = MARK_LABEL[e.kind];
      if (label !== undefined && marks.length < MAX_RESILIENCE_MARKS) marks.push({ kind: e.kind, t: e.atMs / 1000, label: label });
    });
    return marks;
  }

  /**
   * @param {ResilienceMark[]} marks
   * @returns {ChartPlugin}
   */
  function resilienceMarksPlugin(marks) {
    return {
      id: "resilienceMarks",
      afterDatasetsDraw: (chart) => {
        var x = chart.scales.x,
          area = chart.chartArea,
          ctx = chart.ctx,
          r = chart.currentDevicePixelRatio || 1;
        /** @type {DrawnMark[]} */
        var drawn = [];
        /** @type {AnyChart & { $resilienceMarks?: DrawnMark[] }} */ (chart).$resilienceMarks = drawn;
        if (!x || !area || !marks.length) return;
        var scale = x;
        ctx.save();
        ctx.font = `600 10px ${fontFamily}`;
        ctx.textBaseline = "bottom";
        marks.forEach((m, i) => {
          var px = scale.getPixelForValue(m.t);
          if (!(px >= area.left && px <= area.right)) return;
          ctx.strokeStyle = "rgba(124,58,237,0.85)";
          ctx.lineWidth = 1.5;
          ctx.setLineDash([2, 3]);
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          var w = ctx.measureText(m.label).width + 6;
          var lx = Math.min(px + 2, area.right - w);
          var ly = area.bottom - 2 - (i % 2) * 13;
          ctx.fillStyle = "rgba(255,255,255,0.85)";
          ctx.fillRect(lx, ly - 12, w, 12);
          ctx.fillStyle = "#5b21b6";
          ctx.fillText(m.label, lx + 3, ly);
          drawn.push({ kind: m.kind, x: px * r });
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
    var planned = scenario.timeline.planned || [];
    if (!scenario.probe && !scenario.faults?.length && !planned.length) return xAxis;
    var ts = scenario.timeline.points.map((p) => p.t);
    // A load shape's buckets too: the latency and throughput charts then span the same shape, so a spike lines up in both.
    planned.forEach((p) => {
      ts.push(p.t);
    });
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
    if (planned.length) {
      // No offset (a bar chart would pad its axis by half a tick, a line chart not, and the two would
      // no longer line up); the axis runs to the end of the last bucket instead.
      axis.offset = false;
      axis.max = Math.ceil((Math.max.apply(null, ts) + scenario.timeline.intervalMs) / 1000);
    }
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
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario)), resilienceMarksPlugin(resilienceMarksOf(scenario))],
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

  // Partial buckets. A bucket of the measurement window ends at the window's end, and a warm-up
  // bucket where the window opened (t = 0; the window may open later than planned, and the
  // recorder shifts the warm-up's buckets so that they end there): the last of each is usually
  // shorter than the interval, and drawn as a full interval its count reads as a fall to zero.
  // Rates are divided by each bucket's real length; a bucket shorter than the interval is drawn
  // hollow with a dashed segment into it. A bucket's start is taken as is: the first warm-up
  // bucket starts where the warm-up did when the warm-up is a whole number of intervals.
  /**
   * @param {ScenarioResult} scenario
   * @param {number} t
   * @returns {number} seconds the bucket starting at t really covered
   */
  function bucketSeconds(scenario, t) {
    var iv = scenario.timeline.intervalMs;
    var end = t + iv;
    if (t >= 0 && scenario.load) end = Math.min(end, scenario.load.measuredMs);
    else if (t < 0) end = Math.min(end, 0);
    return Math.max(0, end - t) / 1000;
  }

  /**
   * @param {ScenarioResult} scenario
   * @param {number} t
   */
  function isPartial(scenario, t) {
    return bucketSeconds(scenario, t) * 1000 < scenario.timeline.intervalMs * 0.999;
  }

  /**
   * Dashed segment into a partial bucket and a hollow point on it, for a line dataset.
   * @param {ScenarioResult} scenario
   * @param {TimelinePoint[]} pts
   * @param {string} colour
   */
  function partialStyle(scenario, pts, colour) {
    var partial = pts.map((p) => isPartial(scenario, p.t));
    return {
      segment: {
        borderDash: (/** @type {{ p1DataIndex: number }} */ ctx) => (partial[ctx.p1DataIndex] ? [3, 3] : undefined),
      },
      pointRadius: partial.map((x) => (x ? 4 : 0)),
      pointBackgroundColor: partial.map((x) => (x ? "#ffffff" : colour)),
      pointBorderColor: colour,
      pointBorderWidth: 1.5,
    };
  }

  /** @typedef {{ server: string, t: number, seconds: number, rate: number }} PartialMark */
  /** @typedef {{ sloId: string, value: number, y: number | null, drawn: "line" | "above" | "mark" }} DrawnTarget */
  /** @typedef {AnyChart & { $faultBands?: DrawnBand[], $partial?: PartialMark[], $targets?: DrawnTarget[], $clipped?: { axisMax: number, warmupMax: number } | null }} ReportChart */

  var TARGET_COLOUR = { pass: "#15803d", fail: "#dc2626", inconclusive: "#d97706" };

  // SLO targets as dashed horizontal lines, labelled with the objective. A target far above the
  // data (more than 5 times its top) is not allowed to squash the data into the bottom of the
  // chart: it is named at the top edge with an arrow instead, and the chart says so.
  /**
   * @param {ChartTarget[]} targets
   * @param {string} axisId
   * @param {number} [scale] multiply targets by this to get the axis's unit (100 for a ratio drawn in %)
   * @returns {ChartPlugin}
   */
  function targetLines(targets, axisId, scale) {
    var k = scale || 1;
    return {
      id: "targetLines",
      afterDatasetsDraw: (chart) => {
        const y = chart.scales[axisId],
          area = chart.chartArea,
          ctx = chart.ctx;
        /** @type {DrawnTarget[]} */
        var drawn = [];
        if (!y || !area) return;
        ctx.save();
        ctx.font = `600 11px ${fontFamily}`;
        ctx.textBaseline = "bottom";
        targets.forEach((t, i) => {
          var colour = TARGET_COLOUR[t.verdict];
          var value = t.value * k;
          var label = `${t.server && targets.some((o) => o.server !== t.server) ? `${t.server} ` : ""}${t.label}`;
          ctx.fillStyle = colour;
          if (value > y.max) {
            ctx.textAlign = "right";
            ctx.fillText(`↑ ${label} (above the axis)`, area.right - 4, area.top + 13 + 13 * i);
            drawn.push({ sloId: t.sloId, value: t.value, y: null, drawn: "above" });
            return;
          }
          var py = y.getPixelForValue(value);
          ctx.strokeStyle = colour;
          ctx.lineWidth = 1.5;
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(area.left, py);
          ctx.lineTo(area.right, py);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.textAlign = "right";
          ctx.fillText(label, area.right - 4, py - 2 - (i % 2) * 12);
          var r = chart.currentDevicePixelRatio || 1;
          drawn.push({ sloId: t.sloId, value: t.value, y: py * r, drawn: "line" });
        });
        ctx.restore();
        /** @type {ReportChart} */ (chart).$targets = drawn;
      },
    };
  }

  /** The next of 1, 2, 2.5, 5 times a power of ten at or above x: an axis top a reader can use. @param {number} x */
  function niceCeil(x) {
    var p = 10 ** Math.floor(Math.log10(x));
    var step = [1, 2, 2.5, 5].find((k) => x <= k * p);
    return (step || 10) * p;
  }

  /** The largest of the values, or 0. @param {(number | null)[]} values */
  function maxOf(values) {
    var m = 0;
    values.forEach((v) => {
      if (v !== null && Number.isFinite(v) && v > m) m = v;
    });
    return m;
  }

  /**
   * The latency axis: fits the measurement window's values and the targets that are not far above
   * them. Warm-up values above that are clipped, and the chart says how high they went.
   * @param {TimelinePoint[]} pts
   * @param {ChartTarget[]} targets
   * @param {(p: TimelinePoint) => (number | null)[]} valuesOf
   */
  function latencyAxis(pts, targets, valuesOf) {
    var windowMax = maxOf(pts.filter((p) => p.t >= 0).flatMap(valuesOf));
    var warmupMax = maxOf(pts.filter((p) => p.t < 0).flatMap(valuesOf));
    var top = windowMax;
    targets.forEach((t) => {
      if (t.value > top && (windowMax === 0 || t.value <= windowMax * 5)) top = t.value;
    });
    var axisMax = top > 0 ? niceCeil(top * 1.1) : 1;
    return { max: warmupMax > axisMax ? axisMax : undefined, clipped: warmupMax > axisMax ? { axisMax: axisMax, warmupMax: warmupMax } : null, top: axisMax };
  }

  /**
   * Says on the chart that the warm-up went off the top of the axis, and marks where.
   * @param {{ axisMax: number, warmupMax: number } | null} clipped
   * @returns {ChartPlugin}
   */
  function clippedNote(clipped) {
    return {
      id: "clippedNote",
      afterDatasetsDraw: (chart) => {
        /** @type {ReportChart} */ (chart).$clipped = clipped;
        var x = chart.scales.x;
        if (!clipped || !x) return;
        var area = chart.chartArea,
          ctx = chart.ctx;
        ctx.save();
        ctx.fillStyle = "#374151";
        ctx.font = `11px ${fontFamily}`;
        ctx.textBaseline = "top";
        var text = `axis clipped: warm-up reached ${clipped.warmupMax >= 100 ? clipped.warmupMax.toFixed(0) : clipped.warmupMax.toFixed(1)} ms`;
        var w = ctx.measureText(text).width + 8;
        ctx.fillStyle = "rgba(255,255,255,0.9)";
        ctx.fillRect(area.left + 2, area.top + 18, w, 15);
        ctx.fillStyle = "#374151";
        ctx.fillText(text, area.left + 6, area.top + 20);
        // A notch on the top edge over the warm-up.
        var right = Math.min(x.getPixelForValue(0), area.right);
        ctx.strokeStyle = "#374151";
        ctx.lineWidth = 2;
        ctx.setLineDash([2, 2]);
        ctx.beginPath();
        ctx.moveTo(area.left, area.top + 1);
        ctx.lineTo(right, area.top + 1);
        ctx.stroke();
        ctx.restore();
      },
    };
  }

  /**
   * Latency targets a chart of `server` (or of every server) shows, for the given statistics.
   * @param {number} si
   * @param {string | null} server
   * @param {string[]} metrics
   * @returns {ChartTarget[]}
   */
  function targetsFor(si, server, metrics) {
    var d = derived.scenarios[si];
    if (!d) return [];
    return d.targets.filter((t) => metrics.indexOf(t.metric) >= 0 && (server === null || t.server === undefined || t.server === server));
  }

  // The planned load shape (scenario load.stages): one line per chart, the target's mean per bucket,
  // placed as the buckets' calls are (at the bucket's start). It is the scenario's total (all
  // servers' arrivals, or its agents), so it shares the ok calls/s axis only where that reads as one
  // number: arrivals/s of a one-server scenario. Elsewhere it has its own axis on the right.
  var PLAN_COLOUR = "#6b7280";

  /**
   * @param {ScenarioResult} scenario
   * @param {boolean} mayShare the chart's main axis counts calls per second
   * @returns {{ dataset: import("chart.js").ChartDataset<"line", XY[]>, axis: LinearAxis | null } | null}
   */
  function plannedSeries(scenario, mayShare) {
    var planned = scenario.timeline.planned;
    var shape = scenario.load?.shape;
    if (!planned?.length || !shape) return null;
    var shared = mayShare && shape.unit === "arrivals/s" && serverNames(scenario).length === 1;
    var title = shape.unit === "agents" ? "agents (planned)" : "arrivals/s (planned)";
    return {
      dataset: {
        label: shape.unit === "agents" ? "planned agents" : "planned arrivals/s",
        yAxisID: shared ? "y" : "yPlan",
        borderColor: PLAN_COLOUR,
        backgroundColor: alpha(PLAN_COLOUR, 0.08),
        borderWidth: 1.5,
        borderDash: [2, 3],
        pointRadius: 0,
        fill: shared ? false : "origin",
        order: 0,
        data: planned
          .slice()
          .sort((a, b) => a.t - b.t)
          .map((p) => ({ x: p.t / 1000, y: p.target })),
      },
      axis: shared ? null : { type: "linear", beginAtZero: true, position: "right", title: { display: true, text: title }, grid: { drawOnChartArea: false } },
    };
  }

  /**
   * A chart's scales, with the planned shape's own axis when it has one.
   * @param {Record<string, LinearAxis>} scales
   * @param {{ axis: LinearAxis | null } | null} plan
   * @returns {Record<string, LinearAxis>}
   */
  function withPlanAxis(scales, plan) {
    if (plan?.axis) scales.yPlan = plan.axis;
    return scales;
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   * @param {number} si
   * @param {string | null} only one server's chart, or null for all of the scenario's
   */
  function latencyChart(canvas, scenario, si, only) {
    /** @type {import("chart.js").ChartDataset<"line", XY[]>[]} */
    var datasets = [];
    var names = only === null ? serverNames(scenario) : [only];
    /** @type {TimelinePoint[]} */
    var all = [];
    names.forEach((name) => {
      var i = serverNames(scenario).indexOf(name);
      var colour = palette[i % palette.length] || "#000000";
      var pts = pointsOf(scenario, name);
      all = all.concat(pts);
      datasets.push(
        Object.assign(
          {
            label: `${only === null ? `${name} ` : ""}p50`,
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            data: pts.map((p) => ({ x: p.t / 1000, y: p.p50 })),
          },
          partialStyle(scenario, pts, colour),
        ),
      );
      datasets.push(
        Object.assign(
          {
            label: `${only === null ? `${name} ` : ""}p99`,
            borderColor: alpha(colour, 0.75),
            backgroundColor: alpha(colour, 0.75),
            borderWidth: 1.5,
            borderDash: [5, 4],
            data: pts.map((p) => ({ x: p.t / 1000, y: p.p99 })),
          },
          partialStyle(scenario, pts, alpha(colour, 0.75)),
        ),
      );
    });
    var targets = targetsFor(si, only, ["latency.p50", "latency.p99"]);
    var axis = latencyAxis(all, targets, (p) => [p.p50, p.p99]);
    var plan = plannedSeries(scenario, false);
    if (plan) datasets.push(plan.dataset);
    var delay = harnessDelaySeries(scenario);
    if (delay) datasets.push(delay);
    /** @type {import("chart.js").ChartConfiguration<"line", XY[]>} */
    var config = {
      type: "line",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        spanGaps: false,
        elements: { point: { hitRadius: 6 } },
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: withPlanAxis(
          {
            x: xAxisFor(scenario),
            y: { beginAtZero: true, max: axis.max, suggestedMax: axis.top, title: { display: true, text: "ms" }, grid: { color: "#f0f0f0" } },
          },
          plan,
        ),
        plugins: { legend: { labels: { boxWidth: 14, boxHeight: 2 } } },
      },
      plugins: [
        warmupShade,
        faultBandsPlugin(faultBandsOf(scenario)),
        resilienceMarksPlugin(resilienceMarksOf(scenario)),
        targetLines(targets, "y"),
        clippedNote(axis.clipped),
      ],
    };
    return new Chart(canvas, config);
  }

  // The harness's own event-loop delay p99 per bucket (timeline.harnessDelay): how much too long a
  // latency sample of that bucket can be. On the latency chart, in ms, so a latency bump the harness
  // could account for lines up with it.
  var DELAY_COLOUR = "#111827";

  /**
   * @param {ScenarioResult} scenario
   * @returns {import("chart.js").ChartDataset<"line", XY[]> | null}
   */
  function harnessDelaySeries(scenario) {
    var delay = scenario.timeline.harnessDelay;
    if (!delay?.length) return null;
    return {
      label: "harness loop delay p99",
      borderColor: DELAY_COLOUR,
      backgroundColor: DELAY_COLOUR,
      borderWidth: 1,
      borderDash: [1, 2],
      pointRadius: 0,
      order: 0,
      data: delay
        .slice()
        .sort((a, b) => a.t - b.t)
        .map((p) => ({ x: p.t / 1000, y: p.p99 })),
    };
  }

  /**
   * Ok calls per second (and errors per second) of the given servers, each bucket divided by its real length.
   * @param {ScenarioResult} scenario
   * @param {TimelinePoint[]} pts
   * @param {string} server
   * @param {PartialMark[]} marks
   */
  function rates(scenario, pts, server, marks) {
    return pts.map((p) => {
      var seconds = bucketSeconds(scenario, p.t);
      var rate = seconds > 0 ? p.ok / seconds : null;
      if (isPartial(scenario, p.t) && rate !== null) marks.push({ server: server, t: p.t, seconds: seconds, rate: rate });
      return { ok: { x: p.t / 1000, y: rate }, errors: { x: p.t / 1000, y: seconds > 0 ? (p.error + p.timeout) / seconds : null } };
    });
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   * @param {number} si
   * @param {string | null} only
   */
  function throughputChart(canvas, scenario, si, only) {
    /** @type {import("chart.js").ChartDatasetCustomTypesPerDataset<"line" | "bar", XY[]>[]} */
    var datasets = [];
    /** @type {PartialMark[]} */
    var marks = [];
    var names = only === null ? serverNames(scenario) : [only];
    names.forEach((name) => {
      var i = serverNames(scenario).indexOf(name);
      var colour = palette[i % palette.length] || "#000000";
      var pts = pointsOf(scenario, name);
      var r = rates(scenario, pts, name, marks);
      datasets.push(
        Object.assign(
          {
            type: /** @type {const} */ ("line"),
            label: `${only === null ? `${name} ` : ""}ok/s`,
            yAxisID: "y",
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            order: 1,
            data: r.map((x) => x.ok),
          },
          partialStyle(scenario, pts, colour),
        ),
      );
      datasets.push({
        type: "bar",
        label: `${only === null ? `${name} ` : ""}errors/s`,
        yAxisID: "y1",
        backgroundColor: pts.map((p) => alpha(colour, isPartial(scenario, p.t) ? 0.2 : 0.45)),
        borderColor: colour,
        borderWidth: 0,
        order: 2,
        barPercentage: 1,
        categoryPercentage: 1,
        data: r.map((x) => x.errors),
      });
    });
    var plan = plannedSeries(scenario, true);
    if (plan) datasets.push(Object.assign({ type: /** @type {const} */ ("line") }, plan.dataset));
    // A scenario-wide throughput target is a total: it is drawn only where the chart shows one server's line and that server is the scenario's only one.
    var targets = targetsFor(si, only, ["throughput"]).filter((t) => t.server !== undefined || serverNames(scenario).length === 1);
    /** @type {import("chart.js").ChartConfigurationCustomTypesPerDataset<"line" | "bar", XY[]>} */
    var config = {
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: withPlanAxis(
          {
            x: xAxisFor(scenario),
            y: { beginAtZero: true, position: "left", title: { display: true, text: "ok calls / s" }, grid: { color: "#f0f0f0" } },
            y1: {
              beginAtZero: true,
              position: "right",
              title: { display: true, text: "errors + timeouts / s" },
              grid: { drawOnChartArea: false },
            },
          },
          plan,
        ),
        plugins: { legend: { labels: { boxWidth: 14 } } },
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario)), resilienceMarksPlugin(resilienceMarksOf(scenario)), targetLines(targets, "y")],
    };
    var chart = /** @type {ReportChart} */ (new Chart(canvas, config));
    chart.$partial = marks;
    return chart;
  }

  // Percentile spectrum (the HDR plot): x is 1 / (1 - percentile) on a log axis, so the tail gets
  // the room it deserves; a latency SLO is a mark at its percentile, not a line across.
  var SPECTRUM_TICKS = { 1: "p0", 2: "p50", 10: "p90", 100: "p99", 1000: "p99.9", 10000: "p99.99", 100000: "p99.999" };
  var QUANTILE_X = { p50: 2, p95: 20, p99: 100, p99_9: 1000 };

  /**
   * @param {ChartTarget[]} targets
   * @returns {ChartPlugin}
   */
  function spectrumMarks(targets) {
    return {
      id: "spectrumMarks",
      afterDatasetsDraw: (chart) => {
        const x = chart.scales.x,
          y = chart.scales.y,
          area = chart.chartArea,
          ctx = chart.ctx;
        /** @type {DrawnTarget[]} */
        var drawn = [];
        if (!x || !y) return;
        ctx.save();
        ctx.font = `600 11px ${fontFamily}`;
        /** @type {Record<string, number>} */
        var atX = {};
        targets.forEach((t) => {
          var stat = /** @type {keyof typeof QUANTILE_X} */ (t.metric.split(".")[1] || "");
          var qx = QUANTILE_X[stat];
          if (!qx) return;
          var px = x.getPixelForValue(qx);
          if (px < area.left || px > area.right) return;
          var colour = TARGET_COLOUR[t.verdict];
          var above = t.value > y.max;
          var py = above ? area.top + 4 : y.getPixelForValue(t.value);
          ctx.strokeStyle = colour;
          ctx.fillStyle = colour;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(px - 9, py);
          ctx.lineTo(px + 9, py);
          ctx.stroke();
          ctx.textAlign = "left";
          ctx.textBaseline = "bottom";
          // Two targets at one percentile (p99 < 25 ms and p99 <= 50 ms) get their labels one above the other.
          var nth = atX[stat] || 0;
          atX[stat] = nth + 1;
          ctx.fillText(`${above ? "↑ " : ""}${t.label}`, Math.min(px + 11, area.right - 90), Math.max(area.top + 12, py - 2 - nth * 13));
          var r = chart.currentDevicePixelRatio || 1;
          drawn.push({ sloId: t.sloId, value: t.value, y: above ? null : py * r, drawn: above ? "above" : "mark" });
        });
        ctx.restore();
        /** @type {ReportChart} */ (chart).$targets = drawn;
      },
    };
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {Spectrum[]} spectra
   * @param {ChartTarget[]} targets
   * @param {string[]} colours one per spectrum
   */
  function spectrumChart(canvas, spectra, targets, colours) {
    if (spectra.length === 0) return null;
    var top = maxOf(spectra.flatMap((s) => s.points.map((p) => p.ms)));
    targets.forEach((t) => {
      if (t.value > top && t.value <= top * 5) top = t.value;
    });
    /** @type {import("chart.js").ChartConfiguration<"line", XY[]>} */
    var config = {
      type: "line",
      data: {
        datasets: spectra.map((s, i) => {
          var colour = colours[i] || "#000000";
          return {
            label: spectra.length > 1 ? s.name : `${s.name} (${s.count.toLocaleString("en-US")} calls)`,
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            pointRadius: 0,
            data: s.points.map((p) => ({ x: p.x, y: p.ms })),
          };
        }),
      },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: {
            type: "logarithmic",
            min: 1,
            title: { display: true, text: "percentile" },
            grid: { color: "#f0f0f0" },
            ticks: {
              autoSkip: false,
              maxRotation: 0,
              callback: (v) => /** @type {Record<string, string>} */ (SPECTRUM_TICKS)[String(v)] || "",
            },
          },
          y: { beginAtZero: true, suggestedMax: top * 1.1, title: { display: true, text: "ms" }, grid: { color: "#f0f0f0" } },
        },
        plugins: {
          legend: { display: spectra.length > 1 || spectra.length === 1, labels: { boxWidth: 14, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              label: (c) => {
                var x = c.parsed.x || 1;
                var pct = 100 * (1 - 1 / x);
                return `${c.dataset.label}: p${pct >= 99.99 ? pct.toFixed(3) : pct.toFixed(1)} ${(c.parsed.y ?? 0).toFixed(2)} ms`;
              },
            },
          },
        },
      },
      plugins: [spectrumMarks(targets)],
    };
    return new Chart(canvas, config);
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   * @param {number} si
   */
  function cacheChart(canvas, scenario, si) {
    var k = scenario.cache;
    if (!k) return null;
    var targets = targetsFor(si, null, ["cache_hit_ratio"]);
    // Hit ratios near 100 % differ by a point or two: from zero the bars would look equal to the
    // target. The axis starts below the lowest of them by at least as much again, and says so.
    var lowest = 100;
    [k.client.ratio, k.redisInfo.ratio].concat(targets.map((t) => t.value)).forEach((v) => {
      if (v !== null && v * 100 < lowest) lowest = v * 100;
    });
    var floor = Math.max(0, Math.floor(lowest - Math.max(2, 100 - lowest)));
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: ["client", "Redis INFO"],
        datasets: [
          {
            label: "hit ratio %",
            data: [k.client.ratio === null ? null : k.client.ratio * 100, k.redisInfo.ratio === null ? null : k.redisInfo.ratio * 100],
            backgroundColor: [palette[0] || "#000000", palette[5] || "#000000"],
            barPercentage: 0.6,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: "x",
        scales: {
          y: {
            min: floor,
            max: 100,
            title: { display: true, text: floor > 0 ? `hit ratio % (axis from ${floor} %)` : "hit ratio %" },
            grid: { color: "#f0f0f0" },
          },
        },
        plugins: { legend: { display: false } },
      },
      plugins: [targetLines(targets, "y", 100)],
    });
  }

  /**
   * Ok calls per second of all servers summed, with the fault windows: whether calls kept flowing
   * through the faults (the key chart of a fault scenario).
   * @param {HTMLCanvasElement} canvas
   * @param {ScenarioResult} scenario
   */
  function faultsTotalChart(canvas, scenario) {
    /** @type {Record<string, TimelinePoint>} */
    var sums = {};
    scenario.timeline.points.forEach((p) => {
      var s = sums[p.t] || { t: p.t, server: "all", ok: 0, error: 0, timeout: 0, p50: null, p99: null };
      s.ok += p.ok;
      s.error += p.error;
      s.timeout += p.timeout;
      sums[p.t] = s;
    });
    var pts = Object.keys(sums)
      .map((key) => /** @type {TimelinePoint} */ (sums[key]))
      .sort((a, b) => a.t - b.t);
    /** @type {PartialMark[]} */
    var marks = [];
    var r = rates(scenario, pts, "all", marks);
    var colour = palette[0] || "#000000";
    var chart = /** @type {ReportChart} */ (
      new Chart(canvas, {
        type: "line",
        data: {
          datasets: [
            Object.assign(
              { label: "ok calls/s, all servers", borderColor: colour, backgroundColor: colour, borderWidth: 2, data: r.map((x) => x.ok) },
              partialStyle(scenario, pts, colour),
            ),
          ],
        },
        options: {
          maintainAspectRatio: false,
          parsing: false,
          scales: { x: xAxisFor(scenario), y: { beginAtZero: true, title: { display: true, text: "ok calls / s" }, grid: { color: "#f0f0f0" } } },
          plugins: { legend: { display: false } },
        },
        plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario)), resilienceMarksPlugin(resilienceMarksOf(scenario))],
      })
    );
    chart.$partial = marks;
    return chart;
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
    const si = Number(canvas.getAttribute("data-scenario"));
    const scenario = run.scenarios[si];
    const d = derived.scenarios[si];
    if (!scenario) continue;
    try {
      const kind = canvas.getAttribute("data-chart");
      const only = canvas.getAttribute("data-server");
      if (kind === "latency") latencyChart(canvas, scenario, si, only);
      else if (kind === "throughput") throughputChart(canvas, scenario, si, only);
      else if (kind === "probe") {
        if (scenario.probe) probeChart(canvas, scenario);
      } else if (kind === "capacity") {
        if (scenario.capacity) capacityChart(canvas, scenario);
      } else if (kind === "faults") faultsTotalChart(canvas, scenario);
      else if (kind === "spectrum" && d) {
        const spectra = d.spectra.filter((x) => only === null || x.name === only);
        const names = serverNames(scenario);
        spectrumChart(
          canvas,
          spectra,
          targetsFor(si, only, ["latency.p50", "latency.p95", "latency.p99", "latency.p99_9"]).filter(
            (t) => only !== null || t.server === undefined || d.spectra.length === 1,
          ),
          spectra.map((x) => palette[Math.max(0, names.indexOf(x.name)) % palette.length] || "#000000"),
        );
      } else if (kind === "coordination" && d && d.coordinationSpectrum) {
        spectrumChart(
          canvas,
          [d.coordinationSpectrum],
          targetsFor(si, null, ["coordination_latency.p50", "coordination_latency.p95", "coordination_latency.p99", "coordination_latency.p99_9"]),
          [palette[0] || "#000000"],
        );
      } else if (kind === "cache") cacheChart(canvas, scenario, si);
    } catch (err) {
      // One broken chart must not take the others down; the tables still hold every figure.
      console.error("chart failed", err);
    }
  }
})();
