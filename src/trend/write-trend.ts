/**
 * Writes trend.html and trend.md into a directory: each rendered first, then written to a temp file
 * beside its final name and renamed, so a reader never opens half a page and a failure leaves the
 * previous trend in place.
 */
import { writeFileAtomic } from "../util/atomic-file.js";
import path from "node:path";
import { prepareOutDir } from "../outputs/out-dir.js";
import type { Trend } from "./trend.js";
import { renderTrendHtml } from "./trend-html.js";
import { renderTrendMarkdown } from "./trend-md.js";

export async function writeTrendOutputs(trend: Trend, outDir: string, flag = "--out"): Promise<{ html: string; markdown: string }> {
  const files = { html: path.join(outDir, "trend.html"), markdown: path.join(outDir, "trend.md") };
  const contents = { html: await renderTrendHtml(trend), markdown: renderTrendMarkdown(trend) };
  await prepareOutDir(outDir, flag);
  for (const kind of ["html", "markdown"] as const) await writeFileAtomic(files[kind], contents[kind]);
  return files;
}
