import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-loader-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD = `name: good
servers: [redis]
agents: 2
duration: 5s
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k{{agent}}" } }
slos:
  - ref: redis.latency.p50
  - id: mine
    metric: latency.p99
    objective: "< 25ms"
profiles:
  smoke: { duration: 1s, agents: 1 }
`;

describe("validateScenarioFile", () => {
  it("accepts a good file", async () => {
    expect(await validateScenarioFile(file("good.yaml", GOOD))).toEqual([]);
  });

  it("reports every mistake at once, each with file, line, path, expected and found", async () => {
    const p = file(
      "three.yaml",
      `name: three
servers: [redis]
agents: 0
duration: 5s
workload:
  kind: mix
  calls:
    - { server: redis, tool: gett }
slos:
  - { id: x, metric: latency.p99, objective: "fast" }
`,
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe(`${p}:3: agents: expected >= 1, found 0`);
    expect(problems[1]).toMatch(new RegExp(`^${p}:8: workload\\.calls\\[0\\]\\.tool: server "redis" has no tool "gett"; its tools are set, get, delete, list$`));
    expect(problems[2]).toMatch(new RegExp(`^${p}:10: slos\\[0\\]\\.objective: expected an objective .*, found "fast"$`));
  });

  it("names unknown fields and unknown servers", async () => {
    const problems = await validateScenarioFile(file("unknown.yaml", GOOD.replace("agents: 2", "agents: 2\nagnets: 3").replace("servers: [redis]", "servers: [redis, redys]")));
    expect(problems.some((p) => /agnets: unknown field "agnets"/.test(p))).toBe(true);
    expect(problems.some((p) => /servers\[1\]: unknown server "redys"/.test(p))).toBe(true);
  });

  it("reports a profile's own mistakes as such", async () => {
    const problems = await validateScenarioFile(file("profile.yaml", GOOD.replace("smoke: { duration: 1s, agents: 1 }", "smoke: { duration: 1s, agents: -1 }")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/agents: expected >= 1, found -1 \(under profile "smoke"\)/);
  });

  it("reports YAML syntax errors with a line", async () => {
    const problems = await validateScenarioFile(file("syntax.yaml", "name: x\nservers: [redis\nagents: 1\n"));
    expect(problems[0]).toMatch(/syntax\.yaml:\d+: not valid YAML/);
  });

  it("reports an unreadable file", async () => {
    expect((await validateScenarioFile(path.join(dir, "missing.yaml")))[0]).toMatch(/cannot read the file \(ENOENT\)/);
  });
});

describe("loadScenario", () => {
  it("applies a profile over the scenario", async () => {
    const p = file("profiled.yaml", GOOD);
    const ci = await loadScenario(p, "ci");
    const smoke = await loadScenario(p, "smoke");
    expect([ci.agents, ci.durationMs]).toEqual([2, 5000]);
    expect([smoke.agents, smoke.durationMs]).toEqual([1, 1000]);
  });

  it("resolves catalog SLOs with their source and gives custom SLOs the file and line", async () => {
    const s = await loadScenario(file("slos.yaml", GOOD), "ci");
    expect(s.slos[0]).toMatchObject({ id: "redis.latency.p50", scope: { server: "redis" }, source: { lines: "1814" } });
    expect(s.slos[1]!.source.lines).toBe("11");
    expect(s.slos[1]!.threshold).toEqual({ op: "<", value: 25, unit: "ms" });
  });

  it("throws an invalid_input HarnessError listing the problems", async () => {
    const err = await loadScenario(file("bad.yaml", GOOD.replace("agents: 2", "agents: zero")), "ci").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe("invalid_input");
    expect((err as HarnessError).details[0]).toMatch(/agents: expected number, found "zero"/);
  });
});

describe("capacity", () => {
  const CAP = `name: cap
servers: [redis]
agents: 2
load: { model: open, rate: 100 }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
capacity: { start: 100, max: 400, stepDuration: 2s }
`;

  it("needs no duration, resolves defaults (factor 1.5, settle 2s)", async () => {
    const p = file("cap.yaml", CAP);
    expect(await validateScenarioFile(p)).toEqual([]);
    const s = await loadScenario(p, "ci");
    expect(s.capacity).toEqual({ startRate: 100, factor: 1.5, stepRate: undefined, maxRate: 400, stepDurationMs: 2000, settleMs: 2000 });
  });

  it("requires the open model, one of factor and step, and max >= start", async () => {
    const p = file("cap-bad.yaml", CAP.replace("load: { model: open, rate: 100 }", "load: { model: closed }").replace("capacity: { start: 100, max: 400, stepDuration: 2s }", "capacity: { start: 500, max: 400, factor: 2, step: 10 }"));
    const problems = await validateScenarioFile(p);
    expect(problems.some((m) => /:9: capacity: a capacity search raises the arrival rate step by step, which needs the open model/.test(m)), problems.join("\n")).toBe(true);
    expect(problems.some((m) => /capacity\.step: give factor or step, not both/.test(m)), problems.join("\n")).toBe(true);
    expect(problems.some((m) => /capacity\.max: expected max >= start \(500\)/.test(m)), problems.join("\n")).toBe(true);
  });
});
