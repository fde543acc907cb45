/**
 * The harness's own cost per call, measured for real: the null endpoint started over each transport,
 * the sdk driver's per-call path timed against it, its processes stopped when it returns and its
 * working directory (one of the run's temp dirs) removed with the run.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { measureClientCost } from "./client-cost.js";

describe.each(["stdio", "http"] as const)("the client's own cost over %s", (transport) => {
  it("times every call against the null endpoint, in order of percentiles, and leaves nothing running", async () => {
    const registry = new ResourceRegistry({ runId: `client-cost-test-${transport}-${process.pid}` });
    try {
      const cost = await measureClientCost({ transport, registry, calls: 300 });
      expect(cost.transport).toBe(transport);
      expect(cost.calls).toBe(300);
      expect(cost.p50Ms).toBeGreaterThan(0);
      expect(cost.p50Ms).toBeLessThanOrEqual(cost.p90Ms);
      expect(cost.p90Ms).toBeLessThanOrEqual(cost.p99Ms);
      expect(cost.p99Ms).toBeLessThanOrEqual(cost.maxMs);
      expect(cost.cpuUsPerCall).toBeGreaterThan(0);
      expect(registry.processes).toEqual([]);
      const dirs = [...registry.tempDirs];
      expect(dirs).toHaveLength(1);
      await registry.disposeAll();
      expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    } finally {
      await registry.disposeAll();
    }
  });
});
