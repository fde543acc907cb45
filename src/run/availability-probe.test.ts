import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import { PROJECT_ROOT } from "../project-root.js";
import type { ProbeSeries } from "../results/types.js";
import { faultProbeCount, probeCalls } from "./availability-probe.js";

const file = (...p: string[]) => path.join(PROJECT_ROOT, ...p);
const env = { runId: "r1", sandbox: "/sandbox" };

describe("the availability probe's call per server", () => {
  it("is the catalog's probe, else the workload's first call to the server (templates filled), else ping", async () => {
    const baseline = probeCalls(await loadScenario(file("scenarios", "servers-baseline.yaml"), "smoke"), env);
    expect(baseline.get("redis")).toMatchObject({ tool: "get" });
    expect(baseline.get("redis")!.args!(0)).toEqual({ key: "mcp-slo:probe" });
    const custom = probeCalls(await loadScenario(file("test", "fixtures", "e2e-server-hangs.yaml"), "smoke"), env);
    expect(custom.get("stalls")).toMatchObject({ tool: "work" });
    expect(custom.get("stalls")!.args!(3)).toEqual({});
  });

  it("pings the cache of a cache-aside workload, so its Redis counters stay the workload's own", async () => {
    const calls = probeCalls(await loadScenario(file("scenarios", "cache-aside.yaml"), "smoke"), env);
    expect(calls.get("redis")).toEqual({ tool: "ping", args: undefined });
    expect(calls.get("postgres")).toMatchObject({ tool: "query" });
  });

  it("counts the fault experiment's probe over the window only", () => {
    const series: ProbeSeries = {
      server: "redis",
      tool: "get",
      intervalMs: 100,
      timeoutMs: 1000,
      consecutive: 3,
      points: [-50, 0, 100, 200, 300, 400].map((t) => ({ t, ok: t !== 200 })),
    };
    expect(faultProbeCount(series, 300)).toEqual({ server: "redis", tool: "get", intervalMs: 100, timeoutMs: 1000, probes: 4, ok: 3, source: "fault-probe" });
  });
});
