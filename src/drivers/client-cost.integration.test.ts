/**
 * The harness's own cost per call, measured for real: the null endpoint started over each transport,
 * the sdk driver's per-call path timed against it, everything stopped afterwards.
 */
import { readdir } from "node:fs/promises";
import os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { measureClientCost } from "./client-cost.js";

const registry = new ResourceRegistry({ runId: `client-cost-test-${process.pid}` });
afterAll(() => registry.disposeAll());

const nullDirs = async () => (await readdir(os.tmpdir())).filter((n) => n.startsWith("mcp-slo-null-"));

describe.each(["stdio", "http"] as const)("the client's own cost over %s", (transport) => {
  it("times every call against the null endpoint, in order of percentiles, and leaves nothing running", async () => {
    const before = await nullDirs();
    const cost = await measureClientCost({ transport, registry, calls: 300 });
    expect(cost.transport).toBe(transport);
    expect(cost.calls).toBe(300);
    expect(cost.p50Ms).toBeGreaterThan(0);
    expect(cost.p50Ms).toBeLessThanOrEqual(cost.p90Ms);
    expect(cost.p90Ms).toBeLessThanOrEqual(cost.p99Ms);
    expect(cost.p99Ms).toBeLessThanOrEqual(cost.maxMs);
    expect(cost.cpuUsPerCall).toBeGreaterThan(0);
    expect(registry.processes).toEqual([]);
    expect((await nullDirs()).filter((d) => !before.includes(d))).toEqual([]);
  });
});
