/**
 * Opens trend.html from disk in a real Chromium, offline, as a manager would: every chart drawn,
 * the change point marked where the step is, no console error, no request beyond the files, and a
 * click on a point opens that run's report.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext } from "playwright-core";
import { CHROMIUM, chromiumMissing, launchOfflineBrowser, openPage } from "../testing/offline-browser.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nightlyRecords, writeReportsRoot } from "../../test/support/trend-history.js";
import { loadTrendInput } from "./load-input.js";
import { buildTrend, type Trend } from "./trend.js";
import { renderTrendHtml } from "./trend-html.js";

/** Set MCP_SLO_TREND_SCREENSHOT=<file.png> to keep a full-page screenshot for a person to look at. */
const SCREENSHOT_PATH = process.env.MCP_SLO_TREND_SCREENSHOT;

describe("trend.html in Chromium, opened from disk", () => {
  if (chromiumMissing) {
    if (process.env.CI === "true") {
      it("needs Chromium", () => {
        throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) so trend.html can be checked in a real browser`);
      });
    } else {
      console.warn(
        `\n!!! SKIPPING the real-browser test of trend.html: ${CHROMIUM} is not installed (apt-get install chromium). Under CI=true this fails instead.\n`,
      );
      it.skip("renders offline in Chromium (skipped: no /usr/bin/chromium)", () => {});
    }
    return;
  }

  const records = nightlyRecords({ n: 30, stepAt: 20 });
  let root = "";
  let trend: Trend;
  let url = "";
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let blocked: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "mcp-slo-trend-"));
    await writeReportsRoot(root, records);
    const outDir = join(root, "trend");
    await mkdir(outDir);
    trend = buildTrend((await loadTrendInput(root, outDir, root)).runs);
    const file = join(outDir, "trend.html");
    writeFileSync(file, await renderTrendHtml(trend));
    url = pathToFileURL(file).href;
    ({ browser, context, blocked } = await launchOfflineBrowser());
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (root) rmSync(root, { recursive: true, force: true });
    }
  });

  it("draws every chart, marks the change at run 20 on the latency chart only, with no console error and nothing from the network", async () => {
    const { page, observed } = await openPage(context!, url);
    try {
      const charts = await page.evaluate(() => {
        interface ChartLike {
          data: { datasets: { data: unknown[] }[] };
          $changeLines?: { runId: string; x: number; note: string }[];
        }
        const Chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
        return Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas[data-series]")).map((canvas) => {
          const chart = Chart?.getChart(canvas);
          const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          if (pixels) for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
          return {
            key: canvas.closest("section")?.dataset.key ?? "",
            width: canvas.width,
            painted,
            datasets: chart?.data.datasets.length ?? 0,
            points: chart?.data.datasets[0]?.data.length ?? 0,
            changes: chart?.$changeLines ?? null,
          };
        });
      });
      expect(charts).toHaveLength(trend.series.length);
      expect(charts.length).toBe(3);
      for (const c of charts) {
        expect(c.width, c.key).toBeGreaterThan(100);
        expect(c.painted, c.key).toBeGreaterThan(1000);
        // The values and the SLO's target line.
        expect(c.datasets, c.key).toBe(2);
        expect(c.points, c.key).toBe(30);
      }
      const latency = charts.find((c) => c.key.endsWith("redis.latency.p99@redis"))!;
      expect(latency.changes).toHaveLength(1);
      expect(latency.changes![0]!.runId).toBe(records[20]!.runId);
      expect(latency.changes![0]!.note).toMatch(new RegExp(`^change at run ${records[20]!.runId}: \\+\\d+ %$`));
      for (const c of charts.filter((x) => x !== latency)) expect(c.changes, c.key).toEqual([]);
      // The change line is drawn: the column it sits in is painted from top to bottom of the plot.
      const lineColumn = await page.evaluate((x) => {
        const canvas = document.querySelector<HTMLCanvasElement>('section[data-key$="redis.latency.p99@redis"] canvas')!;
        const data = canvas.getContext("2d")!.getImageData(Math.round(x), 0, 1, canvas.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
        return n / canvas.height;
      }, latency.changes![0]!.x);
      expect(lineColumn).toBeGreaterThan(0.4);
      // Points are coloured by verdict: green before the step, red after (the target is 20 ms).
      const colours = await page.evaluate(() => {
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { pointBackgroundColor: string[] }[] } } } }).Chart;
        const canvas = document.querySelector<HTMLCanvasElement>('section[data-key$="redis.latency.p99@redis"] canvas')!;
        return Chart.getChart(canvas).data.datasets[0]!.pointBackgroundColor;
      });
      expect(new Set(colours.slice(0, 20))).toEqual(new Set(["#15803d"]));
      expect(new Set(colours.slice(20))).toEqual(new Set(["#b91c1c"]));
      if (SCREENSHOT_PATH) await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
      expect(observed.externalRequests).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("a click on a point opens that run's report.html", async () => {
    const { page, observed } = await openPage(context!, url);
    try {
      const canvas = page.locator('section[data-key$="redis.latency.p99@redis"] canvas');
      await canvas.scrollIntoViewIfNeeded();
      const target = await canvas.evaluate((el) => {
        const Chart = (
          window as unknown as {
            Chart: { getChart(c: HTMLCanvasElement): { getDatasetMeta(i: number): { data: { x: number; y: number }[] } } };
          }
        ).Chart;
        const point = Chart.getChart(el as HTMLCanvasElement).getDatasetMeta(0).data[5]!;
        return { x: point.x, y: point.y };
      });
      await Promise.all([page.waitForURL(/report\.html$/), canvas.click({ position: target })]);
      expect(decodeURIComponent(page.url())).toMatch(new RegExp(`/runs/${records[5]!.runId}/report\\.html$`));
      await expect(page.locator("#run").textContent()).resolves.toBe(records[5]!.runId);
      expect(observed.consoleErrors).toEqual([]);
      expect(observed.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("reads fine with JavaScript off: the change and every run are in the HTML", async () => {
    const noJs = await browser!.newContext({ javaScriptEnabled: false, offline: true });
    try {
      const page = await noJs.newPage();
      await page.goto(url, { waitUntil: "load" });
      const changes = await page.locator("ul.changes li").allInnerTexts();
      expect(changes).toHaveLength(1);
      expect(changes[0]).toContain(`change at run ${records[20]!.runId}: +`);
      await expect(page.locator("table.runs tbody tr").count()).resolves.toBe(30);
    } finally {
      await noJs.close();
    }
  });
});
