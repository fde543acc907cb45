/**
 * The harness's stdio transport against real stdio MCP server processes (the fixture server of
 * the end-to-end tests): an answer frame that cannot be parsed ends its request at once as a
 * protocol error when it is clear whose answer it was, and a plain log line on stdout (which MCP
 * forbids, and servers do) is skipped without failing anything.
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { classifyCallError } from "../contracts/failure-kind.js";
import { StdioFaultLayer } from "../faults/stdio-fault-layer.js";
import { findProcessesOfRun } from "./leftovers.js";
import { startSession, type McpSession } from "./mcp-session.js";
import { ResourceRegistry } from "./resource-registry.js";

const FIXTURE = fileURLToPath(new URL("../../test/fixtures/mcp-fixture-server.mjs", import.meta.url));
const runId = `stdio-transport-${process.pid}`;
const registry = new ResourceRegistry({ runId });
afterAll(async () => {
  await registry.disposeAll();
  expect(await findProcessesOfRun(runId)).toEqual([]);
});

function fixture(mode: string): ServerDefinition {
  return { name: `fixture-${mode}`, title: mode, package: "custom", command: "node", args: [FIXTURE, mode], env: {}, needs: [], transport: "stdio" };
}

async function open(mode: string, faults?: StdioFaultLayer): Promise<McpSession> {
  const endpoints = { sandbox: os.tmpdir(), workdir: path.dirname(FIXTURE) };
  return startSession({ def: fixture(mode), agent: 0, endpoints, registry, timeoutMs: 30_000, ...(faults && { stdioFaults: faults }) });
}

async function call(session: McpSession, tool: string, timeout: number) {
  const t0 = performance.now();
  try {
    const r = await session.client.callTool({ name: tool, arguments: {} }, undefined, { timeout });
    return { ok: r.isError !== true, ms: performance.now() - t0, kind: undefined };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, kind: classifyCallError(err, timeout).kind, outcome: classifyCallError(err, timeout).outcome };
  }
}

describe("ManagedStdioTransport", () => {
  it("ends the one request in flight at once as a protocol error when its answer frame is cut short", async () => {
    const session = await open("misbehave");
    try {
      const garbled = await call(session, "garbled", 10_000);
      expect(garbled).toMatchObject({ ok: false, kind: "protocol", outcome: "error" });
      expect(garbled.ms, "ended by the broken frame, not the 10 s deadline").toBeLessThan(5000);
      // The session is still usable afterwards.
      expect((await call(session, "work", 10_000)).ok).toBe(true);
    } finally {
      await session.close();
    }
  });

  it("cannot tell whose a cut frame was with two requests in flight: both wait for their deadline, as before", async () => {
    const session = await open("misbehave");
    try {
      const both = await Promise.all([call(session, "garbled", 800), call(session, "garbled", 800)]);
      for (const r of both) expect(r).toMatchObject({ ok: false, outcome: "timeout" });
    } finally {
      await session.close();
    }
  });

  it("a frame the stdio fault layer cuts in half is a protocol error too", async () => {
    const layer = new StdioFaultLayer(1);
    const session = await open("misbehave", layer);
    try {
      layer.set({ action: "truncate", delayMs: 0, probability: 1, direction: "from-server" });
      const cut = await call(session, "work", 10_000);
      layer.clear();
      expect(cut).toMatchObject({ ok: false, kind: "protocol" });
      expect(cut.ms).toBeLessThan(5000);
      expect(layer.counts.truncate).toBe(1);
    } finally {
      await session.close();
    }
  });

  it("skips a plain log line on stdout without failing the call", async () => {
    const session = await open("chatty");
    try {
      for (let i = 0; i < 3; i++) expect(await call(session, "work", 10_000)).toMatchObject({ ok: true });
    } finally {
      await session.close();
    }
  });
});
