/**
 * The real conformance suite (installed by scripts/setup.sh into .tools/conformance, on its own
 * Node 24) against real catalog servers on the local stack: server-everything over its own
 * Streamable HTTP endpoint, server-memory (stdio) through the harness's bridge.
 */
import { readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { expectNothingLeft } from "../../test/support/cli.js";
import { findServer } from "../catalog/servers.js";
import type { Stack } from "../providers/provider.js";
import { type HttpEndpoints, startHttpEndpoints } from "../stack/http-bridge.js";
import { startSession, writeServerFiles } from "../stack/mcp-session.js";
import { ResourceRegistry, tempDirMarker } from "../stack/resource-registry.js";
import { startLocalTestStack } from "../testing/local-stack.js";
import { conformanceRuntime, runConformance } from "./conformance.js";
import { conformanceAndHttp, conformanceInfo } from "./conformance-live.js";

let registry: ResourceRegistry | undefined;
let stack: Stack | undefined;
let http: HttpEndpoints | undefined;

const newRegistry = () => new ResourceRegistry({ runId: `conf${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });

afterEach(async () => {
  await http?.stop();
  await stack?.stop();
  await registry?.disposeAll();
  http = undefined;
  stack = undefined;
  registry = undefined;
});

async function endpointOf(server: string): Promise<{ url: string; native: boolean; capabilities: ServerCapabilities }> {
  registry = newRegistry();
  const def = findServer(server)!;
  stack = await startLocalTestStack(registry, [def], { proxied: false, transport: "http" });
  await writeServerFiles([def], stack.endpoints);
  http = await startHttpEndpoints({ servers: [def], endpoints: stack.endpoints, registry, toxiproxy: undefined, timeoutMs: 30_000 });
  const ep = http.get(server)!;
  // The capabilities the scan would hand over: the server's own initialize answer.
  const client = new Client({ name: "conformance-test", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(ep.directUrl));
  await client.connect(transport);
  const capabilities = client.getServerCapabilities() ?? {};
  await transport.terminateSession();
  await client.close();
  return { url: ep.directUrl, native: ep.kind === "native", capabilities };
}

describe("runConformance on the real suite", () => {
  it("is installed by setup with a Node it can run on", () => {
    const runtime = conformanceRuntime();
    expect(runtime.ok, runtime.ok ? "" : runtime.why).toBe(true);
    expect(conformanceInfo()).toMatchObject({ tool: "@modelcontextprotocol/conformance@0.1.16", node: expect.stringMatching(/^v2[2-9]\./) });
  });

  it("server-everything (native HTTP): every capability-gated scenario runs; DNS rebinding fails, as the server serves any Host", async () => {
    const ep = await endpointOf("everything");
    expect(ep.native).toBe(true);
    const out = await runConformance({ server: "everything", ...ep, registry: registry! });
    const by = Object.fromEntries(out.scenarios.map((s) => [s.name, s.status]));
    expect(by).toMatchObject({
      "server-initialize": "pass",
      ping: "pass",
      "tools-list": "pass",
      "logging-set-level": "pass",
      "resources-list": "pass",
      "prompts-list": "pass",
      "server-sse-multiple-streams": "pass",
      "dns-rebinding-protection": "fail",
    });
    expect(out.status).toBe("fail");
    const finding = out.findings.find((f) => f.ruleId === "conformance.dns-rebinding-protection");
    expect(finding).toMatchObject({ severity: "high", evidence: expect.stringMatching(/Expected HTTP 4xx for invalid Host\/Origin headers, got 200/) });
    expect(out.findings).toHaveLength(1);
    // Its output dir went with it; only the registry's record of it remains until disposeAll.
    const outDirs = registry!.tempDirs.filter((d) => path.basename(d).includes("conformance-everything"));
    expect(outDirs).toHaveLength(1);
    for (const d of outDirs) await expect(readdir(d)).rejects.toThrow();
    expect(registry!.processes.filter((p) => p.name.startsWith("conformance#"))).toEqual([]);
    // Ten scenarios, each a Node 24 start and a few sessions: ~10 s here alone, several times that on a busy machine.
  }, 300_000);

  it("server-memory (stdio) as the scan runs it: its own bridge, the transport scenarios and probe.http not applicable, the rest pass, the bridge gone after", async () => {
    registry = newRegistry();
    const def = findServer("memory")!;
    stack = await startLocalTestStack(registry, [def], { proxied: false });
    await writeServerFiles([def], stack.endpoints);
    // The scan's own session is stdio; its initialize answer gives the capabilities.
    const session = await startSession({ def, agent: 0, endpoints: stack.endpoints, registry, timeoutMs: 30_000 });
    try {
      const capabilities = session.client.getServerCapabilities() ?? {};
      const children = () => registry!.processes.filter((p) => p.name.startsWith("memory#") && p !== session.process).length;
      const before = children();
      const { conformance: out, http: probes } = await conformanceAndHttp({
        def,
        session,
        endpoints: stack.endpoints,
        registry,
        signal: new AbortController().signal,
        timeoutMs: 30_000,
      });
      const by = Object.fromEntries(out.scenarios.map((s) => [s.name, s.status]));
      expect(by).toMatchObject({
        "server-initialize": "pass",
        ping: "pass",
        "tools-list": "pass",
        "server-sse-multiple-streams": "not_applicable",
        "dns-rebinding-protection": "not_applicable",
      });
      // memory declares neither logging nor prompts (its initialize answer says so).
      expect(capabilities.logging).toBeUndefined();
      expect(by["logging-set-level"]).toBe("not_applicable");
      expect(out.status).toBe("pass");
      expect(out.findings).toEqual([]);
      expect(probes).toEqual([expect.objectContaining({ check: "probe.http", status: "not_applicable" })]);
      // The suite leaves its sessions open; the bridge and their children went with the part.
      expect(children()).toBe(before);
    } finally {
      await session.close();
    }
  }, 300_000);

  it("a scenario that hangs is stopped at its deadline and one that writes no checks is not measured, nothing left behind", async () => {
    const runId = `confmis${process.pid}-${Date.now().toString(36)}`;
    const reg = new ResourceRegistry({ runId });
    const dir = await reg.makeTempDir("suite");
    // Stands in for the suite's entry point (the harness's handling of a misbehaving child is under test, not the suite).
    const entry = path.join(dir, "suite.mjs");
    await writeFile(
      entry,
      'const s = process.argv[process.argv.indexOf("--scenario") + 1];\n' +
        'if (s === "ping") setInterval(() => {}, 1000); else { console.error("boom: cannot reach server"); process.exit(1); }\n',
    );
    try {
      const started = performance.now();
      const out = await runConformance({
        server: "x",
        url: "http://127.0.0.1:9/mcp",
        capabilities: {},
        native: false,
        registry: reg,
        scenarioTimeoutMs: 1500,
        runtime: { ok: true, version: "test", node: process.execPath, nodeVersion: process.version, entry, nodeFrom: "test" },
      });
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(out.status).toBe("not_measured");
      expect(out.scenarios.find((s) => s.name === "ping")?.detail).toMatch(/did not finish within 2 s and was stopped/);
      expect(out.scenarios.find((s) => s.name === "server-initialize")?.detail).toMatch(/wrote no checks\.json \(exit 1\).*boom: cannot reach server/);
      expect(reg.processes).toHaveLength(0);
    } finally {
      await reg.disposeAll();
    }
    await expectNothingLeft(runId);
    expect((await readdir(os.tmpdir())).filter((n) => n.startsWith(tempDirMarker(runId)))).toEqual([]);
  });

  it("an abort stops the running scenario and rejects with the reason", async () => {
    const ep = await endpointOf("everything");
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("interrupted (test)")), 200);
    await expect(runConformance({ server: "everything", ...ep, registry: registry!, signal: ac.signal })).rejects.toThrow("interrupted (test)");
    expect(registry!.processes.filter((p) => p.name.startsWith("conformance#"))).toEqual([]);
  });
});
