/**
 * Opens the HTML report from disk in a real Chromium, offline, the way a
 * reader would: no console errors, no request leaves the file, the verdict is
 * visible, the scorecard is complete and every chart actually drew.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM, chromiumMissing, launchOfflineBrowser, type Observed, openPage } from "../testing/offline-browser.js";
import { readRunRecord } from "../results/read-record.js";
import type { RunRecord } from "../results/types.js";
import { afterAll, beforeAll, describe, it, expect } from "vitest";
import { compareRuns } from "../compare/compare.js";
import { everySectionRunRecord, HOSTILE, sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { resilienceRunRecord } from "../../test/support/resilience-records.js";
import { securityRunRecord } from "../../test/support/security-records.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJunit } from "./junit.js";

/**
 * Set MCP_SLO_REPORT_SCREENSHOT=<file.png> to keep a full-page screenshot for a person to look at;
 * otherwise the test leaves nothing behind.
 */
const SCREENSHOT_PATH = process.env.MCP_SLO_REPORT_SCREENSHOT;

describe("HTML report in Chromium, opened from disk", () => {
  if (chromiumMissing) {
    if (process.env.CI === "true") {
      it("needs Chromium", () => {
        throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) so the report can be checked in a real browser`);
      });
    } else {
      console.warn(
        `\n!!! SKIPPING the real-browser test of report.html: ${CHROMIUM} is not installed (apt-get install chromium). Under CI=true this fails instead.\n`,
      );
      it.skip("renders offline in Chromium (skipped: no /usr/bin/chromium)", () => {});
    }
    return;
  }

  const run = sampleRunRecord();
  const sloCount = run.scenarios.reduce((n, s) => n + s.slos.length, 0);
  let dir = "";
  let reportUrl = "";
  /** The same report without its Content-Security-Policy, to prove the markup itself asks for nothing (not just that the CSP blocks it). */
  let noCspUrl = "";
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let externalRequests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-slo-report-"));
    const file = join(dir, "report.html");
    const html = await renderHtmlReport(run);
    writeFileSync(file, html);
    reportUrl = pathToFileURL(file).href;
    const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "");
    expect(withoutCsp).not.toBe(html);
    writeFileSync(join(dir, "report-no-csp.html"), withoutCsp);
    noCspUrl = pathToFileURL(join(dir, "report-no-csp.html")).href;
    // Every request that is not the file itself is counted and refused: the report must need none.
    ({ browser, context, blocked: externalRequests } = await launchOfflineBrowser());
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads with no console error and no request beyond the file, with or without its CSP", async () => {
    for (const url of [reportUrl, noCspUrl]) {
      const { page, observed } = await openPage(context!, url);
      await page.close();
      expect(observed.consoleErrors, url).toEqual([]);
      expect(observed.pageErrors, url).toEqual([]);
      expect(observed.failedRequests, url).toEqual([]);
      expect(observed.externalRequests, url).toEqual([]);
    }
    expect(externalRequests).toEqual([]);
  });

  it("shows the verdict, a scorecard row per SLO and draws every chart; screenshot for a human", async () => {
    const { page, observed } = await openPage(context!, reportUrl);
    try {
      const banner = page.locator("#verdict");
      await expect(banner.isVisible()).resolves.toBe(true);
      const bannerText = await banner.innerText();
      expect(bannerText).toMatch(/fail/i);
      expect(bannerText).toContain("5 of 9 SLOs met, 3 failed, 1 inconclusive.");
      const bannerColour = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bannerColour).toBe("rgb(185, 28, 28)");

      await expect(page.locator("table.scorecard tbody tr.slo-row").count()).resolves.toBe(sloCount);
      await expect(page.locator("table.scorecard tbody tr.slo-row.stand-in").count()).resolves.toBe(2);

      // The error message with markup in it is shown as text, not run.
      const message = await page.locator("td.message code", { hasText: "alert" }).innerText();
      expect(message).toContain('<script>alert("x")</script>');

      const charts = await page.evaluate(() => {
        const Chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): { data: { datasets: unknown[] } } | undefined } }).Chart;
        return Array.from(document.querySelectorAll("canvas")).map((canvas) => {
          const chart = Chart?.getChart(canvas);
          const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          if (pixels) for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
          return { kind: canvas.dataset.chart, key: canvas.dataset.key === "true", datasets: chart?.data.datasets.length ?? 0, painted, width: canvas.width };
        });
      });
      // Each scenario's key chart at the top; latency, throughput and distribution per scenario; coordination and
      // cache where measured; the probe chart of the fault scenario (html-report.test.ts names them all).
      expect(charts).toHaveLength(15);
      expect(charts.filter((c) => c.kind === "probe")).toHaveLength(1);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        // Two datasets (p50 and p99, or ok/s and errors) per server, two servers per scenario; one line per server in a distribution.
        if (!c.key && (c.kind === "latency" || c.kind === "throughput")) expect(c.datasets).toBe(4);
        else if (!c.key && c.kind === "spectrum") expect(c.datasets).toBe(2);
        else expect(c.datasets).toBeGreaterThan(0);
        expect(c.painted).toBeGreaterThan(1000);
      }

      if (SCREENSHOT_PATH) await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
    expect(externalRequests).toEqual([]);
  });

  it("shades each fault window on the fault scenario's charts, and only there", async () => {
    const { page, observed } = await openPage(context!, reportUrl);
    try {
      const drawn = await page.evaluate(() => {
        interface Band {
          id: string;
          left: number;
          right: number;
          top: number;
          bottom: number;
        }
        interface ChartLike {
          $faultBands?: Band[];
          chartArea: { left: number; right: number; top: number; bottom: number };
          currentDevicePixelRatio: number;
          scales: { x: { getPixelForValue(v: number): number } };
        }
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
        /** Share of pixels with any paint in columns [x0, x1) between rows y0 and y1 (canvas pixels). */
        function painted(ctx: CanvasRenderingContext2D, x0: number, x1: number, y0: number, y1: number): number {
          const data = ctx.getImageData(Math.round(x0), Math.round(y0), Math.max(1, Math.round(x1 - x0)), Math.round(y1 - y0)).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
          return n / (data.length / 4);
        }
        return Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas[data-chart]")).map((canvas) => {
          const chart = Chart.getChart(canvas);
          if (!chart) throw new Error(`no chart drawn on canvas ${canvas.dataset.scenario}:${canvas.dataset.chart}`);
          const ctx = canvas.getContext("2d")!;
          const r = chart.currentDevicePixelRatio;
          const bands = (chart.$faultBands ?? []).map((b) => {
            // Below the labels, a few columns in the middle of the band.
            const mid = (b.left + b.right) / 2;
            return { ...b, inside: painted(ctx, mid - 1, mid + 2, b.top + 40 * r, b.bottom - 2 * r) };
          });
          // Between the two faults (t = 35 s) nothing is shaded.
          const gap = chart.scales.x.getPixelForValue(35) * r;
          const top = chart.chartArea.top * r;
          const bottom = chart.chartArea.bottom * r;
          return {
            scenario: canvas.dataset.scenario,
            kind: canvas.dataset.chart,
            areaRight: chart.chartArea.right * r,
            bands,
            outside: bands.length > 0 ? painted(ctx, gap - 1, gap + 2, top + 40 * r, bottom - 2 * r) : null,
          };
        });
      });
      const withBands = drawn.filter((c) => c.bands.length > 0);
      // The fault scenario's key chart (calls of all servers through the faults) too.
      expect(withBands.map((c) => `${c.scenario}:${c.kind}`).sort()).toEqual(["2:faults", "2:latency", "2:probe", "2:throughput"]);
      for (const c of withBands) {
        // redis-kill is healed at 25 s; redis-mcp-kill never is, so its band runs to the right edge. The skipped fault has none.
        expect(
          c.bands.map((b) => b.id),
          c.kind,
        ).toEqual(["redis-kill", "redis-mcp-kill"]);
        const [healed, open] = c.bands;
        expect(healed!.right).toBeLessThan(open!.left);
        expect(open!.right).toBeCloseTo(c.areaRight, 0);
        for (const b of c.bands) {
          expect(b.right - b.left, `${c.kind} ${b.id}`).toBeGreaterThan(10);
          // Inside a band every pixel is tinted; outside only the odd line or grid line is.
          expect(b.inside, `${c.kind} ${b.id} inside`).toBeGreaterThan(0.95);
        }
        expect(c.outside!, `${c.kind} outside`).toBeLessThan(0.5);
      }
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows the recovery matrix before the scorecard, and the RTO, RPO and steady-state details as text", async () => {
    const { page } = await openPage(context!, reportUrl);
    try {
      const matrixTop = await page.locator("#recovery-matrix").evaluate((el) => el.getBoundingClientRect().top);
      const scorecardTop = await page.locator("#scorecard").evaluate((el) => el.getBoundingClientRect().top);
      expect(matrixTop).toBeLessThan(scorecardTop);
      const matrixRow = await page.locator("#recovery-matrix tr.matrix-row").innerText();
      expect(matrixRow).toContain("redis.persistence=none");
      expect(matrixRow).toContain("did not recover within 45 s");
      expect(matrixRow).toContain("19.9 s");
      expect(matrixRow).toContain("no loss");

      const scenario = page.locator("#scenario-2");
      await expect(scenario.locator("h2 .variant").innerText()).resolves.toBe("redis.persistence=none");
      await expect(scenario.locator("tr.fault-row").count()).resolves.toBe(3);
      const notRecovered = scenario.locator('tr.fault-row[data-fault="redis-mcp-kill"] .not-recovered');
      await expect(notRecovered.innerText()).resolves.toBe("did not recover within 45 s");
      expect(await notRecovered.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(185, 28, 28)");
      // An observation carrying markup is shown as text.
      await expect(scenario.locator(".observations b").count()).resolves.toBe(0);
      await expect(scenario.locator(".observations li", { hasText: "EPIPE" }).innerText()).resolves.toBe("stderr of redis#0: <b>Error</b>: write EPIPE");
      await expect(scenario.locator("tr.rpo-row").count()).resolves.toBe(2);
      await expect(scenario.locator("tr.rpo-row.lost").count()).resolves.toBe(1);
      const steady = await scenario.locator(".steady .badge").allInnerTexts();
      expect(steady.map((t) => t.toLowerCase())).toEqual(["before: met", "during: met", "after: not met"]);
    } finally {
      await page.close();
    }
  });

  it("runs nothing that came from the record: markup in every text shows as text, and the charts still draw", async () => {
    const file = join(dir, "hostile.html");
    writeFileSync(file, await renderHtmlReport(withHostileText(everySectionRunRecord())));
    const { page, observed } = await openPage(context!, pathToFileURL(file).href);
    try {
      await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).resolves.toBeNull();
      await expect(page.locator("main img").count()).resolves.toBe(0);
      await expect(page.locator("body script").count()).resolves.toBe(5);
      await expect(page.locator("#verdict dd", { hasText: "ci-runner-3" }).innerText()).resolves.toBe(`ci-runner-3${HOSTILE}`);
      const charts = await page.evaluate(() => {
        const Chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart;
        return Array.from(document.querySelectorAll("canvas")).filter((c) => Chart?.getChart(c) !== undefined).length;
      });
      expect(charts).toBe(await page.locator("canvas").count());
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows a run's comparison with its baseline: regressions first, the rest folded, markup as text", async () => {
    const baseline = everySectionRunRecord();
    const candidate = { ...structuredClone(baseline), runId: "candidate" };
    const comparison = compareRuns(baseline, candidate, { baselineRef: { ref: `main~1${HOSTILE}`, location: "x" } });
    const first = comparison.metrics[0]!;
    comparison.metrics[0] = { ...first, verdict: "regressed", title: `p50 ${HOSTILE}` };
    const file = join(dir, "compared.html");
    writeFileSync(file, await renderHtmlReport({ ...candidate, comparison }));
    const { page, observed } = await openPage(context!, pathToFileURL(file).href);
    try {
      const section = page.locator("#comparison");
      await expect(section.locator("h2").innerText()).resolves.toBe(`Compared with main~1${HOSTILE}`);
      await expect(section.locator("table").first().locator("tbody tr").first().getAttribute("data-verdict")).resolves.toBe("regressed");
      await expect(section.locator("details summary").innerText()).resolves.toMatch(/more: \d+ inconclusive, \d+ unchanged/);
      await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).resolves.toBeNull();
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("marks the resilience decisions on the time charts: inside the fault for the fallback, after the heal for the fail-back", async () => {
    const file = join(dir, "resilience.html");
    writeFileSync(file, await renderHtmlReport(resilienceRunRecord()));
    const { page, observed } = await openPage(context!, pathToFileURL(file).href);
    try {
      const drawn = await page.evaluate(() => {
        interface ChartLike {
          $resilienceMarks?: { kind: string; x: number }[];
          $faultBands?: { id: string; left: number; right: number }[];
          chartArea: { top: number; bottom: number };
          currentDevicePixelRatio: number;
        }
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
        return Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas[data-chart]")).map((canvas) => {
          const chart = Chart.getChart(canvas);
          const marks = chart?.$resilienceMarks ?? [];
          const r = chart?.currentDevicePixelRatio ?? 1;
          // Violet pixels in a column 3 px wide around each mark, over the middle half of the plot.
          const ctx = canvas.getContext("2d")!;
          const violet = marks.map((m) => {
            const top = (chart!.chartArea.top + (chart!.chartArea.bottom - chart!.chartArea.top) / 4) * r;
            const height = ((chart!.chartArea.bottom - chart!.chartArea.top) / 2) * r;
            const data = ctx.getImageData(Math.round(m.x) - 1, Math.round(top), 3, Math.round(height)).data;
            let n = 0;
            for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > 180 && data[i]! < 170 && data[i + 1]! < 120 && data[i + 3]! > 0) n++;
            return n;
          });
          return {
            scenario: canvas.dataset.scenario,
            kind: canvas.dataset.chart,
            key: canvas.dataset.key === "true",
            marks,
            bands: chart?.$faultBands ?? [],
            violet,
          };
        });
      });
      const timeCharts = drawn.filter((c) => !c.key && (c.kind === "latency" || c.kind === "throughput"));
      expect(timeCharts.map((c) => `${c.scenario}:${c.kind}`).sort()).toEqual([
        "0:latency",
        "0:throughput",
        "1:latency",
        "1:throughput",
        "2:latency",
        "2:throughput",
      ]);
      for (const c of timeCharts) {
        const kinds = c.marks.map((m) => m.kind);
        // The breaker's 230 transitions are left to the table; the run without the policies decided nothing.
        if (c.scenario === "0") expect(kinds, c.kind).toEqual(["fallback-started", "failed-back"]);
        else if (c.scenario === "1") expect(kinds, c.kind).toEqual([]);
        else expect(kinds, c.kind).toEqual(["switch-step", "switch-step", "rolled-back"]);
        for (const n of c.violet) expect(n, `${c.scenario}:${c.kind}`).toBeGreaterThan(5);
        if (c.scenario === "0") {
          const [band] = c.bands;
          const [fallback, back] = c.marks;
          // Fault from 20 s to 50 s; the fallback started at 20.18 s, the fail-back at 50.42 s.
          expect(fallback!.x).toBeGreaterThan(band!.left);
          expect(fallback!.x).toBeLessThan(band!.right);
          expect(back!.x).toBeGreaterThan(band!.right);
        }
      }
      await expect(page.locator("#resilience-0 .resilience-legend").count()).resolves.toBe(0);
      await expect(page.locator("#scenario-0 .resilience-legend").count()).resolves.toBe(1);
      await expect(page.locator("#resilience-side-by-side tr[data-server]").innerText()).resolves.toContain("633");
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("reads fine with JavaScript off: tables are in the HTML", async () => {
    const noJs = await browser!.newContext({ javaScriptEnabled: false, offline: true });
    try {
      const page = await noJs.newPage();
      await page.goto(reportUrl, { waitUntil: "load" });
      await expect(page.locator("#verdict").isVisible()).resolves.toBe(true);
      await expect(page.locator("table.scorecard tbody tr.slo-row").count()).resolves.toBe(sloCount);
    } finally {
      await noJs.close();
    }
  });

  it("a browser's XML parser accepts the JUnit output", async () => {
    const page = await context!.newPage();
    try {
      const junit = renderJunit(sampleRunRecord());
      const parsed = await page.evaluate((xml) => {
        const doc = new DOMParser().parseFromString(xml, "application/xml");
        const error = doc.querySelector("parsererror");
        return { error: error?.textContent ?? null, testcases: doc.querySelectorAll("testcase").length };
      }, junit);
      expect(parsed.error).toBeNull();
      expect(parsed.testcases).toBe(sloCount);
    } finally {
      await page.close();
    }
  });
});

/**
 * The report of a real run of the default suite (65 SLOs, 8 servers in one scenario, a coordination and a
 * cache scenario; test/fixtures/records/default-suite.results.json, written by `mcp-slo run --suite default`),
 * at the two widths people read it at: a desktop (1400 px) and a phone (420 px).
 *
 * On failure a full-page screenshot of that width is kept in reports/test-artifacts/report-html/ (or in
 * $MCP_SLO_TEST_ARTIFACTS), named report-<width>px.png, and the failure message says where.
 */
const ARTIFACTS = process.env.MCP_SLO_TEST_ARTIFACTS ?? join(fileURLToPath(new URL("../../", import.meta.url)), "reports", "test-artifacts", "report-html");
const REAL_RECORD = fileURLToPath(new URL("../../test/fixtures/records/default-suite.results.json", import.meta.url));

interface DrawnTarget {
  sloId: string;
  value: number;
  y: number | null;
  drawn: "line" | "above" | "mark";
}
interface ChartSeen {
  scenario: number;
  kind: string;
  server: string | null;
  key: boolean;
  datasets: number;
  painted: number;
  area: { top: number; bottom: number };
  targets: DrawnTarget[] | null;
  partial: { server: string; t: number; seconds: number; rate: number }[] | null;
  clipped: { axisMax: number; warmupMax: number } | null;
  yMax: number | null;
  lastPoint: { y: number | null; fill: unknown } | null;
}

describe.each([1400, 420])("report.html of a real default-suite run at %i px", (width) => {
  if (chromiumMissing) {
    it.skip(`at ${width} px (skipped: no ${CHROMIUM}; see the suite above)`, () => {});
    return;
  }
  const viewport = { width, height: 900 };
  let run: RunRecord;
  let dir = "";
  let url = "";
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let blocked: string[] = [];

  beforeAll(async () => {
    run = await readRunRecord(REAL_RECORD);
    dir = mkdtempSync(join(tmpdir(), "mcp-slo-report-real-"));
    writeFileSync(join(dir, "report.html"), await renderHtmlReport(run));
    url = pathToFileURL(join(dir, "report.html")).href;
    ({ browser, context, blocked } = await launchOfflineBrowser());
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs `check` on the page; on failure keeps a full-page screenshot and says where. */
  async function onPage(check: (page: Page, observed: Observed) => Promise<void>): Promise<void> {
    const { page, observed } = await openPage(context!, url, { viewport });
    try {
      await check(page, observed);
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
      expect(blocked).toEqual([]);
    } catch (error) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, `report-${width}px.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      if (error instanceof Error) error.message = `${error.message}\n(screenshot of the page at ${width} px: ${shot})`;
      throw error;
    } finally {
      await page.close();
    }
  }

  async function chartsOn(page: Page): Promise<ChartSeen[]> {
    return page.evaluate(() => {
      interface Seen {
        data: { datasets: { data: ({ y: number | null } | number | null)[]; pointBackgroundColor?: unknown }[] };
        chartArea: { top: number; bottom: number };
        currentDevicePixelRatio: number;
        scales: { y?: { max: number } };
        $targets?: unknown;
        $partial?: unknown;
        $clipped?: unknown;
      }
      const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): Seen | undefined } }).Chart;
      return Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas[data-chart]")).map((canvas) => {
        const chart = Chart.getChart(canvas);
        const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        if (pixels) for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        const first = chart?.data.datasets[0];
        const last = first?.data.at(-1);
        const fill = first?.pointBackgroundColor;
        const r = chart?.currentDevicePixelRatio ?? 1;
        return {
          scenario: Number(canvas.dataset.scenario),
          kind: canvas.dataset.chart ?? "",
          server: canvas.dataset.server ?? null,
          key: canvas.dataset.key === "true",
          datasets: chart?.data.datasets.length ?? 0,
          painted,
          area: { top: (chart?.chartArea.top ?? 0) * r, bottom: (chart?.chartArea.bottom ?? 0) * r },
          targets: (chart?.$targets as DrawnTarget[] | undefined) ?? null,
          partial: (chart?.$partial as ChartSeen["partial"] | undefined) ?? null,
          clipped: (chart?.$clipped as ChartSeen["clipped"] | undefined) ?? null,
          yMax: chart?.scales.y?.max ?? null,
          lastPoint:
            last === undefined ? null : { y: typeof last === "object" && last !== null ? last.y : last, fill: Array.isArray(fill) ? fill.at(-1) : fill },
        };
      });
    });
  }

  it("has no horizontal page scroll, puts the first chart within two screens and keeps Measured visible", async () => {
    await onPage(async (page) => {
      const box = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        screen: window.innerHeight,
        firstChart: (document.querySelector("canvas")?.getBoundingClientRect().top ?? Infinity) + window.scrollY,
      }));
      expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
      expect(box.firstChart).toBeLessThan(2 * box.screen);
      // The first row the filter shows: its measured value is on screen, inside the page's width.
      const measured = page.locator("#scorecard tr.slo-row:not([hidden]) td.measured").first();
      await measured.scrollIntoViewIfNeeded();
      const cell = await measured.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, width: r.width, text: (el as HTMLElement).innerText };
      });
      expect(cell.width).toBeGreaterThan(30);
      expect(cell.left).toBeGreaterThanOrEqual(0);
      expect(cell.right).toBeLessThanOrEqual(width);
      expect(cell.text).toMatch(/\d/);
    });
  });

  it("draws every chart, one per server where a scenario has many, and no chart with more than four series", async () => {
    await onPage(async (page) => {
      const charts = await chartsOn(page);
      for (const c of charts) {
        expect(c.datasets, `${c.scenario}:${c.kind}:${c.server}`).toBeGreaterThan(0);
        expect(c.painted, `${c.scenario}:${c.kind}:${c.server}`).toBeGreaterThan(500);
        if (!c.key && c.kind !== "capacity") expect(c.datasets, `${c.scenario}:${c.kind}:${c.server}`).toBeLessThanOrEqual(4);
      }
      run.scenarios.forEach((s, si) => {
        const many = s.servers.length > 2;
        for (const kind of ["latency", "throughput", "spectrum"]) {
          const own = charts.filter((c) => c.scenario === si && c.kind === kind && !c.key);
          expect(own.map((c) => c.server).sort(), `${s.name} ${kind}`).toEqual(many ? s.servers.map((x) => x.name).sort() : [null]);
        }
        expect(
          charts.filter((c) => c.scenario === si && c.key),
          `${s.name} key chart`,
        ).toHaveLength(1);
      });
      expect(charts.some((c) => c.kind === "coordination")).toBe(true);
      expect(charts.some((c) => c.kind === "cache" && !c.key)).toBe(true);
    });
  });

  it("draws the SLO targets on the charts that show their statistic, inside the plot", async () => {
    await onPage(async (page) => {
      const charts = await chartsOn(page);
      const expectedIds = (si: number, c: ChartSeen): string[] => {
        const slos = run.scenarios[si]!.slos.filter(
          (x) => x.scope.tool === undefined && (x.scope.server === undefined || c.server === null || x.scope.server === c.server),
        );
        if (c.kind === "latency") return slos.filter((x) => x.metric === "latency.p50" || x.metric === "latency.p99").map((x) => x.id);
        if (c.kind === "cache") return slos.filter((x) => x.metric === "cache_hit_ratio").map((x) => x.id);
        if (c.kind === "coordination") return slos.filter((x) => /^coordination_latency\.p(50|95|99|99_9)$/.test(x.metric)).map((x) => x.id);
        return [];
      };
      let lines = 0;
      for (const c of charts.filter((x) => !x.key && ["latency", "cache", "coordination"].includes(x.kind))) {
        const want = expectedIds(c.scenario, c).sort();
        expect((c.targets ?? []).map((t) => t.sloId).sort(), `${c.scenario}:${c.kind}:${c.server}`).toEqual(want);
        for (const t of c.targets ?? []) {
          if (t.y === null) continue;
          lines++;
          expect(t.y, `${t.sloId} inside the plot`).toBeGreaterThanOrEqual(c.area.top - 1);
          expect(t.y, `${t.sloId} inside the plot`).toBeLessThanOrEqual(c.area.bottom + 1);
        }
      }
      // The run has latency, coordination and cache targets: some of them must be drawn as lines or marks.
      expect(lines).toBeGreaterThanOrEqual(5);
      expect(charts.find((c) => c.kind === "cache" && !c.key)?.targets?.every((t) => t.drawn === "line")).toBe(true);
    });
  });

  it("draws a partial last bucket as partial: its rate over its real length, hollow, not as a drop", async () => {
    await onPage(async (page) => {
      const charts = await chartsOn(page);
      let checked = 0;
      let lastPoints = 0;
      run.scenarios.forEach((s, si) => {
        if (!s.load) return;
        const interval = s.timeline.intervalMs;
        // Buckets of the window that end after the window closed, and warm-up buckets that end after it opened.
        const end = (t: number) => (t >= 0 ? s.load!.measuredMs : 0);
        const partial = s.timeline.points.filter((p) => end(p.t) - p.t < interval * 0.999);
        for (const c of charts.filter((x) => x.scenario === si && x.kind === "throughput" && !x.key)) {
          const own = partial.filter((p) => c.server === null || p.server === c.server);
          expect((c.partial ?? []).map((m) => `${m.server}@${m.t}`).sort(), `${s.name} ${c.server ?? ""}`).toEqual(
            own
              .filter((p) => p.ok > 0)
              .map((p) => `${p.server}@${p.t}`)
              .sort(),
          );
          for (const m of c.partial ?? []) {
            const p = own.find((x) => x.server === m.server && x.t === m.t)!;
            const seconds = (end(p.t) - p.t) / 1000;
            expect(m.seconds).toBeCloseTo(seconds, 6);
            expect(m.rate).toBeCloseTo(p.ok / seconds, 6);
            checked++;
          }
          // The first dataset is the ok/s line of the chart's server (its only one, when the chart has no data-server).
          const last = own.at(-1);
          const lastOfServer = Math.max(...s.timeline.points.filter((p) => p.server === last?.server).map((p) => p.t));
          if (last && last.t === lastOfServer && (c.server !== null || s.servers.length === 1) && c.lastPoint) {
            expect(c.lastPoint.y).toBeCloseTo(last.ok / ((end(last.t) - last.t) / 1000), 6);
            expect(c.lastPoint.fill).toBe("#ffffff");
            lastPoints++;
          }
        }
      });
      // The coordination scenario's window ran 20.03 s with 1 s buckets: its 21st bucket is 33 ms long; its
      // window opened 32 ms after the warm-up's planned end, so its last warm-up bucket is 32 ms long.
      expect(checked).toBeGreaterThan(0);
      expect(lastPoints).toBeGreaterThan(0);
    });
  });

  it("keeps the y-axis to the measurement window: a warm-up spike is clipped and the chart says how high it went", async () => {
    await onPage(async (page) => {
      const clipped = (await chartsOn(page)).filter((c) => c.clipped !== null);
      expect(clipped.length).toBeGreaterThan(0);
      for (const c of clipped) {
        expect(c.clipped!.warmupMax).toBeGreaterThan(c.clipped!.axisMax);
        expect(c.yMax).toBeCloseTo(c.clipped!.axisMax, 6);
        // How high the warm-up went is the record's own figure.
        const s = run.scenarios[c.scenario]!;
        const warm = s.timeline.points.filter((p) => p.t < 0 && (c.server === null || p.server === c.server));
        const top = Math.max(...warm.flatMap((p) => (c.kind === "latency" && !c.key ? [p.p50 ?? 0, p.p99 ?? 0] : [p.p99 ?? 0])));
        expect(c.clipped!.warmupMax).toBeCloseTo(top, 6);
      }
    });
  });

  it("folds the passes of the scorecard, filters by verdict, keeps its header in view and shows a source's words on a tap", async () => {
    await onPage(async (page) => {
      const all = run.scenarios.flatMap((s) => s.slos);
      const count = (v: string) => all.filter((x) => v === "all" || x.verdict === v || (v === "attention" && x.verdict !== "pass")).length;
      const visible = () => page.locator("#scorecard tr.slo-row:not([hidden])").count();
      await expect(visible()).resolves.toBe(count("attention"));
      for (const filter of ["fail", "inconclusive", "all", "attention"]) {
        await page.locator(`#scorecard button[data-filter="${filter}"]`).click();
        await expect(visible(), filter).resolves.toBe(count(filter));
        await expect(page.locator(`#scorecard button[data-filter="${filter}"]`).getAttribute("aria-pressed")).resolves.toBe("true");
      }
      if (width >= 1400) {
        // Scrolled to the middle of the table, the header row is still at the top of the screen.
        await page.locator("#scorecard button[data-filter=all]").click();
        await page.locator("#scorecard tr.slo-row").nth(30).scrollIntoViewIfNeeded();
        const header = await page
          .locator("#scorecard thead th")
          .first()
          .evaluate((el) => el.getBoundingClientRect().top);
        expect(Math.abs(header)).toBeLessThan(2);
      }
      const quote = page.locator("#scorecard tr.slo-row:not([hidden]) details.quote").first();
      await quote
        .locator("summary")
        .tap()
        .catch(async () => quote.locator("summary").click());
      await expect(quote.locator("q").isVisible()).resolves.toBe(true);
      expect((await quote.locator("q").innerText()).length).toBeGreaterThan(5);
    });
  });
});

/**
 * A security scan's section (report/security.ts) in Chromium at a desktop and a phone width: every
 * server with its score, measured share and cap, the findings worst first with evidence and how to
 * reproduce, not-measured checks said as such, the checks table; markup in findings stays text; the
 * page never scrolls sideways.
 */
describe.each([1400, 420])("report.html of a security scan at %i px", (width) => {
  if (chromiumMissing) {
    it.skip(`at ${width} px (skipped: no ${CHROMIUM}; see the first suite of this file)`, () => {});
    return;
  }
  const run = securityRunRecord();
  let dir = "";
  let url = "";
  /** The same scan with markup in every text of the record. */
  let hostileUrl = "";
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let blocked: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-slo-report-security-"));
    writeFileSync(join(dir, "report.html"), await renderHtmlReport(run));
    url = pathToFileURL(join(dir, "report.html")).href;
    writeFileSync(join(dir, "hostile.html"), await renderHtmlReport(withHostileText(run)));
    hostileUrl = pathToFileURL(join(dir, "hostile.html")).href;
    ({ browser, context, blocked } = await launchOfflineBrowser());
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows each server's score, measured share, cap and findings with evidence, and never scrolls sideways", async () => {
    const { page, observed } = await openPage(context!, url, { viewport: { width, height: 900 } });
    try {
      const section = page.locator("#security-0");
      await expect(section.isVisible()).resolves.toBe(true);
      const rows = await section.locator("table.security-overview tbody tr").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText));
      expect(rows).toHaveLength(3);
      expect(rows[0]).toContain("7.6-10.0/10");
      expect(rows[0]).toContain("76 %");
      expect(rows[1]).toContain("3.0/10");
      expect(rows[1]).toMatch(/3\s+critical/i);
      expect(rows[2]).toMatch(/scan did not finish/i);

      // The vulnerable server: its findings worst first, each with its evidence as text.
      const vulnerable = section.locator(".security-server").nth(1);
      const severities = await vulnerable.locator("li.finding .sev").allInnerTexts();
      expect(severities.map((x) => x.toLowerCase())).toEqual(["critical", "critical", "critical", "high", "high"]);
      const evidence = await vulnerable.locator("pre.evidence").first().innerText();
      expect(evidence).toBe('read_file {"path":"../canary-7f3a.txt"} -> "mcp-slo-canary-7f3a"');
      await expect(vulnerable.innerText()).resolves.toContain("How to reproduce");
      await expect(vulnerable.innerText()).resolves.toMatch(/cap\s+3: 3 critical finding/i);

      // memory: what could not be measured is said, never shown as passed.
      const memory = section.locator(".security-server").nth(0);
      const note = await memory.locator(".inc-note").innerText();
      expect(note).toMatch(/^Not measured \(4\)/);
      expect(note).toContain("supply.advisories");
      await memory.locator("details summary").click();
      const checks = await memory.locator("table.security-checks tbody tr").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText));
      expect(checks).toHaveLength(22);
      expect(checks.filter((t) => /not measured/i.test(t))).toHaveLength(4);
      // github: the scan's error, in a box.
      await expect(section.locator(".security-server").nth(2).locator(".error-box").innerText()).resolves.toMatch(/The scan did not finish/);

      const box = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        evidenceRight: Math.max(...Array.from(document.querySelectorAll("pre.evidence")).map((el) => el.getBoundingClientRect().right)),
      }));
      expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
      expect(box.evidenceRight).toBeLessThanOrEqual(width);
      if (SCREENSHOT_PATH) await page.screenshot({ path: SCREENSHOT_PATH.replace(/\.png$/, `-security-${width}.png`), fullPage: true });
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("runs none of the markup a server put in its findings: it shows as text", async () => {
    const { page, observed } = await openPage(context!, hostileUrl, { viewport: { width, height: 900 } });
    try {
      const evidence = await page.locator("#security-0 .security-server").nth(1).locator("pre.evidence").first().innerText();
      expect(evidence).toContain("<script>window.__pwned=1</script>");
      await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).resolves.toBeNull();
      await expect(page.locator("#security-0 table.security-overview tbody tr").count()).resolves.toBe(3);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
