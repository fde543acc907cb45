/**
 * Run records for history and comparability tests: one scenario per name, with identity (git
 * branch, tags, machine) and scenario hashes set as the test says.
 */
import type { RunIdentity, RunRecord } from "../../src/results/types.js";
import { baseRunRecord, baseScenario, sampleRunRecord } from "./records.js";

export interface HistoryRunSpec {
  runId: string;
  /** ISO time; endedAt is 4 minutes later. */
  startedAt: string;
  verdict?: RunRecord["verdict"];
  profile?: string;
  provider?: string;
  branch?: string | null;
  tags?: Record<string, string>;
  /** scenario name -> hash; default { redis: "aaaaaaaaaaaaaaaa" } */
  scenarios?: Record<string, string | undefined>;
  machine?: string;
  /** Leave identity out, as records written before it. */
  noIdentity?: boolean;
  /** Use the full sample record's scenarios (histograms, SLOs) instead of empty ones. */
  full?: boolean;
}

export function historyRun(spec: HistoryRunSpec): RunRecord {
  const base = spec.full ? sampleRunRecord() : baseRunRecord();
  const endedAt = new Date(Date.parse(spec.startedAt) + 240_000).toISOString();
  const scenarios = spec.full
    ? base.scenarios.map((s) => ({ ...s, scenarioHash: "f0f0f0f0f0f0f0f0" }))
    : Object.entries(spec.scenarios ?? { redis: "aaaaaaaaaaaaaaaa" }).map(([name, hash]) => ({
        ...baseScenario(name, `scenarios/${name}.yaml`, spec.startedAt, endedAt),
        ...(hash !== undefined && { scenarioHash: hash }),
      }));
  const identity: RunIdentity = {
    harness: { version: "0.1.0", commit: "1".repeat(40) },
    workdir: spec.branch === undefined ? null : { commit: "2".repeat(40), branch: spec.branch, dirty: false },
    ci: null,
    tags: spec.tags ?? {},
    provider: spec.provider ?? "local",
    machine: { cpuModel: "AMD EPYC 7B13", cpus: 4, memoryGiB: 15.6, kernel: "Linux 6.1 x64", node: "v20.20.0", hash: spec.machine ?? "m00000000001" },
  };
  return {
    ...base,
    runId: spec.runId,
    startedAt: spec.startedAt,
    endedAt,
    verdict: spec.verdict ?? "pass",
    profile: spec.profile ?? "ci",
    scenarios,
    ...(spec.noIdentity ? {} : { identity }),
  };
}
