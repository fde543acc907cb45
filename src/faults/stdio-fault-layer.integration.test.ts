/**
 * The stdio fault layer against a real stdio MCP server: delayed frames slow
 * calls by the delay, dropped frames make calls time out, truncated frames
 * make them fail, and clearing the fault restores normal service.
 */
import { afterAll, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { startSession, type McpSession } from "../stack/mcp-session.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { truncateFrame } from "../contracts/frame-filter.js";
import { StdioFaultLayer } from "./stdio-fault-layer.js";
import { startLocalTestStack } from "../testing/local-stack.js";

const runId = `stdio-faults-${process.pid}`;
const registry = new ResourceRegistry({ runId });
afterAll(async () => {
  await registry.disposeAll();
  expect(await findProcessesOfRun(runId)).toEqual([]);
});

async function timed(session: McpSession, timeout = 2000): Promise<{ ok: boolean; ms: number; error?: string }> {
  const t0 = performance.now();
  try {
    const r = await session.client.callTool({ name: "echo", arguments: { message: "x" } }, undefined, { timeout });
    return { ok: r.isError !== true, ms: performance.now() - t0 };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, error: (err as Error).message };
  }
}

describe("StdioFaultLayer", () => {
  it("cuts a frame in half", () => {
    expect(truncateFrame('{"jsonrpc":"2.0","id":1}')).toBe('{"jsonrpc":"');
  });

  it("acts only on its direction and share of frames", () => {
    const layer = new StdioFaultLayer(3);
    layer.set({ action: "drop", delayMs: 0, probability: 0.5, direction: "from-server" });
    expect(layer.decide("to-server")).toEqual({ action: "pass" });
    const dropped = Array.from({ length: 1000 }, () => layer.decide("from-server").action).filter((a) => a === "drop").length;
    expect(dropped).toBeGreaterThan(400);
    expect(dropped).toBeLessThan(600);
    layer.clear();
    expect(layer.decide("from-server")).toEqual({ action: "pass" });
  });

  it("delays, drops and truncates the frames of a real stdio server", async () => {
    const def = findServer("everything")!;
    const stack = await startLocalTestStack(registry, [def], { proxied: false });
    const layer = new StdioFaultLayer(1);
    const session = await startSession({ def, agent: 0, endpoints: stack.endpoints, registry, timeoutMs: 30_000, stdioFaults: layer });
    const clean = await timed(session);
    expect(clean.ok).toBe(true);

    layer.set({ action: "delay", delayMs: 200, probability: 1, direction: "from-server" });
    const delayed = await timed(session);
    expect(delayed.ok).toBe(true);
    expect(delayed.ms).toBeGreaterThanOrEqual(195);

    layer.set({ action: "drop", delayMs: 0, probability: 1, direction: "to-server" });
    const dropped = await timed(session, 500);
    expect(dropped.ok).toBe(false);
    expect(dropped.error).toMatch(/timed out/i);

    layer.set({ action: "truncate", delayMs: 0, probability: 1, direction: "to-server" });
    const truncated = await timed(session, 1000);
    expect(truncated.ok).toBe(false);

    layer.clear();
    expect((await timed(session)).ok).toBe(true);
    // After a timeout the client also sends notifications/cancelled, which the active fault catches too.
    expect(layer.counts.delay).toBe(1);
    expect(layer.counts.drop).toBeGreaterThanOrEqual(1);
    expect(layer.counts.truncate).toBeGreaterThanOrEqual(1);
    await session.close();
    await stack.stop();
  });
});
