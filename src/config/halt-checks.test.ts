import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-halt-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, slos: string, extra = ""): string {
  const p = path.join(dir, name);
  writeFileSync(
    p,
    `name: halting
servers: [redis, memory]
agents: 2
duration: 5s
${extra}workload:
  kind: mix
  calls:
    - { server: redis, tool: get, args: { key: "k{{agent}}" } }
slos:
${slos}`,
  );
  return p;
}

describe("slos[].halt", () => {
  it("compiles to ms, with the defaults, on a scenario's own SLO and on a catalog one", async () => {
    const p = file(
      "good.yaml",
      `  - { id: ok, metric: success_rate, objective: ">= 99%", halt: { burnRate: 14.4, window: 30s, grace: 2s, every: 500ms, minSamples: 50 } }
  - { ref: server.alert.response_time, halt: { burnRate: 10, window: 2s } }
  - { id: plain, metric: latency.p50, objective: "< 10ms" }
`,
    );
    expect(await validateScenarioFile(p)).toEqual([]);
    const s = await loadScenario(p, "ci");
    expect(s.slos.map((x) => x.halt)).toEqual([
      { burnRate: 14.4, windowMs: 30_000, minSamples: 50, graceMs: 2000, everyMs: 500 },
      { burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 0, everyMs: 1000 },
      undefined,
    ]);
    expect(s.slos[1]!.scope).toEqual({ server: "*" });
  });

  it("is refused where it cannot apply, naming the path and saying why", async () => {
    const p = file(
      "bad.yaml",
      `  - { ref: recovery.infrastructure.rto, halt: { burnRate: 10, window: 2s } }
  - { id: mem, metric: error_rate, objective: "< 5%", scope: { server: memory }, halt: { burnRate: 0, window: 2s } }
`,
    );
    const problems = await validateScenarioFile(p);
    expect(problems).toEqual([
      expect.stringMatching(
        /:10: slos\[0\]\.halt: cannot halt on rto <= 5min: rto is not a share of calls measured as they come .*: halt applies to latency\.p50\/p95\/p99\/p99_9 /,
      ),
      expect.stringMatching(/:11: slos\[1\]\.halt\.burnRate: expected > 0, found 0$/),
      expect.stringMatching(
        /:11: slos\[1\]\.halt: the workload never calls server "memory", so the scenario judges no call of this SLO and its halt could never trip$/,
      ),
    ]);
  });

  it("is refused with the k6 driver, whose samples come after its load", async () => {
    const p = file(
      "k6.yaml",
      `  - { id: ok, metric: success_rate, objective: ">= 99%", halt: { burnRate: 10, window: 2s } }\n`,
      "transport: http\ndriver: k6\n",
    );
    expect(await validateScenarioFile(p)).toEqual([
      expect.stringMatching(
        /slos\[0\]\.halt: the k6 driver hands its samples over only after its load ended, so nothing can watch the burn rate: a halt needs the sdk, threads or autocannon driver$/,
      ),
    ]);
  });
});
