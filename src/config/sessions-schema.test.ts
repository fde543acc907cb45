/** Scenario `sessions.churn` and SLO `scope.method: initialize`: what the plan gets, and what is refused (file, line, path). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scenarioHash } from "../run/identity.js";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-sessions-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string): string {
  const p = path.join(dir, `s${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** A mix on redis; `extra` is appended at the top level (line 9 on). */
function scenario(extra: string, head = ""): string {
  return `name: churn
servers: [redis]
agents: 2
duration: 5s
${head}workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
${extra}`;
}

/** A closed shape of 5 s (the helper's duration) taking agents 1 -> 2 -> 1. */
const JOIN_SHAPE = `load:
  model: closed
  start: 1
  stages: [{ duration: 2s, target: 2 }, { duration: 3s, target: 1 }]
`;

const INITIALIZE_SLO = `slos:
  - { id: init, metric: latency.p95, objective: "< 2s", scope: { server: redis, method: initialize } }
`;

describe("sessions.churn in the plan", () => {
  it("everyCalls, every and perTask compile to their policy", async () => {
    expect((await loadScenario(file(scenario("sessions: { churn: { everyCalls: 1 } }\n")), "ci")).sessions).toEqual({
      churn: { kind: "calls", everyCalls: 1 },
    });
    expect((await loadScenario(file(scenario("sessions: { churn: { every: 10s } }\n")), "ci")).sessions).toEqual({
      churn: { kind: "time", everyMs: 10_000, text: "10s" },
    });
    const cacheAside = `name: churn
servers: [redis, postgres]
agents: 2
duration: 5s
workload: { kind: cache-aside }
sessions: { churn: { perTask: true } }
`;
    expect((await loadScenario(file(cacheAside), "ci")).sessions).toEqual({ churn: { kind: "task" } });
    const join = file(scenario("sessions: { churn: { perJoin: true } }\n", JOIN_SHAPE));
    expect((await loadScenario(join, "ci")).sessions).toEqual({ churn: { kind: "join" } });
  });

  it("without sessions the plan has none, and its hash is what it was (no field added)", async () => {
    const without = await loadScenario(file(scenario("")), "ci");
    expect(without.sessions).toBeUndefined();
    expect("sessions" in without).toBe(false);
    const withChurn = await loadScenario(file(scenario("sessions: { churn: { everyCalls: 1 } }\n")), "ci");
    expect(scenarioHash(withChurn)).not.toBe(scenarioHash(without));
  });

  it("an SLO may judge the method initialize of a server", async () => {
    const s = await loadScenario(file(scenario(`sessions: { churn: { everyCalls: 1 } }\n${INITIALIZE_SLO}`)), "ci");
    expect(s.slos[0]!.scope).toEqual({ server: "redis", method: "initialize" });
  });
});

describe("sessions.churn refused at validation, naming the path", () => {
  it("everyCalls 0, a negative or zero duration, a perTask of false", async () => {
    const zero = file(scenario("sessions:\n  churn: { everyCalls: 0 }\n"));
    expect(await validateScenarioFile(zero)).toEqual([`${zero}:10: sessions.churn.everyCalls: expected >= 1, found 0`]);
    const negative = file(scenario("sessions:\n  churn: { every: -5s }\n"));
    expect(await validateScenarioFile(negative)).toEqual([
      `${negative}:10: sessions.churn.every: expected a duration between 1ms and 24h, such as "500ms", "30s", "2m" or "1h", found "-5s"`,
    ]);
    const none = file(scenario("sessions:\n  churn: { every: 0s }\n"));
    expect((await validateScenarioFile(none))[0]).toMatch(/:10: sessions\.churn\.every: .*found "0s"$/);
    const perTaskFalse = file(scenario("sessions:\n  churn: { perTask: false }\n"));
    expect((await validateScenarioFile(perTaskFalse))[0]).toMatch(/:10: sessions\.churn\.perTask: expected one of true, found false$/);
  });

  it("none or two of everyCalls, every and perTask", async () => {
    const two = file(scenario("sessions:\n  churn: { everyCalls: 2, every: 1s }\n"));
    expect(await validateScenarioFile(two)).toEqual([
      `${two}:10: sessions.churn: expected exactly one of everyCalls, every, perTask or perJoin, found everyCalls and every`,
    ]);
    const empty = file(scenario("sessions:\n  churn: {}\n"));
    expect(await validateScenarioFile(empty)).toEqual([
      `${empty}:10: sessions.churn: expected exactly one of everyCalls, every, perTask or perJoin, found none`,
    ]);
  });

  it("perTask with a workload whose operation is no task; churn with k6, with a capacity search", async () => {
    const mix = file(scenario("sessions:\n  churn: { perTask: true }\n"));
    const [perTask] = await validateScenarioFile(mix);
    expect(perTask).toMatch(
      /:10: sessions\.churn\.perTask: expected a workload whose operation is an agent task \(cache-aside, script\), found mix, whose operation is none/,
    );
    const k6 = file(scenario("sessions:\n  churn: { everyCalls: 1 }\n", "driver: k6\ntransport: http\n"));
    expect(await validateScenarioFile(k6)).toEqual([`${k6}:12: sessions.churn: expected the sdk driver, found driver k6, which opens its own sessions`]);
    const capacity = file(scenario("sessions:\n  churn: { everyCalls: 1 }\ncapacity: { start: 10, max: 20 }\n", "load: { model: open, rate: 10 }\n"));
    expect(await validateScenarioFile(capacity)).toEqual([
      `${capacity}:11: sessions.churn: expected no capacity search, found one: a capacity search keeps its sessions`,
    ]);
  });

  it("an SLO on initialize with a tool; a method that is not known", async () => {
    const withTool = file(scenario(`slos:\n  - { id: x, metric: latency.p95, objective: "< 2s", scope: { server: redis, tool: get, method: initialize } }\n`));
    expect(await validateScenarioFile(withTool)).toEqual([
      `${withTool}:10: slos[0].scope.tool: a tool scope judges tools/call requests; initialize has no tool, found "get"`,
    ]);
    const unknown = file(scenario(`slos:\n  - { id: x, metric: latency.p95, objective: "< 2s", scope: { method: initialise } }\n`));
    // The MCP methods a mix step sends (issue 19) and the session setups.
    expect((await validateScenarioFile(unknown))[0]).toMatch(
      /:10: slos\[0\]\.scope\.method: expected one of "tools\/call", .*"ping", "initialize", found "initialise"$/,
    );
  });

  it("perJoin without a closed shape, in the open model, on a workload whose workers are not the agents, with k6", async () => {
    const flat = file(scenario("sessions:\n  churn: { perJoin: true }\n"));
    expect(await validateScenarioFile(flat)).toEqual([
      `${flat}:10: sessions.churn.perJoin: expected load.model closed with load.stages (the shape turns agents off and on), found no load.stages`,
    ]);
    const open = file(scenario("sessions:\n  churn: { perJoin: true }\n", "load:\n  model: open\n  rate: 5\n  stages: [{ duration: 5s, target: 10 }]\n"));
    expect(await validateScenarioFile(open)).toEqual([
      `${open}:14: sessions.churn.perJoin: expected load.model closed with load.stages (the shape turns agents off and on), found load.model open`,
    ]);
    const coordination = file(`name: churn
servers: [redis]
agents: 4
load:
  model: closed
  start: 2
  stages: [{ duration: 5s, target: 4 }]
workload: { kind: coordination }
sessions:
  churn: { perJoin: true }
`);
    expect(await validateScenarioFile(coordination)).toEqual([
      `${coordination}:10: sessions.churn.perJoin: expected a workload whose workers are the agents (mix, cache-aside, script), found coordination, whose workers are not: agents joining and leaving need one`,
    ]);
    const k6 = file(scenario("sessions:\n  churn: { perJoin: true }\n", `driver: k6\ntransport: http\n${JOIN_SHAPE}`));
    expect(await validateScenarioFile(k6)).toEqual([`${k6}:16: sessions.churn: expected the sdk driver, found driver k6, which opens its own sessions`]);
  });
});
