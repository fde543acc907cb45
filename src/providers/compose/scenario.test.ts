/**
 * What `--target compose` refuses of a scenario, and what it changes: real scenario files, loaded as
 * the CLI loads them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAll } from "../../config/load-scenario.js";
import { HarnessError } from "../../errors.js";
import { defaultProjectName } from "./discover.js";
import { forComposeTarget } from "./scenario.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function scenarioFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "compose-target-test-"));
  dirs.push(dir);
  const file = path.join(dir, "s.yaml");
  await writeFile(file, yaml);
  return file;
}

function refusal(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe("invalid_input");
    return [...(err as HarnessError).details];
  }
  throw new Error("expected a refusal");
}

describe("forComposeTarget", () => {
  it("runs a scenario of catalog servers over HTTP through the stack's hops, whatever its transport and proxied say", async () => {
    const [s] = await loadAll(["scenarios/servers-baseline.yaml"], "smoke");
    expect(s!.transport).toBe("stdio");
    const [c] = forComposeTarget([s!]);
    expect(c!.transport).toBe("http");
    expect(c!.proxied).toBe(true);
    expect(c!.servers.map((d) => d.name)).toEqual(s!.servers.map((d) => d.name));
  });

  it("keeps hop faults (toxic, hop-down) and refuses process faults and RPO writers, each said once for a matrix", async () => {
    const hops = await loadAll(
      [
        await scenarioFile(
          [
            "name: t",
            "servers: [redis]",
            "agents: 1",
            "duration: 5s",
            "workload: { kind: mix, calls: [{ server: redis, tool: get, args: { key: k } }] }",
            "faults:",
            "  - { preset: redis-partition, at: 1s, duration: 1s }",
            "  - { preset: slow-network, at: 1s, duration: 1s }",
          ].join("\n"),
        ),
      ],
      "ci",
    );
    expect(
      forComposeTarget(hops)[0]!
        .faults.map((f) => f.kind)
        .sort(),
    ).toEqual(["hop-down", "toxic"].sort());

    const crash = await loadAll(["scenarios/failover-postgres-crash.yaml"], "ci");
    expect(crash.length).toBeGreaterThan(1); // a matrix: the same problems in every cell
    const problems = refusal(() => forComposeTarget(crash));
    expect(problems.filter((p) => p.includes("acts on a process"))).toHaveLength(1);
    expect(problems.some((p) => p.includes("rpo writers need their own hop (harness->postgres)"))).toBe(true);
    expect(problems.every((p) => p.startsWith("scenarios/failover-postgres-crash.yaml: scenario failover-postgres-crash"))).toBe(true);
  });

  it("refuses stdio frame faults and servers the compose stack does not run (a custom command)", async () => {
    const stdio = await loadAll(["test/fixtures/e2e-fault-at-zero.yaml"], "ci");
    expect(refusal(() => forComposeTarget(stdio)).some((p) => p.includes("acts on stdio frames"))).toBe(true);
    const custom = await loadAll(
      [
        await scenarioFile(
          [
            "name: t",
            "servers:",
            "  - { name: mine, command: node, args: [x.js] }",
            "agents: 1",
            "duration: 5s",
            "workload: { kind: mix, calls: [{ server: mine, tool: t }] }",
          ].join("\n"),
        ),
      ],
      "ci",
    );
    expect(refusal(() => forComposeTarget(custom))).toEqual([expect.stringContaining('server "mine" is a command of its own')]);
  });
});

describe("defaultProjectName", () => {
  it("is COMPOSE_PROJECT_NAME, else the directory's name as docker-compose normalises it", () => {
    expect(defaultProjectName({ COMPOSE_PROJECT_NAME: "nightly" }, "/x/y")).toBe("nightly");
    expect(defaultProjectName({}, "/home/me/MCP.SLO Harness")).toBe("mcpsloharness");
    expect(defaultProjectName({}, "/src/_mcp-slo")).toBe("mcp-slo");
  });
});
