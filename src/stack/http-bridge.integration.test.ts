import { processRunning } from "../util/proc-stat.js";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import { loadScenario, validateScenarioFile } from "../config/load-scenario.js";
import type { Stack } from "../providers/provider.js";
import { HttpBridge, type NativeHttpServer, startHttpEndpoints, type HttpEndpoints } from "./http-bridge.js";
import { findProcessesOfRun } from "./leftovers.js";
import { startSession, type McpSession } from "./mcp-session.js";
import { ResourceRegistry } from "./resource-registry.js";
import { MCP_INITIALIZE, rawHttp } from "../testing/raw-http.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startLocalTestStack } from "../testing/local-stack.js";

let registry: ResourceRegistry | undefined;
let stack: Stack | undefined;
let http: HttpEndpoints | undefined;

async function setUp(servers: string[]): Promise<{ stack: Stack; http: HttpEndpoints }> {
  registry = new ResourceRegistry({ runId: `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });
  const defs = servers.map((n) => findServer(n)!);
  stack = await startLocalTestStack(registry!, defs, { proxied: true, transport: "http" });
  http = await startHttpEndpoints({ servers: defs, endpoints: stack.endpoints, registry: registry!, toxiproxy: stack.toxiproxy, timeoutMs: 20_000 });
  return { stack, http };
}

function open(server: string, agent: number): Promise<McpSession> {
  return startSession({ def: findServer(server)!, agent, endpoints: { ...stack!.endpoints, http: http!.get }, registry: registry!, timeoutMs: 20_000 });
}

function text(result: unknown): string {
  return ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join("");
}

/** Local addresses (hex ip:port) of listening TCP sockets, from /proc/net/tcp{,6}. */
async function listeners(port: number): Promise<string[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(f, "utf8").catch(() => "")).split("\n").slice(1);
    for (const l of lines) {
      const cols = l.trim().split(/\s+/);
      if (cols[3] === "0A" && cols[1]?.endsWith(`:${hexPort}`)) out.push(cols[1]);
    }
  }
  return out;
}

afterEach(async () => {
  const reg = registry;
  if (!reg) return;
  await http?.stop();
  await stack?.stop();
  await reg.disposeAll();
  http = undefined;
  stack = undefined;
  registry = undefined;
  expect(await findProcessesOfRun(reg.runId)).toEqual([]);
});

describe("MCP over Streamable HTTP", () => {
  it("bridges the stdio redis server: tools/list and tools/call through Toxiproxy, one child per session, children stop with their sessions", async () => {
    const { stack, http } = await setUp(["redis"]);
    const bridge = http.get("redis") as HttpBridge;
    expect(bridge.kind).toBe("bridge");
    expect(stack.toxiproxy!.hops.has("client->redis")).toBe(true);
    const hop = stack.toxiproxy!.hops.get("client->redis")!;
    expect(bridge.url).toBe(`http://${hop.listen}/mcp`);
    expect(new URL(bridge.directUrl).hostname).toBe("127.0.0.1");

    const sessions = await Promise.all([0, 1, 2].map((a) => open("redis", a)));
    expect(sessions[0]!.tools).toEqual(expect.arrayContaining(["set", "get", "delete", "list"]));
    expect(sessions[0]!.startToReadyMs).toBeGreaterThan(0);
    const pids = new Set(sessions.map((s) => s.process!.pid));
    expect(pids.size).toBe(3);
    expect(
      bridge
        .children()
        .map((p) => p.pid)
        .sort(),
    ).toEqual([...pids].sort());
    expect(sessions.map((s) => s.process!.name)).toEqual(["redis#0", "redis#1", "redis#2"]);

    await sessions[0]!.client.callTool({ name: "set", arguments: { key: "http:k", value: "v1" } });
    const got = await sessions[1]!.client.callTool({ name: "get", arguments: { key: "http:k" } });
    expect(text(got)).toContain("v1");

    // A latency toxic on the client hop slows every call.
    const timeGet = async () => {
      const t0 = performance.now();
      await sessions[2]!.client.callTool({ name: "get", arguments: { key: "http:k" } });
      return performance.now() - t0;
    };
    const before = Math.min(await timeGet(), await timeGet(), await timeGet());
    const toxic = await hop.proxy.addToxic({
      name: "slow",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 150, jitter: 0 },
    } as never);
    const during = Math.min(await timeGet(), await timeGet());
    await (toxic as { remove(): Promise<void> }).remove();
    expect(during).toBeGreaterThan(before + 120);

    // Closing a session (DELETE) stops its child; the others keep theirs.
    await sessions[0]!.close();
    expect(sessions[0]!.process!.isRunning()).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(bridge.children()).toHaveLength(2);
    await Promise.all(sessions.slice(1).map((s) => s.close()));
    expect(bridge.children()).toHaveLength(0);
    expect(sessions.every((s) => !s.process!.isRunning())).toBe(true);
  });

  it("runs server-everything natively on 127.0.0.1 only, behind Toxiproxy; sessions share its process", async () => {
    const { stack, http } = await setUp(["everything"]);
    const native = http.get("everything") as NativeHttpServer;
    expect(native.kind).toBe("native");
    expect(stack.toxiproxy!.hops.has("client->everything")).toBe(true);
    // Bound to loopback only (127.0.0.1 is 0100007F in /proc/net/tcp), never to every interface.
    const bound = await listeners(native.port);
    expect(bound).toEqual([`0100007F:${native.port.toString(16).toUpperCase().padStart(4, "0")}`]);

    const [a, b] = await Promise.all([open("everything", 0), open("everything", 1)]);
    expect(a!.tools).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect(text(await a!.client.callTool({ name: "echo", arguments: { message: "over http" } }))).toContain("over http");
    expect(a!.process!.pid).toBe(native.process.pid);
    expect(b!.process!.pid).toBe(native.process.pid);
    await a!.close();
    await b!.close();
    // Sessions end, the shared server stays until its endpoint is stopped.
    expect(native.process.isRunning()).toBe(true);
    await http.stop();
    expect(native.process.isRunning()).toBe(false);
  });

  it("rejects a non-initialize request without a session and unknown session ids", async () => {
    const { http } = await setUp(["redis"]);
    const url = http.get("redis")!.directUrl;
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    expect((await post({})).status).toBe(400);
    expect((await post({ "mcp-session-id": "nope" })).status).toBe(404);
    expect((http.get("redis") as HttpBridge).children()).toHaveLength(0);
  });
});

const raw = rawHttp;
const INITIALIZE = MCP_INITIALIZE;

/** A process that exists and is not a zombie. */
const alive = processRunning;

describe("the bridge guards itself (DNS rebinding, idle sessions, a session cap)", () => {
  let bridge: HttpBridge | undefined;
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
  });

  async function startBridge(
    opts: { allowedHosts?: string[]; idleTimeoutMs?: number; maxSessions?: number } = {},
  ): Promise<{ bridge: HttpBridge; logs: string[] }> {
    registry = new ResourceRegistry({ runId: `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });
    const logs: string[] = [];
    const workdir = await registry.makeTempDir("work");
    bridge = await HttpBridge.start({ def: findServer("memory")!, endpoints: { sandbox: workdir, workdir }, registry, ...opts, log: (l) => logs.push(l) });
    return { bridge, logs };
  }

  it("answers a Host or Origin that is not its own with 403 before starting anything, and a loopback client as before", async () => {
    const { bridge } = await startBridge({ allowedHosts: ["mcp-memory"] });
    const url = bridge.directUrl;
    const port = new URL(url).port;
    const evilHost = await raw(url, { headers: { host: "evil.com" }, body: INITIALIZE });
    expect(evilHost.status).toBe(403);
    expect(JSON.parse(evilHost.body).error.message).toMatch(/Host "evil.com" is not a host of this bridge.*DNS rebinding/);
    // What a rebinding page sends: its own name with the victim's port, and an Origin to match.
    expect((await raw(url, { headers: { host: `evil.com:${port}`, origin: `http://evil.com:${port}` }, body: INITIALIZE })).status).toBe(403);
    const evilOrigin = await raw(url, { headers: { origin: "http://evil.com" }, body: INITIALIZE });
    expect(evilOrigin.status).toBe(403);
    expect(JSON.parse(evilOrigin.body).error.message).toMatch(/Origin "http:\/\/evil.com"/);
    expect((await raw(url, { headers: { origin: "null" }, body: INITIALIZE })).status).toBe(403);
    expect((await raw(url, { headers: { host: "127.0.0.1.evil.com" }, body: INITIALIZE })).status).toBe(403);
    // Refused before any session or child existed, also with a session id or on another path.
    expect((await raw(url, { headers: { host: "evil.com", "mcp-session-id": "x" }, body: INITIALIZE })).status).toBe(403);
    expect((await raw(url.replace("/mcp", "/other"), { headers: { host: "evil.com" }, body: INITIALIZE })).status).toBe(403);
    expect(bridge.children()).toHaveLength(0);
    expect(await findProcessesOfRun(registry!.runId)).toEqual([]);

    // The loopback names (any port) and the hosts it was given pass; so does an Origin naming one.
    for (const headers of [
      { host: `localhost:${port}` } as Record<string, string>,
      { host: `mcp-memory:8080`, origin: "http://mcp-memory:8080" },
      { host: `127.0.0.1:${port}`, origin: "http://localhost:5173" },
    ]) {
      const ok = await raw(url, { headers, body: INITIALIZE });
      expect(ok.status, JSON.stringify(headers)).toBe(200);
      expect(ok.headers["mcp-session-id"]).toBeTruthy();
    }
    expect(bridge.children()).toHaveLength(3);
    // And the harness's own client, unchanged.
    const client = new Client({ name: "loopback", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("read_graph");
    await client.close();
  });

  it("ends sessions nobody uses after the idle timeout and stops their children; a session in use stays", async () => {
    const idleTimeoutMs = 3000;
    const { bridge, logs } = await startBridge({ idleTimeoutMs });
    const url = bridge.directUrl;
    // One session in use (its child started first, so it is not the abandoned ones).
    const client = new Client({ name: "busy", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const [busy] = bridge.children().map((p) => p.pid);
    // Two abandoned sessions: initialized, then never a request again (no DELETE).
    const answeredAt: number[] = [];
    for (let i = 0; i < 2; i++) {
      expect((await raw(url, { body: INITIALIZE })).status).toBe(200);
      answeredAt.push(performance.now());
    }
    const abandoned = bridge
      .children()
      .map((p) => p.pid)
      .filter((pid) => pid !== busy);
    expect(abandoned).toHaveLength(2);
    const goneAt = new Map<number, number>();
    // The busy session calls every 200 ms, for longer than the idle timeout, until both others are gone.
    const started = performance.now();
    while ((goneAt.size < abandoned.length || performance.now() - started < idleTimeoutMs * 1.5) && performance.now() - started < idleTimeoutMs + 30_000) {
      await client.callTool({ name: "read_graph", arguments: {} });
      for (const pid of abandoned) if (!goneAt.has(pid) && !alive(pid)) goneAt.set(pid, performance.now());
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(abandoned.filter(alive), "children of abandoned sessions still running").toEqual([]);
    // Not before the timeout: the idle clock of a session starts when its initialize was answered,
    // which the client saw at answeredAt (a timer never fires early; seeing the death comes after it).
    for (const [i, pid] of abandoned.entries()) expect(goneAt.get(pid)! - answeredAt[i]!).toBeGreaterThanOrEqual(idleTimeoutMs - 100);
    expect(performance.now() - started).toBeGreaterThan(idleTimeoutMs * 1.5);
    expect(alive(busy!)).toBe(true);
    expect(bridge.children().map((p) => p.pid)).toEqual([busy]);
    expect(logs.filter((l) => /had no request for 3 s: ended, its child memory#http \(pid \d+\) stopped/.test(l))).toHaveLength(2);
    await client.close();
  });

  it("answers an initialize beyond its session cap with 503, starting no child, and takes one again once a session ended", async () => {
    const { bridge, logs } = await startBridge({ maxSessions: 2 });
    const url = bridge.directUrl;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await raw(url, { body: INITIALIZE });
      expect(r.status).toBe(200);
      ids.push(String(r.headers["mcp-session-id"]));
    }
    const over = await raw(url, { body: INITIALIZE });
    expect(over.status).toBe(503);
    expect(JSON.parse(over.body).error.message).toMatch(/already has 2 MCP sessions, its cap .*--max-sessions/);
    expect(bridge.children()).toHaveLength(2);
    expect(logs.some((l) => l.includes("refused a new session: 2 open, the cap is 2"))).toBe(true);
    // Ending one (DELETE) makes room.
    const deleted = await raw(url, { method: "DELETE", headers: { "mcp-session-id": ids[0]!, "mcp-protocol-version": "2025-06-18" } });
    expect(deleted.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect((await raw(url, { body: INITIALIZE })).status).toBe(200);
    expect(bridge.children()).toHaveLength(2);
  });
});

describe("scenario field transport and the client->server hop", () => {
  const scenario = (extra: string) => `name: t
servers: [redis, everything]
agents: 1
duration: 1s
${extra}
workload: { kind: mix, calls: [{ server: redis, tool: get, args: { key: k } }] }
faults:
  - { kind: toxic, hop: client->redis, toxic: latency, attributes: { latency: 50 }, at: 0s }
`;
  it("accepts client->server hops with transport: http, and says why not without it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "http-transport-"));
    try {
      const good = path.join(dir, "good.yaml");
      await writeFile(good, scenario("transport: http"));
      expect(await validateScenarioFile(good)).toEqual([]);
      expect((await loadScenario(good, "ci")).transport).toBe("http");
      const stdio = path.join(dir, "stdio.yaml");
      await writeFile(stdio, scenario(""));
      const problems = await validateScenarioFile(stdio);
      expect(problems.join("\n")).toMatch(/client->redis.*transport: http/);
      const bad = path.join(dir, "bad.yaml");
      await writeFile(bad, scenario("transport: grpc"));
      expect((await validateScenarioFile(bad)).join("\n")).toMatch(/transport/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
