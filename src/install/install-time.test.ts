/**
 * Install time and start-to-ready, judged: the catalog SLOs install.time and server.start_to_ready
 * evaluated from install results the way an install scenario does (installMeasurements), and where
 * each catalog server would be installed from.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ResolvedSlo } from "../contracts/plan.js";
import { findServer, packageVersion } from "../catalog/servers.js";
import { redisOfficialServer, redisOfficialExecutable } from "../catalog/servers/redis-official.js";
import type { InstallResult } from "../results/types.js";
import { resolvedCatalogSlo } from "../slo/catalog.js";
import { evaluateSlos } from "../slo/evaluate.js";
import { installSourceOf } from "./measure-install.js";
import { installMeasurements } from "./run-install-scenario.js";

/** A catalog SLO as a scenario resolves it. */
function catalogSlo(id: string): ResolvedSlo {
  const slo = resolvedCatalogSlo(id);
  if (!slo) throw new Error(`no catalog SLO ${id}`);
  return slo;
}

function install(server: string, over: Partial<InstallResult> = {}): InstallResult {
  return {
    server,
    package: `pkg-${server}`,
    version: "1.0.0",
    registry: "npm",
    command: "npm install",
    outcome: "installed",
    installMs: 12_000,
    limitMs: 900_000,
    startToReadyMs: 800,
    ...over,
  };
}

const judge = (id: string, installs: InstallResult[]) =>
  evaluateSlos(
    [catalogSlo(id)],
    installMeasurements(
      installs.map((i) => i.server),
      installs,
    ),
  );

describe("install.time (< 5 min, every server)", () => {
  it("gives one verdict per server, with the measured time and where it was installed from", () => {
    const [fast, slow] = judge("install.time", [install("memory", { installMs: 12_000 }), install("github", { registry: "go", installMs: 6.5 * 60_000 })]);
    expect([fast!.id, fast!.verdict, fast!.measured]).toEqual(["install.time@memory", "pass", 12_000]);
    expect(fast!.reason).toMatch(/registry download included/);
    expect(fast!.source.lines).toBe("486");
    expect([slow!.id, slow!.verdict]).toEqual(["install.time@github", "fail"]);
    expect(slow!.marginText).toMatch(/over the target/);
  });

  it("fails an install stopped at a limit beyond the target, and cannot judge one stopped before it", () => {
    const [over] = judge("install.time", [install("memory", { outcome: "timeout", installMs: 900_000, limitMs: 900_000 })]);
    expect([over!.verdict, over!.measured, over!.measuredText]).toEqual(["fail", null, "not installed within 15 min"]);
    const [early] = judge("install.time", [install("memory", { outcome: "timeout", installMs: 60_000, limitMs: 60_000 })]);
    expect(early!.verdict).toBe("inconclusive");
    expect(early!.reason).toMatch(/raise the install limit/);
  });

  it("never judges a failed install (an environment error) nor a scenario that installs nothing", () => {
    const [failed] = judge("install.time", [install("memory", { outcome: "failed", error: "could not reach the npm registry" })]);
    expect([failed!.verdict, failed!.measured]).toEqual(["inconclusive", null]);
    expect(failed!.reason).toMatch(/failed or did not run/);
    const load = { ...installMeasurements(["memory"], []), installTime: undefined };
    const [notMeasured] = evaluateSlos([catalogSlo("install.time")], load);
    expect(notMeasured!.reason).toMatch(/not measured by this scenario/);
  });
});

describe("server.start_to_ready (< 10 s, every server)", () => {
  it("judges the fresh copy's spawn-to-initialize, and says when none was started", () => {
    const [ok, slow, none] = judge("server.start_to_ready", [
      install("memory", { startToReadyMs: 800 }),
      install("everything", { startToReadyMs: 12_500 }),
      install("redis", { startToReadyMs: null }),
    ]);
    expect([ok!.verdict, ok!.measured, ok!.source.lines]).toEqual(["pass", 800, "442-446"]);
    expect([slow!.verdict, slow!.measured]).toEqual(["fail", 12_500]);
    expect(none!.verdict).toBe("inconclusive");
  });
});

describe("installSourceOf", () => {
  it("installs an npm server at the version the project runs", () => {
    expect(installSourceOf(findServer("memory")!)).toEqual({
      registry: "npm",
      spec: `@modelcontextprotocol/server-memory@${packageVersion("@modelcontextprotocol/server-memory")}`,
      version: packageVersion("@modelcontextprotocol/server-memory"),
    });
  });

  it.skipIf(!existsSync(redisOfficialExecutable()))("installs the PyPI server at the version setup put in its venv", () => {
    expect(installSourceOf(redisOfficialServer)).toEqual({
      registry: "pypi",
      spec: "redis-mcp-server==0.5.1",
      version: "0.5.1",
      executable: "redis-mcp-server",
    });
  });

  it("knows the Go command package of a Go server, and refuses a custom one", () => {
    // The command package is found by Go's convention: <module>/cmd/<executable>.
    const go = {
      ...findServer("memory")!,
      name: "github",
      package: "github.com/github/github-mcp-server",
      registry: "go" as const,
      command: "{{tools}}/bin/github-mcp-server",
      installedVersion: () => "v1.9.0",
    };
    expect(installSourceOf(go)).toEqual({
      registry: "go",
      spec: "github.com/github/github-mcp-server/cmd/github-mcp-server@v1.9.0",
      version: "v1.9.0",
      executable: "github-mcp-server",
    });
    expect(() => installSourceOf({ ...go, package: "custom" })).toThrow(/custom server/);
  });
});
