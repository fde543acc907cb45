/**
 * Where the session setups of session churn land (the MCP method initialize): one HDR histogram per
 * server x outcome x phase, apart from the Recorder's tool calls, so a setup never enters a tool's
 * latency, a call count, a success rate or the agents' availability. Also how long closing the
 * replaced sessions took. Memory is bounded whatever the run length.
 */
import type { InitializeSummary, Outcome } from "../results/types.js";
import { encodeHistogram, maxMs, meanMs, newHistogram, percentileMs, recordMs, type Histogram } from "./histogram.js";
import type { Phase } from "./recorder.js";

export class SessionStarts {
  private readonly setups = new Map<string, { server: string; outcome: Outcome; phase: Phase; h: Histogram }>();
  private readonly closes = newHistogram();
  /** New sessions opened, and setups that failed, over the whole run (warm-up and window). */
  opened = 0;
  failed = 0;

  /** One setup: `startedAt` before the spawn (HTTP: before the initialize request), `endedAt` when it answered, failed or timed out. */
  record(sample: { phase: Phase; server: string; outcome: Outcome; startedAt: number; endedAt: number }): void {
    if (sample.outcome === "ok") this.opened++;
    else this.failed++;
    const key = `${sample.phase}\u0000${sample.server}\u0000${sample.outcome}`;
    let entry = this.setups.get(key);
    if (!entry) {
      entry = { server: sample.server, outcome: sample.outcome, phase: sample.phase, h: newHistogram() };
      this.setups.set(key, entry);
    }
    recordMs(entry.h, sample.endedAt - sample.startedAt);
  }

  /** A replaced session was closed (its process stopped) in `ms`. */
  recordClose(ms: number): void {
    recordMs(this.closes, ms);
  }

  /** Setups of the measurement window in scope with one of `outcomes`, merged. */
  select(scope: { server?: string }, outcomes: readonly Outcome[]): Histogram {
    const out = newHistogram();
    for (const e of this.setups.values())
      if (e.phase === "measure" && outcomes.includes(e.outcome) && (scope.server === undefined || e.server === scope.server)) out.add(e.h);
    return out;
  }

  /** Setups of the measurement window in scope: ok, and failed of any kind (timeouts included). */
  counts(scope: { server?: string }): { ok: number; failed: number } {
    return { ok: this.select(scope, ["ok"]).totalCount, failed: this.select(scope, ["error", "timeout"]).totalCount };
  }

  /** One row per server that set up a session in the measurement window. */
  summaries(): InitializeSummary[] {
    const servers = [...new Set([...this.setups.values()].filter((e) => e.phase === "measure").map((e) => e.server))].sort();
    return servers.map((server) => {
      const ok = this.select({ server }, ["ok"]);
      const empty = ok.totalCount === 0;
      return {
        server,
        ok: ok.totalCount,
        failed: this.select({ server }, ["error"]).totalCount,
        timeouts: this.select({ server }, ["timeout"]).totalCount,
        mean: empty ? null : meanMs(ok),
        p50: empty ? null : percentileMs(ok, 50),
        p95: empty ? null : percentileMs(ok, 95),
        p99: empty ? null : percentileMs(ok, 99),
        max: empty ? null : maxMs(ok),
        histogram: encodeHistogram(ok),
      };
    });
  }

  closeSummary(): { count: number; p50: number; max: number } | null {
    return this.closes.totalCount === 0 ? null : { count: this.closes.totalCount, p50: percentileMs(this.closes, 50), max: maxMs(this.closes) };
  }
}
