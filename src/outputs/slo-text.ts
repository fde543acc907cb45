/**
 * How junit.xml, summary.md and the CI annotations name an SLO and state its target, so the three
 * always agree: a test case in a CI's test tab, a row of the job summary and an annotation on the
 * job page carry the same name.
 */
import type { SloResult } from "../results/types.js";

/** The scope as `[server=redis tool=get]` (or `method=resources/read`), keys in a fixed order; empty for an unscoped SLO. */
export function scopeText(scope: SloResult["scope"]): string {
  const parts = [
    scope.server !== undefined ? `server=${scope.server}` : "",
    scope.tool !== undefined ? `tool=${scope.tool}` : "",
    scope.method !== undefined ? `method=${scope.method}` : "",
  ].filter(Boolean);
  return parts.length ? `[${parts.join(" ")}]` : "";
}

/**
 * The SLO's stable name: its id and scope, e.g. "redis.latency.p50 [server=redis tool=get]". Never
 * the objective: a CI keeps a test's history by its name, so a changed target must not start a new test.
 */
export function sloName(slo: Pick<SloResult, "id" | "scope">): string {
  const scope = scopeText(slo.scope);
  return scope ? `${slo.id} ${scope}` : slo.id;
}

/**
 * The target alone, "< 25 ms" of "p99 < 25 ms": the comparison the objective ends with (every
 * objective text is "<what> <op> <value>", src/slo/evaluate.ts); the whole objective otherwise.
 */
export function targetText(slo: Pick<SloResult, "objective">): string {
  const m = /(<=|>=|<|>)\s*([^<>=]+)$/.exec(slo.objective);
  return m ? `${m[1]} ${(m[2] as string).trim()}` : slo.objective;
}

/** "line 1789" or "lines 1813, 269" (a range or a list is plural). */
export function linesText(source: SloResult["source"]): string {
  return `${/[,-]/.test(source.lines) ? "lines" : "line"} ${source.lines}`;
}
