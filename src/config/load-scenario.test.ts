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
    expect(problems[1]).toMatch(
      new RegExp(`^${p}:8: workload\\.calls\\[0\\]\\.tool: server "redis" has no tool "gett"; its tools are set, get, delete, list$`),
    );
    expect(problems[2]).toMatch(new RegExp(`^${p}:10: slos\\[0\\]\\.objective: expected an objective .*, found "fast"$`));
  });

  it("names unknown fields and unknown servers", async () => {
    const problems = await validateScenarioFile(
      file("unknown.yaml", GOOD.replace("agents: 2", "agents: 2\nagnets: 3").replace("servers: [redis]", "servers: [redis, redys]")),
    );
    expect(problems.some((p) => /agnets: unknown field "agnets"/.test(p))).toBe(true);
    expect(problems.some((p) => /servers\[1\]: unknown server "redys"/.test(p))).toBe(true);
  });

  it("names a profile's own mistake at the profile's node: profiles.<name>.<path> and its line", async () => {
    const p = file("profile.yaml", GOOD.replace("smoke: { duration: 1s, agents: 1 }", "smoke: { duration: 1s, agents: -1 }"));
    const problems = await validateScenarioFile(p);
    expect(problems).toEqual([`${p}:15: profiles.smoke.agents: expected >= 1, found -1`]);
  });

  it("reports YAML syntax errors with a line", async () => {
    const problems = await validateScenarioFile(file("syntax.yaml", "name: x\nservers: [redis\nagents: 1\n"));
    expect(problems[0]).toMatch(/syntax\.yaml:\d+: not valid YAML/);
  });

  it("reports a missing file", async () => {
    expect(await validateScenarioFile(path.join(dir, "missing.yaml"))).toEqual([
      `${path.join(dir, "missing.yaml")}: cannot read the scenario file: no such file (ENOENT)`,
    ]);
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
    expect((err as HarnessError).details[0]).toMatch(/agents: expected a number, found "zero"/);
  });
});

/** A capacity search over Redis: the capacity tests and the profile tests start from it. */
const CAPACITY_SCENARIO = `name: cap
servers: [redis]
agents: 2
load: { model: open, rate: 100 }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
capacity: { start: 100, max: 400, stepDuration: 2s }
`;

describe("capacity", () => {
  const CAP = CAPACITY_SCENARIO;

  it("needs no duration, resolves defaults (factor 1.5, settle 2s)", async () => {
    const p = file("cap.yaml", CAP);
    expect(await validateScenarioFile(p)).toEqual([]);
    const s = await loadScenario(p, "ci");
    expect(s.capacity).toEqual({ startRate: 100, factor: 1.5, stepRate: undefined, maxRate: 400, stepDurationMs: 2000, settleMs: 2000 });
  });

  it("requires the open model, one of factor and step, and max >= start", async () => {
    const p = file(
      "cap-bad.yaml",
      CAP.replace("load: { model: open, rate: 100 }", "load: { model: closed }").replace(
        "capacity: { start: 100, max: 400, stepDuration: 2s }",
        "capacity: { start: 500, max: 400, factor: 2, step: 10 }",
      ),
    );
    const problems = await validateScenarioFile(p);
    expect(
      problems.some((m) => /:9: capacity: a capacity search raises the arrival rate step by step, which needs the open model/.test(m)),
      problems.join("\n"),
    ).toBe(true);
    expect(
      problems.some((m) => /capacity\.step: give factor or step, not both/.test(m)),
      problems.join("\n"),
    ).toBe(true);
    expect(
      problems.some((m) => /capacity\.max: expected max >= start \(500\)/.test(m)),
      problems.join("\n"),
    ).toBe(true);
  });
});

describe("bounds: every duration, count and timeout, all problems at once", () => {
  it("lists every value out of bounds, each with its line, path, bounds and what was found", async () => {
    const p = file(
      "bounds.yaml",
      `name: bounds
servers: [redis]
agents: 2000
duration: 0s
count: 0
warmup: 2h
callTimeout: 0ms
startTimeout: 10ms
seed: -1
load: { model: closed, thinkTime: 2h }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, weight: 0, args: { key: "k" } }
recovery: { interval: 0ms, timeout: 11m, limit: 500ms, consecutive: 0 }
rpo: { stores: [redis], interval: 0ms }
faults:
  - { kind: hop-down, hop: redis, at: 25h, duration: 0s }
  - { kind: hop-down, hop: redis, at: 0s, flap: { down: 0ms, up: 2h, times: 0 } }
`,
    );
    const problems = await validateScenarioFile(p);
    const expected = [
      `${p}:3: agents: expected <= 1024, found 2000`,
      `${p}:4: duration: expected a duration between 1ms and 24h, found "0s"`,
      `${p}:5: count: expected >= 1, found 0`,
      `${p}:6: warmup: expected a duration between 0s and 1h, found "2h"`,
      `${p}:7: callTimeout: expected a duration between 1ms and 1h, found "0ms"`,
      `${p}:8: startTimeout: expected a duration between 100ms and 1h, found "10ms"`,
      `${p}:9: seed: expected >= 0, found -1`,
      `${p}:10: load.thinkTime: expected a duration between 0s and 1h, found "2h"`,
      `${p}:14: workload.calls[0].weight: expected > 0, found 0`,
      `${p}:15: recovery.interval: expected a duration between 1ms and 1m, found "0ms"`,
      `${p}:15: recovery.timeout: expected a duration between 1ms and 10m, found "11m"`,
      `${p}:15: recovery.limit: expected a duration between 1s and 24h, found "500ms"`,
      `${p}:15: recovery.consecutive: expected >= 1, found 0`,
      `${p}:16: rpo.interval: expected a duration between 1ms and 1m, found "0ms"`,
      `${p}:18: faults[0].at: expected a duration between 0s and 24h, found "25h"`,
      `${p}:18: faults[0].duration: expected a duration between 1ms and 24h, found "0s"`,
      `${p}:19: faults[1].flap.down: expected a duration between 1ms and 1h, found "0ms"`,
      `${p}:19: faults[1].flap.up: expected a duration between 1ms and 1h, found "2h"`,
      `${p}:19: faults[1].flap.times: expected >= 1, found 0`,
    ];
    expect([...problems].sort()).toEqual([...expected].sort());
  });

  it("400 digits, an exponent, a sign or no unit: 'expected a duration ...', never Infinity", async () => {
    const p = file("digits.yaml", GOOD.replace("duration: 5s", `duration: ${"9".repeat(400)}s\ncallTimeout: 1e400ms\nwarmup: -1s\nstartTimeout: 30`));
    const problems = await validateScenarioFile(p);
    const such = 'such as "500ms", "30s", "2m" or "1h"';
    expect(problems).toEqual([
      `${p}:4: duration: expected a duration between 1ms and 24h, ${such}, found "${"9".repeat(56)}...`,
      `${p}:5: callTimeout: expected a duration between 1ms and 1h, ${such}, found "1e400ms"`,
      `${p}:6: warmup: expected a duration between 0s and 1h, ${such}, found "-1s"`,
      `${p}:7: startTimeout: expected a duration between 100ms and 1h, ${such}, found 30`,
    ]);
  });

  it("the largest values accepted load, and give timers the runtime accepts", async () => {
    const p = file("largest.yaml", GOOD.replace("duration: 5s", "duration: 24h\ncallTimeout: 1h\nstartTimeout: 1h\nwarmup: 1h\ncount: 100000000"));
    const s = await loadScenario(p, "ci");
    expect([s.durationMs, s.callTimeoutMs, s.startTimeoutMs, s.warmupMs, s.count]).toEqual([86_400_000, 3_600_000, 3_600_000, 3_600_000, 100_000_000]);
    for (const ms of [s.durationMs!, s.callTimeoutMs, s.startTimeoutMs]) expect(ms).toBeLessThan(2 ** 31 - 1);
  });

  it("a fault after the end of the window, a misspelt or fractional toxic attribute, a stand-in p95 under its median", async () => {
    const p = file(
      "faults.yaml",
      `name: faults
servers: [redis, github]
agents: 1
duration: 10s
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
faults:
  - { kind: hop-down, hop: redis, at: 10s, duration: 1s }
  - { kind: toxic, hop: redis, toxic: latency, attributes: { latncy: 50, jitter: 2.5 }, at: 1s }
standIns:
  github: { latency: { median: 100ms, p95: 50ms } }
`,
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:10: faults[0].at: expected a time before the end of the measurement window (duration: 10s), found "10s"`,
      `${p}:11: faults[1].attributes.latncy: the latency toxic has no attribute "latncy"; it has latency, jitter (Toxiproxy ignores other names)`,
      `${p}:11: faults[1].attributes.jitter: expected a whole number from 0 to 2147483647 (Toxiproxy's attributes are integers), found 2.5`,
      `${p}:13: standIns.github.latency.p95: expected at least the median (100ms), found "50ms"`,
    ]);
  });

  it("an objective of 400 digits or above 100 %", async () => {
    const p = file(
      "objectives.yaml",
      GOOD.replace('objective: "< 25ms"', `objective: "< ${"1".repeat(400)}ms"`).replace(
        "  - ref: redis.latency.p50",
        '  - { id: share, metric: success_rate, objective: ">= 150%" }',
      ),
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(`${p}:10: slos[0].objective: expected a percentage from 0 to 100 %, found ">= 150%"`);
    expect(problems[1]).toMatch(new RegExp(`^${p}:13: slos\\[1\\]\\.objective: expected an objective such as .*, found "< 1111`));
  });

  it("{{zipf N}} beyond 10 000 000 keys and {{rand}} beyond safe integers are refused before any memory is taken", async () => {
    const p = file(
      "templates.yaml",
      GOOD.replace('args: { key: "k{{agent}}" }', 'args: { key: "k{{zipf 100000000000}}", n: "{{rand 0 99999999999999999999}}" }'),
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toEqual([
      `${p}:8: workload.calls[0].args: {{zipf N S}} needs a key count N from 1 to 10000000 and an exponent S > 0, found "zipf 100000000000"`,
      `${p}:8: workload.calls[0].args: {{rand A B}} needs two integers A <= B (at most 15 digits), found "rand 0 99999999999999999999"`,
    ]);
  });
});

describe("values named as what they are", () => {
  it(".nan, .inf and 1e400 are not 'found null'", async () => {
    const p = file(
      "nan.yaml",
      GOOD.replace("agents: 2", "agents: .nan")
        .replace("{ server: redis, tool: get,", "{ server: redis, tool: get, weight: .inf,")
        .replace("seed: 1", "")
        .replace("duration: 5s", "duration: 5s\nseed: 1e400"),
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toEqual([
      `${p}:3: agents: expected a finite number, found .nan (not a number)`,
      `${p}:5: seed: expected a finite number, found 1e400 (too large: read as infinity)`,
      `${p}:9: workload.calls[0].weight: expected a finite number, found .inf (infinity)`,
    ]);
    expect(problems.join("\n")).not.toMatch(/null/);
  });

  it("control characters and bidi overrides of a file are shown escaped, in values and in keys", async () => {
    const p = file(
      "control.yaml",
      GOOD.replace("name: good", 'name: "bad\\e[2Jname"\n"\\e]0;title\\a": 1').replace("servers: [redis]", 'servers: ["redis\\u202e"]'),
    );
    const problems = await validateScenarioFile(p);
    const text = problems.join("\n");
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(problems).toContain(`${p}:1: name: expected a lower-case name such as redis-baseline, found "bad\\u001b[2Jname"`);
    expect(problems).toContain(`${p}:2: ["\\u001b]0;title\\u0007"]: unknown field "\\x1b]0;title\\x07", found 1`);
    expect(problems).toContain(`${p}:3: servers[0]: expected a catalog server name such as redis, found "redis\\u202e"`);
  });

  it("a key __proto__ is an unknown field, in the file and in a profile", async () => {
    const p = file(
      "proto.yaml",
      GOOD.replace("agents: 2", "agents: 2\n__proto__: { count: 5 }").replace("smoke: { duration: 1s, agents: 1 }", "smoke: { __proto__: { count: 7 } }"),
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toEqual([
      `${p}:4: __proto__: unknown field "__proto__", found {"count":5}`,
      `${p}:16: profiles.smoke.__proto__: unknown field "__proto__", found {"count":7}`,
    ]);
  });

  it("an empty file, and a file that is a list", async () => {
    const empty = file("empty.yaml", "# nothing\n");
    expect(await validateScenarioFile(empty)).toEqual([
      `${empty}:1: (top level): expected a mapping of scenario fields, found nothing (the file holds no YAML value)`,
    ]);
    const list = file("list.yaml", "- a\n");
    expect(await validateScenarioFile(list)).toEqual([`${list}:1: (top level): expected a mapping of scenario fields, found ["a"]`]);
  });
});

describe("profiles", () => {
  const CAP = `${CAPACITY_SCENARIO}profiles:
  smoke: { capacity: { start: 500 } }
  ci: { agnets: 3, capacity: { stepDuration: 0s } }
  nightly: { faults: [{ preset: no-such-preset, at: 1s }] }
  Weekly: {}
`;

  it("a profile's own mistake at profiles.<name>.<path>; the base's path and line for one that shows under it; a profile name out of the rule", async () => {
    const p = file("profiles.yaml", CAP);
    const problems = await validateScenarioFile(p);
    // Two problems on one line may come in either order.
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${p}:14: profiles.Weekly: expected a profile name: a lower-case letter, then up to 39 lower-case letters, digits, - or _, found {}`,
        `${p}:9: capacity.max: expected max >= start (500), found 400 (under profile "smoke")`,
        `${p}:12: profiles.ci.agnets: unknown field "agnets", found 3`,
        `${p}:12: profiles.ci.capacity.stepDuration: expected a duration between 100ms and 1h, found "0s"`,
        `${p}:9: capacity: a capacity search cannot inject faults: remove faults, or capacity (under profile "nightly")`,
        expect.stringMatching(
          new RegExp(
            `^${p}:13: profiles\\.nightly\\.faults\\[0\\]\\.preset: no preset "no-such-preset" \\(no file chaos/no-such-preset\\.yaml\\); the presets are flapping-link, postgres-crash, redis-crash, `,
          ),
        ),
      ]),
    );
  });

  it("loadScenario names the profile's mistakes the same way", async () => {
    const err = (await loadScenario(file("profiles-load.yaml", CAP), "ci").catch((e: unknown) => e)) as HarnessError;
    expect(err.details).toHaveLength(3);
    expect(err.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:14: profiles\.Weekly: expected a profile name/),
        expect.stringMatching(/:12: profiles\.ci\.agnets: unknown field/),
        expect.stringMatching(/:12: profiles\.ci\.capacity\.stepDuration: expected a duration between 100ms and 1h/),
      ]),
    );
  });

  it("a profile asked for by name must exist; the default runs a file without it as written", async () => {
    const p = file("no-nightly.yaml", GOOD);
    const err = (await loadScenario(p, "nightly", { requireProfile: true }).catch((e: unknown) => e)) as HarnessError;
    expect(err).toBeInstanceOf(HarnessError);
    expect(err.code).toBe("invalid_input");
    expect(err.details).toEqual([`${p}:14: profiles: no profile "nightly" (--profile nightly); this file defines smoke`]);
    const bare = file("bare.yaml", GOOD.replace(/profiles:[\s\S]*$/, ""));
    const err2 = (await loadScenario(bare, "smoke", { requireProfile: true }).catch((e: unknown) => e)) as HarnessError;
    expect(err2.details).toEqual([`${bare}:1: (top level): no profile "smoke" (--profile smoke); this file defines no profiles: run it without --profile`]);
    expect((await loadScenario(bare, "ci")).durationMs).toBe(5000);
    expect((await loadScenario(p, "nightly")).durationMs).toBe(5000);
  });
});

describe("profiles of any name (issue 17)", () => {
  const SOAK = `${GOOD}  soak: { duration: 2h, agents: 3 }
  nightly-eu: { agents: 0 }
`;

  it("a profile the file defines, whatever its name, loads and is validated like smoke, ci and nightly", async () => {
    const p = file("soak.yaml", SOAK.replace("nightly-eu: { agents: 0 }", "nightly-eu: { agents: 4 }"));
    expect(await validateScenarioFile(p)).toEqual([]);
    const soak = await loadScenario(p, "soak", { requireProfile: true });
    expect([soak.durationMs, soak.agents, soak.profile]).toEqual([7_200_000, 3, "soak"]);
    expect((await loadScenario(p, "nightly-eu", { requireProfile: true })).agents).toBe(4);
  });

  it("a custom profile's own mistakes are named at its node; an unknown one names the file and the profiles it defines", async () => {
    const p = file("soak-bad.yaml", SOAK);
    expect(await validateScenarioFile(p)).toEqual([`${p}:17: profiles.nightly-eu.agents: expected >= 1, found 0`]);
    const err = (await loadScenario(p, "weekly", { requireProfile: true }).catch((e: unknown) => e)) as HarnessError;
    expect(err.details).toEqual([`${p}:14: profiles: no profile "weekly" (--profile weekly); this file defines smoke, soak, nightly-eu`]);
    const bad = (await loadScenario(p, "Soak!", { requireProfile: true }).catch((e: unknown) => e)) as HarnessError;
    expect([bad.code, bad.message]).toEqual([
      "invalid_input",
      '--profile: expected a profile name: a lower-case letter, then up to 39 lower-case letters, digits, - or _, got "Soak!"',
    ]);
  });
});

describe("custom servers must start: checked at validation", () => {
  const custom = (server: string) => GOOD.replace("servers: [redis]", `servers:\n  - redis\n  - ${server}`);

  it("a command that is not on PATH, a path that does not exist, is a directory or is not executable", async () => {
    const missing = file("missing-cmd.yaml", custom('{ name: mine, command: no-such-mcp-server-xyz, args: ["x"] }'));
    expect(await validateScenarioFile(missing)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${missing}:4: servers\\[1\\]\\.command: command "no-such-mcp-server-xyz" is not an executable on PATH \\(\\d+ directories searched\\); give its path, or "node" for the Node running the harness$`,
        ),
      ),
    ]);
    const rel = file("rel-cmd.yaml", custom("{ name: mine, command: ./no/such/server.js }"));
    expect(await validateScenarioFile(rel)).toEqual([
      `${rel}:4: servers[1].command: command "./no/such/server.js" does not exist: ${path.resolve("no/such/server.js")} (relative to ${process.cwd()}, where the harness runs)`,
    ]);
    const notExec = file("not-exec.yaml", custom(`{ name: mine, command: ${JSON.stringify(path.join(dir, "good.yaml"))} }`));
    expect(await validateScenarioFile(notExec)).toEqual([
      `${notExec}:4: servers[1].command: command ${JSON.stringify(path.join(dir, "good.yaml"))} is not executable (no x permission): ${path.join(dir, "good.yaml")}`,
    ]);
    const isDir = file("dir-cmd.yaml", custom(`{ name: mine, command: ${JSON.stringify(dir)} }`));
    expect(await validateScenarioFile(isDir)).toEqual([`${isDir}:4: servers[1].command: command ${JSON.stringify(dir)} is a directory: ${dir}`]);
  });

  it('"node", a name on PATH, a name on the server\'s own env.PATH and {{tools}} pass', async () => {
    expect(await validateScenarioFile(file("node-cmd.yaml", custom('{ name: mine, command: node, args: ["x.js", "{{redis.url}}"], needs: [redis] }')))).toEqual(
      [],
    );
    expect(await validateScenarioFile(file("sh-cmd.yaml", custom("{ name: mine, command: sh }")))).toEqual([]);
    expect(await validateScenarioFile(file("env-path.yaml", custom(`{ name: mine, command: chmodded, env: { PATH: ${JSON.stringify(dir)} } }`)))).toHaveLength(
      1,
    );
    writeFileSync(`${dir}/chmodded`, "#!/bin/sh\n", { mode: 0o755 });
    expect(await validateScenarioFile(file("env-path2.yaml", custom(`{ name: mine, command: chmodded, env: { PATH: ${JSON.stringify(dir)} } }`)))).toEqual([]);
  });

  it("placeholders: only those the harness fills in, the backing ones with their need", async () => {
    const p = file(
      "placeholders.yaml",
      custom('{ name: mine, command: "{{sandbox}}/srv", args: ["{{agent}}", "{{redis.url}}"], env: { DB: "{{postgres.url}}" } }'),
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:4: servers[1].args[0]: unknown placeholder {{agent}}; a custom server may use {{redis.url}}, {{postgres.url}}, {{sandbox}}, {{workdir}}, {{tools}}`,
      `${p}:4: servers[1].args[1]: {{redis.url}} needs the redis backend: add it to needs`,
      `${p}:4: servers[1].env.DB: {{postgres.url}} needs the postgres backend: add it to needs`,
      `${p}:4: servers[1].command: a command may use {{tools}} only (the run's own directories hold no programs)`,
    ]);
  });
});

describe("messages of the schema's unions and integers", () => {
  it("a custom server's own mistakes, not 'expected a string' from the catalog-name branch", async () => {
    const p = file("custom-union.yaml", GOOD.replace("servers: [redis]", 'servers:\n  - redis\n  - { name: mine, command: "", needs: [mongo] }'));
    expect([...(await validateScenarioFile(p))].sort()).toEqual(
      [`${p}:4: servers[1].command: expected >= 1, found ""`, `${p}:4: servers[1].needs[0]: expected one of "redis", "postgres", found "mongo"`].sort(),
    );
  });

  it("an unknown workload kind lists the kinds; an integer past its bound says the bound, not JavaScript's", async () => {
    const p = file("kind.yaml", GOOD.replace("kind: mix", "kind: soak").replace("agents: 2", "agents: 2\ncount: 100000000000000000000"));
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:4: count: expected <= 100000000, found 100000000000000000000`,
      `${p}:7: workload.kind: expected one of "mix", "coordination", "cache-aside", "install", "security", "script", found "soak"`,
    ]);
  });

  it("a top-level problem is dated where the document starts, after its comments", async () => {
    const p = file("list-after-comments.yaml", "# a comment\n# another\n- a\n");
    expect(await validateScenarioFile(p)).toEqual([`${p}:3: (top level): expected a mapping of scenario fields, found ["a"]`]);
  });
});

/** A mix of every MCP method against the reference server (issue 19). */
const METHODS = `name: methods
servers: [everything]
agents: 1
duration: 2s
workload:
  kind: mix
  setup:
    - { server: everything, tool: toggle-subscriber-updates }
  calls:
    - { server: everything, tool: echo, args: { message: "{{bytes 16}}" } }
    - { server: everything, method: tools/call, tool: echo, args: { message: "x" } }
    - { server: everything, method: resources/read, uri: "demo://resource/dynamic/text/{{rand 1 9}}", weight: 3 }
    - { server: everything, method: prompts/get, name: args-prompt, args: { city: "c{{seq}}" } }
    - { server: everything, method: completion/complete, ref: { prompt: completable-prompt }, argument: { name: department, value: "E" } }
    - { server: everything, method: ping }
slos:
  - { id: read, metric: latency.p95, objective: "< 50ms", scope: { server: everything, method: resources/read } }
`;

describe("MCP methods of a mix (issue 19)", () => {
  it("a step without method is the tools/call it always was: the same plan, no method fields", async () => {
    const s = await loadScenario(file("methods.yaml", METHODS), "ci");
    const calls = s.workload.calls!;
    expect(calls[0]).toEqual({ server: "everything", tool: "echo", weight: 1, args: { message: "{{bytes 16}}" } });
    // An explicit tools/call is the same step.
    expect(calls[1]).toEqual({ server: "everything", tool: "echo", weight: 1, args: { message: "x" } });
    expect(calls[2]).toEqual({
      server: "everything",
      tool: "resources/read",
      weight: 3,
      args: {},
      method: "resources/read",
      uri: "demo://resource/dynamic/text/{{rand 1 9}}",
    });
    expect(calls[4]).toMatchObject({ method: "completion/complete", ref: { prompt: "completable-prompt" }, argument: { name: "department", value: "E" } });
    expect(s.workload.methodsUsed?.map((m) => [m.method, m.path])).toEqual([
      ["resources/read", "workload.calls[2].method"],
      ["prompts/get", "workload.calls[3].method"],
      ["completion/complete", "workload.calls[4].method"],
      ["ping", "workload.calls[5].method"],
    ]);
    expect([...s.workload.toolsUsed.get("everything")!]).toEqual(["echo", "toggle-subscriber-updates"]);
    expect(s.workload.setup).toEqual([{ server: "everything", tool: "toggle-subscriber-updates", weight: 1, args: {} }]);
    expect(s.slos[0]!.scope).toEqual({ server: "everything", method: "resources/read" });
  });

  it("a mix of tool calls alone has no methodsUsed and no setup in its plan (its scenario hash is unchanged)", async () => {
    const s = await loadScenario(file("tools-only.yaml", GOOD), "ci");
    expect("methodsUsed" in s.workload).toBe(false);
    expect("setup" in s.workload).toBe(false);
    expect(s.workload.calls).toEqual([{ server: "redis", tool: "get", weight: 1, args: { key: "k{{agent}}" } }]);
  });

  it("an unknown method, a missing uri, name, ref or tool, fields a method does not take, a bad {{bytes}}", async () => {
    const p = file(
      "methods-bad.yaml",
      METHODS.replace("method: ping }", "method: pong }")
        .replace('method: resources/read, uri: "demo://resource/dynamic/text/{{rand 1 9}}"', "method: resources/read")
        .replace("method: prompts/get, name: args-prompt,", "method: prompts/get,")
        .replace('tool: echo, args: { message: "{{bytes 16}}" }', 'args: { message: "{{bytes -1}}" }')
        .replace("method: tools/call, tool: echo, args", "method: tools/list, tool: echo, args")
        .replace("scope: { server: everything, method: resources/read }", "scope: { tool: echo, method: ping }"),
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:10: workload.calls[0].tool: expected the tool to call (tools/call needs it), found nothing`,
      `${p}:10: workload.calls[0].args: {{bytes N}} needs a byte count N from 0 to 16777216, found "bytes -1"`,
      `${p}:11: workload.calls[1].tool: tools/list takes no tool (tool is for tools/call), found "echo"`,
      `${p}:11: workload.calls[1].args: tools/list takes no args (only tools/call and prompts/get do), found {"message":"x"}`,
      `${p}:12: workload.calls[2].uri: expected the resource's URI, e.g. "demo://resource/dynamic/text/{{rand 1 9}}" (resources/read needs it), found nothing`,
      `${p}:13: workload.calls[3].name: expected the prompt's name (prompts/get needs it), found nothing`,
      `${p}:15: workload.calls[5].method: expected one of "tools/call", "tools/list", "resources/list", "resources/read", "resources/templates/list", "resources/subscribe", "prompts/list", "prompts/get", "completion/complete", "ping", found "pong"`,
      `${p}:17: slos[0].scope.tool: a tool scope judges tools/call requests; ping has no tool, found "echo"`,
      // ping became pong above: no step sends it any more.
      `${p}:17: slos[0].scope.method: no step of the mix sends ping: the SLO would judge nothing`,
    ]);
  });

  it("a method scope that no step sends (to that server) judges nothing: refused", async () => {
    const p = file(
      "methods-scope.yaml",
      METHODS.replace("scope: { server: everything, method: resources/read }", "scope: { server: everything, method: prompts/list }"),
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:17: slos[0].scope.method: no step of the mix sends prompts/list to everything: the SLO would judge nothing`,
    ]);
  });

  it("k6 and autocannon write tools/call requests themselves: another method or setup steps with them are refused", async () => {
    const p = file("methods-k6.yaml", METHODS.replace("agents: 1", "agents: 1\ntransport: http\ndriver: k6"));
    const problems = await validateScenarioFile(p);
    expect(problems).toContain(`${p}:10: workload.setup: the k6 driver sends the mix's calls only, no setup steps; setup needs driver: sdk`);
    expect(problems).toContain(
      `${p}:14: workload.calls[2].method: the k6 driver sends tools/call only (it writes its own Streamable HTTP requests); "resources/read" needs driver: sdk`,
    );
    expect(problems.filter((x) => x.includes("needs driver: sdk"))).toHaveLength(5);
  });
});

describe("load shapes (load.stages)", () => {
  const SHAPED = `name: shaped
servers: [redis]
agents: 4
load:
  model: open
  rate: 20
  stages:
    - { duration: 10s, target: 20 }
    - { duration: 1s, target: 100 }
    - { duration: 10s, target: 100 }
warmup: 2s
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
slos:
  - ref: redis.latency.p50
profiles:
  soak: { load: { stages: [{ duration: 1m, target: 50 }, { duration: 1h, target: 50 }] } }
`;

  it("compiles to a shape from rate (open) or start, and a window of the stages' total", async () => {
    const p = file("shaped.yaml", SHAPED);
    expect(await validateScenarioFile(p)).toEqual([]);
    const s = await loadScenario(p, "ci");
    expect(s.load).toEqual({
      model: "open",
      rate: 20,
      maxInFlight: 1000,
      shape: {
        start: 20,
        stages: [
          { durationMs: 10_000, target: 20 },
          { durationMs: 1_000, target: 100 },
          { durationMs: 10_000, target: 100 },
        ],
      },
    });
    expect(s.durationMs).toBe(21_000);
    expect(s.count).toBeUndefined();
  });

  it("a profile of any name replaces the stages; a closed shape counts agents, from start", async () => {
    const p = file("shaped-profiles.yaml", SHAPED);
    const soak = await loadScenario(p, "soak", { requireProfile: true });
    expect(soak.durationMs).toBe(3_660_000);
    expect(soak.load.shape?.stages).toEqual([
      { durationMs: 60_000, target: 50 },
      { durationMs: 3_600_000, target: 50 },
    ]);
    const q = file(
      "shaped-closed.yaml",
      SHAPED.replace(/load:\n( {2}.*\n)+/, "load: { model: closed, start: 1, stages: [{ duration: 5s, target: 4 }] }\n").replace(/profiles:\n.*\n/, ""),
    );
    expect(await validateScenarioFile(q)).toEqual([]);
    const closed = await loadScenario(q, "ci");
    expect(closed.load).toEqual({ model: "closed", thinkTimeMs: 0, shape: { start: 1, stages: [{ durationMs: 5_000, target: 4 }] } });
    expect(closed.durationMs).toBe(5_000);
  });

  it("a constant load has no shape, and the plan is what it was", async () => {
    const s = await loadScenario(file("flat.yaml", GOOD), "ci");
    expect(s.load).toEqual({ model: "closed", thinkTimeMs: 0 });
    expect("shape" in s.load).toBe(false);
  });

  it("refuses a stage of 0 or a negative duration, a negative target, a duration or count that disagrees, agents beyond the pool", async () => {
    const p = file(
      "bad-stages.yaml",
      `name: bad
servers: [redis]
agents: 2
load:
  model: closed
  stages:
    - { duration: 0s, target: 1 }
    - { duration: 5s, target: -1 }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
`,
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:7: load.stages[0].duration: expected a duration between 1ms and 24h, found "0s"`,
      `${p}:8: load.stages[1].target: expected >= 0, found -1`,
    ]);
    const q = file(
      "bad-window.yaml",
      `name: bad
servers: [redis]
agents: 2
duration: 6s
load: { model: closed, start: 0, stages: [{ duration: 5s, target: 3 }] }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
`,
    );
    expect(await validateScenarioFile(q)).toEqual([
      `${q}:4: duration: expected 5s (the stages' total) or no duration: with load.stages the measurement window is their sum, found "6s"`,
      `${q}:5: load.stages[0].target: expected at most agents (2), found 3`,
    ]);
  });

  it("refuses start without stages, and a shape whose every target is 0", async () => {
    const p = file(
      "bad-start.yaml",
      `name: bad
servers: [redis]
agents: 2
duration: 5s
load: { model: open, rate: 5, start: 0 }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
`,
    );
    expect(await validateScenarioFile(p)).toEqual([
      `${p}:5: load.start: start is where the first stage ramps from: give load.stages, or remove start, found 0`,
    ]);
    const q = file(
      "all-zero.yaml",
      `name: bad
servers: [redis]
agents: 2
load: { model: open, rate: 5, start: 0, stages: [{ duration: 5s, target: 0 }] }
workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k" } }
`,
    );
    expect(await validateScenarioFile(q)).toEqual([
      `${q}:4: load.stages: expected a target above 0 somewhere, found every stage and the start at 0 (the window would run no call)`,
    ]);
  });
});
