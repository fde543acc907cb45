/**
 * Every MCP method through the sdk driver's CallContext (issue 19), with a real Client and a real
 * McpServer linked in memory (InMemoryTransport: the SDK's own pair, no I/O): each request is
 * recorded under its method, apart from a tool of the same name; message sizes are the sizes of the
 * messages that crossed (seen independently on the server's side of the pair); notifications are
 * counted in the window only.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SubscribeRequestSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MCP_METHODS } from "../contracts/mcp-methods.js";
import type { MethodRequest } from "../contracts/workload-env.js";
import { Recorder } from "../metrics/recorder.js";
import type { McpSession } from "../stack/mcp-session.js";
import { CallContext } from "./sdk-driver.js";

/** What crossed the wire, seen from the server's side: sizes of requests and responses by id. */
interface Wire {
  requests: Map<string | number, number>;
  responses: Map<string | number, number>;
}

async function linked() {
  const server = new McpServer({ name: "methods", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: "text", text: message }] }));
  // A tool named like a method: its samples must never be mixed with the method's.
  server.registerTool("ping", { description: "a tool named ping" }, async () => ({ content: [{ type: "text", text: "tool" }] }));
  server.registerResource("doc", "test://doc", { mimeType: "text/plain" }, async (uri) => ({ contents: [{ uri: uri.href, text: "the doc" }] }));
  server.registerResource(
    "item",
    new ResourceTemplate("test://item/{id}", { list: undefined, complete: { id: (v) => ["1", "2", "3"].filter((x) => x.startsWith(v)) } }),
    {},
    async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `item ${String(id)}` }] }),
  );
  server.registerPrompt("greet", { argsSchema: { who: completable(z.string(), (v) => ["Ada", "Alan"].filter((x) => x.startsWith(v))) } }, ({ who }) => ({
    messages: [{ role: "user", content: { type: "text", text: `hello ${who}` } }],
  }));
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    // Two updates right after the answer: notifications the session must count.
    setImmediate(() => {
      void server.server.sendResourceUpdated({ uri: req.params.uri });
      void server.server.sendResourceUpdated({ uri: req.params.uri });
    });
    return {};
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const wire: Wire = { requests: new Map(), responses: new Map() };
  const send = serverSide.send.bind(serverSide);
  serverSide.send = (m: JSONRPCMessage, o) => {
    if ("id" in m && !("method" in m) && m.id !== undefined) wire.responses.set(m.id, Buffer.byteLength(JSON.stringify(m)));
    return send(m, o);
  };
  await server.connect(serverSide);
  const receive = serverSide.onmessage!;
  serverSide.onmessage = (m: JSONRPCMessage, extra) => {
    if ("id" in m && "method" in m) wire.requests.set(m.id, Buffer.byteLength(JSON.stringify(m)));
    receive(m, extra);
  };
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  return { client, wire };
}

const REQUESTS: MethodRequest[] = [
  { method: "tools/list" },
  { method: "resources/list" },
  { method: "resources/read", uri: "test://item/7" },
  { method: "resources/templates/list" },
  { method: "resources/subscribe", uri: "test://doc" },
  { method: "prompts/list" },
  { method: "prompts/get", name: "greet", arguments: { who: "Ada" } },
  { method: "completion/complete", ref: { type: "ref/prompt", name: "greet" }, argument: { name: "who", value: "A" } },
  { method: "completion/complete", ref: { type: "ref/resource", uri: "test://item/{id}" }, argument: { name: "id", value: "2" } },
  { method: "ping" },
];

describe("CallContext.request: every MCP method, timed and recorded under its method", () => {
  it("answers each method with its text, keeps a tool named ping apart from ping, and records every message's size", async () => {
    const { client, wire } = await linked();
    const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: performance.now() });
    const ctx = new CallContext(recorder, [{ id: 0, sessions: new Map([["s", { client } as unknown as McpSession]]) }], 2000);
    ctx.phase = "measure";

    const texts = new Map<string, string>();
    for (const r of REQUESTS) {
      const result = await ctx.request(0, "s", r);
      expect(result.outcome, `${r.method}: ${result.error}`).toBe("ok");
      texts.set(r.method, `${texts.get(r.method) ?? ""}${result.text}`);
    }
    for (let i = 0; i < 3; i++) expect((await ctx.call(0, "s", "ping", {})).text).toBe("tool");
    expect((await ctx.call(0, "s", "echo", { message: "x".repeat(1000) })).outcome).toBe("ok");

    expect(texts.get("resources/read")).toBe("item 7");
    expect(texts.get("prompts/get")).toBe("hello Ada");
    expect(texts.get("completion/complete")).toBe("Ada\nAlan2");
    expect(texts.get("tools/list")).toBe("echo\nping");
    expect(texts.get("resources/templates/list")).toBe("test://item/{id}");

    // One row per method; tools/call holds the 3 tool pings and the echo, the method ping its one request.
    const rows = recorder.methodSummaries();
    expect(rows.map((m) => m.method).sort()).toEqual([...MCP_METHODS].sort());
    expect(rows.find((m) => m.method === "ping")).toMatchObject({ calls: 1, ok: 1 });
    expect(rows.find((m) => m.method === "tools/call")).toMatchObject({ calls: 4, ok: 4 });
    expect(rows.find((m) => m.method === "completion/complete")).toMatchObject({ calls: 2, ok: 2 });
    expect(recorder.count({ tool: "ping" }, ["ok"])).toBe(3);
    expect(recorder.count({ method: "ping" }, ["ok"])).toBe(1);
    expect(recorder.count({ method: "tools/call", tool: "ping" }, ["ok"])).toBe(3);
    expect(recorder.select({ server: "s", method: "resources/read" }, ["ok", "timeout"]).totalCount).toBe(1);
    const calls = recorder.callSummaries();
    expect(calls.filter((c) => c.tool === "ping").map((c) => [c.method, c.ok])).toEqual([
      [undefined, 3],
      ["ping", 1],
    ]);

    // Sizes: every request the server received and every response it sent, byte for byte.
    const payload = recorder.payloadSummaries();
    const total = (f: (p: (typeof payload)[number]) => number) => payload.reduce((a, p) => a + f(p), 0);
    expect(total((p) => p.unmetered)).toBe(0);
    expect(total((p) => p.request.count)).toBe(REQUESTS.length + 4);
    expect(total((p) => p.request.mean * p.request.count)).toBeCloseTo([...wire.requests.values()].reduce((a, b) => a + b, 0) - initRequestBytes(wire), 6);
    expect(total((p) => p.response.mean * p.response.count)).toBeCloseTo([...wire.responses.values()].reduce((a, b) => a + b, 0) - initResponseBytes(wire), 6);
    const echo = payload.find((p) => p.tool === "echo")!;
    expect(echo.request.max).toBeGreaterThan(1000);
    expect(echo.response.max).toBeGreaterThan(1000);
    const ping = payload.find((p) => p.method === "ping")!;
    expect(ping.request.max).toBe(Buffer.byteLength(JSON.stringify({ method: "ping", jsonrpc: "2.0", id: idOf(wire, ping.request.max) })));

    // The subscription's two updates arrive after its answer; counted in the window.
    await new Promise((r) => setTimeout(r, 20));
    expect(recorder.notificationCounts()).toEqual([{ server: "s", method: "notifications/resources/updated", count: 2 }]);
    ctx.phase = "warmup";
    await ctx.request(0, "s", { method: "resources/subscribe", uri: "test://doc" });
    await new Promise((r) => setTimeout(r, 20));
    // Outside the window: not counted.
    expect(recorder.notificationCounts()[0]!.count).toBe(2);
    await client.close();
  });

  it("a method the server does not serve fails as the server's answer, recorded under the method", async () => {
    const { client } = await linked();
    const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: performance.now() });
    const ctx = new CallContext(recorder, [{ id: 0, sessions: new Map([["s", { client } as unknown as McpSession]]) }], 2000);
    ctx.phase = "measure";
    const r = await ctx.request(0, "s", { method: "prompts/get", name: "nope", arguments: {} });
    expect(r.outcome).toBe("error");
    expect(recorder.errorSummaries()).toMatchObject([{ server: "s", tool: "prompts/get", method: "prompts/get", outcome: "error" }]);
    expect(recorder.methodSummaries()).toMatchObject([{ method: "prompts/get", calls: 1, ok: 0, failed: 1 }]);
    await client.close();
  });
});

/** The initialize handshake went through the same pair before the meter was installed: request id 0. */
function initRequestBytes(wire: Wire): number {
  return wire.requests.get(0) ?? 0;
}
function initResponseBytes(wire: Wire): number {
  return wire.responses.get(0) ?? 0;
}
/** The id of the request of that size (the ping's). */
function idOf(wire: Wire, bytes: number): string | number {
  for (const [id, size] of wire.requests) if (size === bytes) return id;
  throw new Error(`no request of ${bytes} bytes`);
}
