/**
 * How the SDK client's failures are told apart, with a real Client and a real McpServer linked in
 * memory (InMemoryTransport: the SDK's own test pair, no I/O), and what the driver does with a
 * lost session: a doubling backoff, cleared by the first answer.
 */
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { Recorder } from "../metrics/recorder.js";
import type { McpSession } from "../stack/mcp-session.js";
import { classifyCallError, UNPARSEABLE_ANSWER } from "../contracts/failure-kind.js";
import { BACKOFF_MAX_MS, backoffMs, CallContext } from "./sdk-driver.js";

/** A linked client and server; `onWire` may rewrite what the server sends. */
async function linked(onWire?: (m: JSONRPCMessage) => JSONRPCMessage) {
  const server = new McpServer({ name: "kinds", version: "1.0.0" });
  server.registerTool("ok", { description: "answers" }, async () => ({ content: [{ type: "text", text: "fine" }] }));
  server.registerTool("refuse", { description: "JSON-RPC error" }, async () => {
    throw new McpError(-32000, "database unavailable");
  });
  server.registerTool("never", { description: "no answer" }, () => new Promise(() => {}));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  if (onWire) {
    const send = serverSide.send.bind(serverSide);
    serverSide.send = (m, o) => send(onWire(m), o);
  }
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  await client.listTools();
  return { client, server, serverSide };
}

async function failureOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return classifyCallError(err, 300);
  }
  throw new Error("the call did not fail");
}

describe("classifyCallError, against the SDK's own rejections", () => {
  it("a JSON-RPC error response is a tool error, even with the code the SDK uses for a closed connection", async () => {
    // McpServer turns a thrown error into an isError result; on the wire it becomes a JSON-RPC error response.
    const { client } = await linked((m) =>
      "result" in m && (m.result as { isError?: boolean }).isError ? { jsonrpc: "2.0", id: m.id, error: { code: -32000, message: "database unavailable" } } : m,
    );
    const f = await failureOf(client.callTool({ name: "refuse", arguments: {} }));
    expect(f).toEqual({ outcome: "error", kind: "tool", message: "MCP error -32000: database unavailable" });
  });

  it("a result that breaks the CallToolResult schema is a protocol error", async () => {
    const { client } = await linked((m) => ("result" in m && "content" in (m.result as object) ? { ...m, result: { content: "not a list" } } : m));
    const f = await failureOf(client.callTool({ name: "ok", arguments: {} }));
    expect(f).toMatchObject({ outcome: "error", kind: "protocol" });
    expect(f.message).toMatch(/breaks the MCP result schema at content/);
  });

  it("structured content that breaks the tool's declared output schema is a protocol error", async () => {
    const server = new McpServer({ name: "kinds", version: "1.0.0" });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const send = serverSide.send.bind(serverSide);
    // Advertise an output schema, then answer without the structured content it promises.
    serverSide.send = (m, o) => {
      if ("result" in m && Array.isArray((m.result as { tools?: unknown[] }).tools)) {
        const tools = (m.result as { tools: Record<string, unknown>[] }).tools.map((t) => ({
          ...t,
          outputSchema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
        }));
        return send({ ...m, result: { ...m.result, tools } }, o);
      }
      return send(m, o);
    };
    server.registerTool("ok", { description: "answers" }, async () => ({ content: [{ type: "text", text: "fine" }] }));
    await server.connect(serverSide);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(clientSide);
    await client.listTools();
    expect(await failureOf(client.callTool({ name: "ok", arguments: {} }))).toMatchObject({ outcome: "error", kind: "protocol" });
  });

  it("no answer by the deadline is a timeout; a closed or lost connection is a transport failure", async () => {
    const { client, serverSide } = await linked();
    expect(await failureOf(client.callTool({ name: "never", arguments: {} }, undefined, { timeout: 50 }))).toEqual({
      outcome: "timeout",
      kind: "transport",
      message: "no answer within 300 ms",
    });
    const pending = client.callTool({ name: "never", arguments: {} }, undefined, { timeout: 5000 });
    await serverSide.close();
    expect(await failureOf(pending)).toMatchObject({ outcome: "error", kind: "transport" });
    expect(await failureOf(client.callTool({ name: "ok", arguments: {} }))).toEqual({ outcome: "error", kind: "transport", message: "Not connected" });
  });

  it("the stdio transport's mark for an unparseable answer is a protocol error", () => {
    expect(classifyCallError(new McpError(ErrorCode.ParseError, "could not be parsed", { reason: UNPARSEABLE_ANSWER }), 1).kind).toBe("protocol");
    // A server's own parse error (it could not read our request) is its answer: a tool error.
    expect(classifyCallError(new McpError(ErrorCode.ParseError, "bad request"), 1).kind).toBe("tool");
  });
});

describe("a lost session is noticed, not hammered", () => {
  it("backs off 50, 100, 200 ... 1000 ms", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map(backoffMs)).toEqual([50, 100, 200, 400, 800, 1000, 1000, BACKOFF_MAX_MS]);
  });

  it("waits before calling a session that failed at the transport, longer each time, and records the wait", async () => {
    const { client, serverSide } = await linked();
    const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: performance.now(), correctCounts: true });
    const ctx = new CallContext(recorder, [{ id: 0, sessions: new Map([["s", { client } as unknown as McpSession]]) }], 1000);
    ctx.phase = "measure";
    // A pace to correct against: a few quick successes.
    for (let i = 0; i < 5; i++) expect((await ctx.call(0, "s", "ok", {})).outcome).toBe("ok");
    await serverSide.close();
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await ctx.call(0, "s", "ok", {});
      expect(r).toMatchObject({ outcome: "error", kind: "transport" });
      starts.push(r.startedAt);
    }
    expect(ctx.lostSessions).toBe(1);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // The waits run until their retry time on performance.now() (never short) and double.
    expect(gaps[0]).toBeGreaterThanOrEqual(49);
    expect(gaps[1]).toBeGreaterThanOrEqual(99);
    expect(gaps[2]).toBeGreaterThanOrEqual(199);
    const counts = recorder.callCounts({ server: "s" });
    expect(counts.failed.transport).toBe(4);
    expect(counts.missed, "the waits stand for the calls not sent").toBeGreaterThan(0);
  });

  it("does not wait in the open model, which counts every scheduled call", async () => {
    const { client, serverSide } = await linked();
    const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: performance.now() });
    const ctx = new CallContext(recorder, [{ id: 0, sessions: new Map([["s", { client } as unknown as McpSession]]) }], 1000, { backoff: false });
    await serverSide.close();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await ctx.call(0, "s", "ok", {});
    expect(performance.now() - t0).toBeLessThan(50 * 20);
  });
});
