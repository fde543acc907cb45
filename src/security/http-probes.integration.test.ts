/**
 * probe.http against real catalog servers on the local stack: server-everything's own Streamable
 * HTTP endpoint, server-memory (stdio) behind the harness's bridge; and a fixture server that does
 * everything right (an MCP SDK server on 127.0.0.1 with Host/Origin validation), so a pass is shown to be reachable.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { PROJECT_ROOT } from "../project-root.js";
import type { Stack } from "../providers/provider.js";
import { type HttpEndpoints, startHttpEndpoints } from "../stack/http-bridge.js";
import { writeServerFiles } from "../stack/mcp-session.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { startLocalTestStack } from "../testing/local-stack.js";
import { probeBridge, probeHttp } from "./http-probes.js";

let registry: ResourceRegistry | undefined;
let stack: Stack | undefined;
let http: HttpEndpoints | undefined;

afterEach(async () => {
  await http?.stop();
  await stack?.stop();
  await registry?.disposeAll();
  http = undefined;
  stack = undefined;
  registry = undefined;
});

async function start(def: ServerDefinition) {
  registry = new ResourceRegistry({ runId: `httpp${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });
  stack = await startLocalTestStack(registry, [def], { proxied: false, transport: "http" });
  await writeServerFiles([def], stack.endpoints);
  http = await startHttpEndpoints({ servers: [def], endpoints: stack.endpoints, registry, toxiproxy: undefined, timeoutMs: 30_000 });
  return { endpoint: http.get(def.name)!, endpoints: stack.endpoints, registry };
}

const statusOf = (outcomes: { probe: string; status: string }[]) => Object.fromEntries(outcomes.map((o) => [o.probe, o.status]));

describe("probe.http", () => {
  it("server-everything: serves a foreign Origin and Host, asks to listen on every interface, issues random session ids", async () => {
    const def = findServer("everything")!;
    const s = await start(def);
    const out = await probeHttp({ def, ...s });
    expect(statusOf(out)).toEqual({ "http.origin": "fail", "http.host": "fail", "http.loopback-bind": "fail", "http.session-ids": "pass" });
    const bind = out.find((o) => o.probe === "http.loopback-bind")!;
    // What it asked for, and that the run's own instance was confined by the harness's preload.
    expect(bind.detail).toMatch(/no address: every interface.*listens on 127\.0\.0\.1:\d+ only because the harness preloads/);
    expect(bind.finding?.severity).toBe("medium");
    expect(out.find((o) => o.probe === "http.origin")?.finding).toMatchObject({
      severity: "high",
      evidence: expect.stringMatching(/Origin: http:\/\/evil\.example\.com -> HTTP 200/),
    });
    expect(out.find((o) => o.probe === "http.session-ids")?.detail).toMatch(/^50 distinct session ids, UUID version 4/);
    expect(out.every((o) => o.check === "probe.http")).toBe(true);
    // The bind probe's extra instance is gone.
    expect(s.registry.processes.filter((p) => p.name.endsWith("#bind-probe"))).toEqual([]);
  });

  it("server-memory behind the bridge: not applicable for the server; the bridge, probed apart, refuses foreign Host and Origin", async () => {
    const def = findServer("memory")!;
    const s = await start(def);
    const out = await probeHttp({ def, ...s });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ status: "not_applicable", detail: expect.stringMatching(/the harness's bridge/) });
    const bridge = await probeBridge(s.endpoint, { sessions: 12 });
    expect(statusOf(bridge)).toEqual({ "bridge.origin": "pass", "bridge.host": "pass", "bridge.session-ids": "pass" });
  });

  it("a server that validates Host and Origin and asks for 127.0.0.1 passes every probe", async () => {
    const dir = path.join(PROJECT_ROOT, "test", "fixtures", "servers");
    const def: ServerDefinition = {
      name: "strict-http",
      title: "Fixture: Streamable HTTP done right",
      package: "fixture",
      command: "node",
      args: [path.join(dir, "strict-http-server.mjs")],
      env: {},
      needs: [],
      transport: "stdio",
      http: { args: [path.join(dir, "strict-http-server.mjs")], portEnv: "PORT", path: "/mcp" },
    };
    const s = await start(def);
    const out = await probeHttp({ def, ...s, sessions: 20 });
    expect(statusOf(out)).toEqual({ "http.origin": "pass", "http.host": "pass", "http.loopback-bind": "pass", "http.session-ids": "pass" });
  });
});
