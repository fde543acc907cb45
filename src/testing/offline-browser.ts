/**
 * The real Chromium the browser tests open report.html and trend.html in: Debian's chromium, offline,
 * every request that is not the file itself refused and counted, console and page errors collected.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const chromiumMissing = !existsSync(CHROMIUM);

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OfflineBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Every request beyond file:// the pages made (refused). */
  blocked: string[];
}

export async function launchOfflineBrowser(): Promise<OfflineBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const blocked: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (url.startsWith("file://")) return route.continue();
    blocked.push(url);
    return route.abort("blockedbyclient");
  });
  return { browser, context, blocked };
}

export interface Observed {
  consoleErrors: string[];
  pageErrors: string[];
  externalRequests: string[];
  failedRequests: string[];
}

/** Opens `url` in a new page (at `viewport` when given: set before it loads, so the page lays out once), collecting what went wrong while it loads and after. */
export async function openPage(
  context: BrowserContext,
  url: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<{ page: Page; observed: Observed }> {
  const observed: Observed = { consoleErrors: [], pageErrors: [], externalRequests: [], failedRequests: [] };
  const page = await context.newPage();
  if (options.viewport) await page.setViewportSize(options.viewport);
  page.on("console", (msg) => {
    if (msg.type() === "error") observed.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => observed.pageErrors.push(err.message));
  page.on("request", (req) => {
    if (!req.url().startsWith("file://")) observed.externalRequests.push(req.url());
  });
  page.on("requestfailed", (req) => observed.failedRequests.push(`${req.url()} ${req.failure()?.errorText ?? ""}`));
  await page.goto(url, { waitUntil: "load" });
  return { page, observed };
}
