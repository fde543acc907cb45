/**
 * report.html of scenarios with a load shape (scenario `load.stages`), in a real Chromium, offline:
 * the planned shape is drawn beside the ok calls/s (on their axis where it counts the same thing,
 * arrivals/s of a one-server scenario; on an axis of its own for agents) and behind the latency, and
 * the two time charts share one x axis, so a spike lines up in both.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { plannedPerBucket, type LoadShape } from "../contracts/load-shape.js";
import type { LoadShapeSummary, RunRecord, ScenarioResult, TimelinePoint } from "../results/types.js";
import { CHROMIUM, chromiumMissing, launchOfflineBrowser, openPage } from "../testing/offline-browser.js";
import { renderHtmlReport } from "./html-report.js";

const SPIKE: LoadShape = {
  start: 20,
  stages: [
    { durationMs: 10_000, target: 20 },
    { durationMs: 1_000, target: 100 },
    { durationMs: 10_000, target: 100 },
    { durationMs: 1_000, target: 20 },
    { durationMs: 10_000, target: 20 },
  ],
};
const RAMP: LoadShape = {
  start: 1,
  stages: [
    { durationMs: 16_000, target: 8 },
    { durationMs: 16_000, target: 8 },
  ],
};
const WINDOW_MS = 32_000;

/** One-server scenario of the sample run, reshaped: the calls follow the plan, the latency rises with the load. */
function shaped(base: ScenarioResult, model: "open" | "closed", shape: LoadShape, unit: LoadShapeSummary["unit"]): ScenarioResult {
  const server = base.servers[0]!.name;
  const planned = plannedPerBucket(shape, model, 1000, WINDOW_MS, [-2000, -1000]);
  const points: TimelinePoint[] = planned.map((p) => ({
    t: p.t,
    server,
    ok: Math.round(p.target * (model === "open" ? 1 : 50)),
    error: 0,
    timeout: 0,
    p50: 1 + p.target / 40,
    p99: 3 + p.target / 10,
  }));
  return {
    ...base,
    name: `${base.name}-${model}-shape`,
    servers: [base.servers[0]!],
    latency: base.latency.filter((l) => l.server === server),
    errors: [],
    slos: base.slos.filter((x) => x.scope.server === undefined || x.scope.server === server),
    coordination: undefined,
    cache: undefined,
    load: {
      ...base.load!,
      model,
      shape: { unit, start: shape.start, stages: shape.stages.map((x) => ({ ...x })) },
      durationMs: WINDOW_MS,
      measuredMs: WINDOW_MS,
    },
    timeline: { intervalMs: 1000, points, planned },
  };
}

interface Seen {
  scenario: number;
  kind: string;
  key: boolean;
  plan: { axis: string; data: { x: number; y: number | null }[] } | null;
  x: { min: number; max: number } | null;
  at10: number | null;
  painted: number;
}

describe("report.html of a load shape in Chromium", () => {
  if (chromiumMissing) {
    it.skip(`draws the planned shape (skipped: no ${CHROMIUM})`, () => {});
    return;
  }
  let run: RunRecord;
  let dir = "";
  let url = "";
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    const sample = sampleRunRecord();
    const base = sample.scenarios[0]!;
    run = { ...sample, scenarios: [shaped(base, "open", SPIKE, "arrivals/s"), shaped(base, "closed", RAMP, "agents")] };
    dir = mkdtempSync(join(tmpdir(), "mcp-slo-report-shape-"));
    writeFileSync(join(dir, "report.html"), await renderHtmlReport(run));
    url = pathToFileURL(join(dir, "report.html")).href;
    ({ browser, context } = await launchOfflineBrowser());
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("draws the plan beside the ok calls/s and behind the latency, on one time axis", async () => {
    const { page, observed } = await openPage(context!, url);
    try {
      const seen: Seen[] = await page.evaluate(() => {
        interface Drawn {
          data: { datasets: { label?: string; yAxisID?: string; data: { x: number; y: number | null }[] }[] };
          scales: Record<string, { min: number; max: number; getPixelForValue(v: number): number } | undefined>;
          chartArea: { left: number; right: number };
        }
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): Drawn | undefined } }).Chart;
        return Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas[data-chart]")).map((canvas) => {
          const chart = Chart.getChart(canvas);
          const plan = chart?.data.datasets.find((d) => /^planned /.test(d.label ?? ""));
          const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          if (pixels) for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
          const x = chart?.scales.x;
          // Where 10 s falls across the plot area, 0..1: the same in charts that share the time axis.
          const at10 = x && chart ? (x.getPixelForValue(10) - chart.chartArea.left) / (chart.chartArea.right - chart.chartArea.left) : null;
          return {
            scenario: Number(canvas.dataset.scenario),
            kind: canvas.dataset.chart ?? "",
            key: canvas.dataset.key === "true",
            plan: plan ? { axis: plan.yAxisID ?? "", data: plan.data } : null,
            x: x ? { min: x.min, max: x.max } : null,
            at10,
            painted,
          };
        });
      });
      for (const [si, s] of run.scenarios.entries()) {
        const own = seen.filter((c) => c.scenario === si && !c.key);
        const throughput = own.find((c) => c.kind === "throughput")!;
        const latency = own.find((c) => c.kind === "latency")!;
        const want = s.timeline.planned!.map((p) => ({ x: p.t / 1000, y: p.target }));
        expect(throughput.plan?.data, s.name).toEqual(want);
        expect(latency.plan?.data, s.name).toEqual(want);
        // arrivals/s of a one-server scenario read on the ok calls/s axis; agents on their own.
        expect(throughput.plan?.axis, s.name).toBe(s.load!.shape!.unit === "arrivals/s" ? "y" : "yPlan");
        expect(latency.plan?.axis, s.name).toBe("yPlan");
        // One time axis: the spike sits at the same x in both.
        expect(latency.x, s.name).toEqual(throughput.x);
        expect(latency.at10, s.name).not.toBeNull();
        expect(Math.abs(latency.at10! - throughput.at10!), `${s.name}: 10 s at ${latency.at10} and ${throughput.at10} of the plot`).toBeLessThan(0.002);
        expect(throughput.x?.min).toBeLessThanOrEqual(-2);
        expect(throughput.x?.max).toBe(32);
        expect(throughput.painted).toBeGreaterThan(1000);
        // The key chart of a shaped scenario is its calls against the shape.
        const key = seen.find((c) => c.scenario === si && c.key);
        expect(key?.kind, s.name).toBe("throughput");
        expect(key?.plan, s.name).not.toBeNull();
      }
      const text = (await page.locator("body").textContent()) ?? "";
      expect(text).toContain("open, shaped: arrivals/s: 20 at the start, then 20 over 10s, 100 over 1s, 100 over 10s, 20 over 1s, 20 over 10s");
      expect(text).toContain("closed, shaped: agents: 1 at the start, then 8 over 16s, 8 over 16s");
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
