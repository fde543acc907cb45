/**
 * The files report.html inlines: its styles (report.css), Chart.js, the
 * chart script (charts.js) and the scorecard's filter (scorecard.js). The report must open from disk, offline, years
 * from now, so they are read at render time and put into the page whole;
 * nothing is referenced by URL.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { escapeInlineScript, unsafeRawHtml, type SafeHtml } from "./safe-html.js";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPORT_CSS_PATH = join(HERE, "report.css");
export const CHART_SCRIPT_PATH = join(HERE, "charts.js");
export const SCORECARD_SCRIPT_PATH = join(HERE, "scorecard.js");

/**
 * chart.js's package.json "exports" does not list dist/chart.umd.min.js (nor
 * package.json), so resolving it by name fails; the package's main entry lives
 * in the same dist/ folder, so resolve that and look beside it.
 */
export function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("chart.js")), "chart.umd.min.js");
}

/** Reads `path` once per process and keeps the prepared text; a failure is not cached, so a later call may find the file. */
function cachedAsset(path: () => string, prepare: (text: string) => string): () => Promise<SafeHtml> {
  let cached: Promise<SafeHtml> | undefined;
  return () => {
    cached ??= readFile(path(), "utf8").then(
      (text) => unsafeRawHtml(prepare(text)),
      (error: unknown) => {
        cached = undefined;
        throw error;
      },
    );
    return cached;
  };
}

/** The inside of the report's <style>. */
export const loadReportCss = cachedAsset(
  () => REPORT_CSS_PATH,
  (css) => {
    // A stylesheet has no escape for this; it would end the <style> element early.
    if (/<\/style/i.test(css)) throw new Error(`${REPORT_CSS_PATH} contains "</style": it would end the inlined <style> early`);
    return css;
  },
);

/** The inside of the <script> holding Chart.js. */
export const loadChartJs = cachedAsset(chartJsPath, (js) =>
  // The source map is not inlined; without this line devtools would try to fetch it.
  escapeInlineScript(js.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n")),
);

/** The inside of the <script> that draws the charts. */
export const loadChartScript = cachedAsset(() => CHART_SCRIPT_PATH, escapeInlineScript);

/** The inside of the <script> that filters and folds the scorecard. */
export const loadScorecardScript = cachedAsset(() => SCORECARD_SCRIPT_PATH, escapeInlineScript);
