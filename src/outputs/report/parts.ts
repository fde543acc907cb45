/**
 * Small pieces every section of report.html uses: number and time formats,
 * the verdict badge, key/value lists, and ids that may wrap.
 */
import type { RunRecord, ScenarioResult, SloResult, Verdict } from "../../results/types.js";
import { html, type SafeHtml } from "./safe-html.js";

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function pct(x: number | null): string {
  return x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(2)} %`;
}

export function int(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function duration(startIso: string, endIso: string): string {
  const totalS = Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000);
  if (!Number.isFinite(totalS) || totalS < 0) return "–";
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

export function lines(source: SloResult["source"]): string {
  return /[,-]/.test(source.lines) ? `lines ${source.lines}` : `line ${source.lines}`;
}

export function intervalText(slo: SloResult): string {
  const iv = slo.interval;
  if (!iv || iv.kind === "none") return "";
  const fmt = (x: number) => (iv.kind === "wilson95" ? pct(x) : `${ms(x)} ${slo.unit}`);
  return `95 % interval [${fmt(iv.low)}, ${fmt(iv.high)}] of ${iv.of}`;
}

export const VERDICT_WORD: Record<RunRecord["verdict"], string> = {
  pass: "Pass",
  fail: "Fail",
  inconclusive: "Inconclusive",
  error: "Error",
  interrupted: "Interrupted",
};

export function badge(verdict: Verdict): SafeHtml {
  return html`<span class="badge ${verdict}">${VERDICT_WORD[verdict]}</span>`;
}

/** A definition list of [label, value, optional class of the pair]. */
export function kv(items: [string, string, string?][]): SafeHtml {
  return html`<dl class="kv">${items.map(([k, v, cls]) => html`<div${cls ? html` class="${cls}"` : ""}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** The matrix cell of a scenario, e.g. "redis.persistence=none", as a tag after its name. */
export function variantTag(s: ScenarioResult): SafeHtml | string {
  return s.variant ? html` <span class="variant" title="matrix cell">${s.variant}</span>` : "";
}

/**
 * `text`, escaped, with a line-break opportunity (<wbr>) after each character
 * of `after` and before each of `before`: long ids and package names then wrap
 * at their separators, never mid-word.
 */
export function breakable(text: string, { after = "", before = "" }: { after?: string; before?: string }): SafeHtml {
  return html`${[...text].map((ch) => (after.includes(ch) ? html`${ch}<wbr>` : before.includes(ch) ? html`<wbr>${ch}` : ch))}`;
}
