import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import { loadScenario, validateScenarioFile } from "../config/load-scenario.js";
import { localProvider } from "../providers/local.js";
import type { Stack } from "../providers/provider.js";
import { HttpBridge, NativeHttpServer, startHttpEndpoints, type HttpEndpoints } from "./http-bridge.js";
import { findProcessesOfRun } from "./leftovers.js";
import { startSession, type McpSession } from "./mcp-session.js";
import { ResourceRegistry } from "./resource-registry.js";

let registry: ResourceRegistry | undefined;
let stack: Stack | undefined;
let http: HttpEndpoints | undefined;

async function setUp(servers: string[]): Promise<{ stack: Stack; http: HttpEndpoints }> {
  registry = new ResourceRegistry({ runId: `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });
  const defs = servers.map((n) => findServer(n)!);
  stack = await localProvider.start({ servers: defs, extraNeeds: [], registry: registry!, seedRows: 10, proxied: true, transport: "http", redis: { persistence: "none" }, postgres: { synchronousCommit: "on" } });
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
    const pids = new Set(sessions.map((s) => s.process.pid));
    expect(pids.size).toBe(3);
    expect(bridge.children().map((p) => p.pid).sort()).toEqual([...pids].sort());
    expect(sessions.map((s) => s.process.name)).toEqual(["redis#0", "redis#1", "redis#2"]);

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
    const toxic = await hop.proxy.addToxic({ name: "slow", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 150, jitter: 0 } } as never);
    const during = Math.min(await timeGet(), await timeGet());
    await (toxic as { remove(): Promise<void> }).remove();
    expect(during).toBeGreaterThan(before + 120);

    // Closing a session (DELETE) stops its child; the others keep theirs.
    await sessions[0]!.close();
    expect(sessions[0]!.process.isRunning()).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(bridge.children()).toHaveLength(2);
    await Promise.all(sessions.slice(1).map((s) => s.close()));
    expect(bridge.children()).toHaveLength(0);
    expect(sessions.every((s) => !s.process.isRunning())).toBe(true);
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
    expect(a!.process.pid).toBe(native.process.pid);
    expect(b!.process.pid).toBe(native.process.pid);
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
      fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) });
    expect((await post({})).status).toBe(400);
    expect((await post({ "mcp-session-id": "nope" })).status).toBe(404);
    expect((http.get("redis") as HttpBridge).children()).toHaveLength(0);
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
