/**
 * A history of nightly runs for the trend tests: `n` run records of one scenario whose latency SLO
 * steps up from run `stepAt` on (as a latency toxic switched on from that night would make it),
 * with seeded noise, and a helper that lays them out as a reports directory (runs/<run id>/ with
 * results.json and a small report.html to link to).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunRecord } from "../../src/results/types.js";
import { seededRng } from "../../src/util/random.js";
import { baseRunRecord, baseScenario, slo, withScenarios } from "./records.js";

export interface NightlyOptions {
  /** Runs in the history. */
  n: number;
  /** Index of the first run after the step; none when undefined. */
  stepAt?: number;
  /** p99 before and after the step, in ms. */
  before?: number;
  after?: number;
  seed?: number;
}

/** Normal noise (Box-Muller) from the seeded generator. */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

export function nightlyRecords({ n, stepAt, before = 12, after = 22, seed = 42 }: NightlyOptions): RunRecord[] {
  const rng = seededRng(seed);
  const first = Date.parse("2026-10-01T03:00:00.000Z");
  return Array.from({ length: n }, (_, i) => {
    const start = new Date(first + i * 86_400_000);
    const end = new Date(start.getTime() + 240_000);
    const runId = `${start.toISOString().slice(0, 19).replace(/:/g, "-")}Z-${(0xa000 + i).toString(16)}`;
    const p99 = (stepAt !== undefined && i >= stepAt ? after : before) * (1 + 0.04 * gaussian(rng));
    const success = Math.min(1, 0.9985 + 0.0004 * gaussian(rng));
    const coordination = 4 * (1 + 0.05 * gaussian(rng));
    const scenario = baseScenario("cache-read", "scenarios/cache-read.yaml", start.toISOString(), end.toISOString());
    scenario.slos = [
      slo({
        id: "redis.latency.p99@redis",
        title: "Redis MCP latency p99",
        metric: "latency.p99",
        objective: "p99 < 20 ms",
        source: { document: "MCP Enterprise Guide", lines: "1" },
        scope: { server: "redis" },
        measured: p99,
        unit: "ms",
        measuredText: `${p99.toFixed(2)} ms`,
        samples: 5000,
        margin: 20 - p99,
        marginText: "",
        verdict: p99 < 20 ? "pass" : "fail",
        reason: "",
      }),
      slo({
        id: "redis.success_rate@redis",
        title: "Redis MCP success rate",
        metric: "success_rate",
        objective: "success rate >= 99.7 %",
        source: { document: "MCP Enterprise Guide", lines: "2" },
        scope: { server: "redis" },
        measured: success,
        unit: "ratio",
        measuredText: `${(success * 100).toFixed(2)} %`,
        samples: 5000,
        margin: success - 0.997,
        marginText: "",
        verdict: success >= 0.997 ? "pass" : "inconclusive",
        reason: "",
      }),
      slo({
        id: "coordination.latency.p99",
        title: "Agent coordination latency p99",
        metric: "coordination_latency.p99",
        objective: "p99 < 25 ms",
        source: { document: "MCP Enterprise Guide", lines: "3" },
        measured: coordination,
        unit: "ms",
        measuredText: `${coordination.toFixed(2)} ms`,
        samples: 800,
        margin: 25 - coordination,
        marginText: "",
        verdict: "pass",
        reason: "",
      }),
    ];
    return withScenarios({ ...baseRunRecord(), runId, startedAt: start.toISOString(), endedAt: end.toISOString() }, [scenario]);
  });
}

/** Writes `records` as a reports directory: <root>/runs/<run id>/{results.json,report.html}. */
export async function writeReportsRoot(root: string, records: readonly RunRecord[]): Promise<void> {
  for (const record of records) {
    const dir = path.join(root, "runs", record.runId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "results.json"), JSON.stringify(record, null, 2));
    await writeFile(path.join(dir, "report.html"), `<!doctype html><title>report ${record.runId}</title><h1 id="run">${record.runId}</h1>`);
  }
}
