/**
 * The k6 driver's pure parts: the k6 scenario per load model, the SLOs mirrored as k6 thresholds,
 * k6's timestamps, and the k6 operator manifest. Where the k6 binary is present, `k6 inspect`
 * proves real k6 accepts the script with the options the driver builds (and with the manifest's).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadScenario } from "../config/load-scenario.js";
import type { Scenario } from "../contracts/plan.js";
import { PROJECT_ROOT } from "../project-root.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { K6_SCRIPT, k6Binary, k6Env, k6RunArgs, k6Scenario, k6TestId, k6Thresholds, parseK6Time } from "./k6-driver.js";

const run = promisify(execFile);
const fixture = (name: string) => path.join(PROJECT_ROOT, "test", "fixtures", name);
const MANIFEST = path.join(PROJECT_ROOT, "deploy", "k6-operator", "testrun.yaml");
const urls = new Map([
  ["redis", "http://127.0.0.1:1/mcp"],
  ["everything", "http://127.0.0.1:2/mcp"],
]);

async function inspect(env: Record<string, string>): Promise<{ scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown> }> {
  const { stdout } = await run(k6Binary(), ["inspect", "--include-system-env-vars", "--execution-requirements", K6_SCRIPT], { env: { ...process.env, ...env }, cwd: PROJECT_ROOT });
  return JSON.parse(stdout) as never;
}

describe("k6Scenario", () => {
  it("maps the closed model to constant-vus, or shared-iterations given a count, and the open model to constant-arrival-rate", async () => {
    const closed = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    expect(k6Scenario(closed, 4000, undefined)).toEqual({ executor: "constant-vus", vus: 4, duration: "4000ms", gracefulStop: "6000ms" });
    expect(k6Scenario(closed, 4000, 100)).toEqual({ executor: "shared-iterations", vus: 4, iterations: 100, maxDuration: "4000ms", gracefulStop: "6000ms" });
    const open = await loadScenario(fixture("e2e-k6-open.yaml"), "ci");
    expect(k6Scenario(open, 4000, undefined)).toEqual({
      executor: "constant-arrival-rate",
      rate: 100,
      timeUnit: "1s",
      duration: "4000ms",
      preAllocatedVUs: 4,
      maxVUs: 16,
      gracefulStop: "6000ms",
    });
    // A count bounds the open model's duration; a fractional rate keeps its precision.
    expect(k6Scenario(open, 4000, 50)).toMatchObject({ duration: "500ms" });
    const slow: Scenario = { ...open, load: { model: "open", rate: 2.5, maxInFlight: 8 } };
    expect(k6Scenario(slow, 4000, undefined)).toMatchObject({ rate: 2500, timeUnit: "1000s", maxVUs: 8 });
  });
});

describe("k6Thresholds", () => {
  it("mirrors latency and success SLOs, one threshold per server for scope *", async () => {
    const s = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    expect(k6Thresholds(s)).toEqual({
      "mcp_call_duration{server:redis}": ["p(50)<10000"],
      "mcp_call_duration{server:everything}": ["p(50)<10000"],
      checks: ["rate>=0.99"],
      "mcp_call_duration{server:redis,tool:get}": ["p(99)<0.8"],
    });
  });

  it("inverts an error rate and maps throughput to the rate of ok calls", async () => {
    const base = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    const slo = base.slos[1]!;
    const s: Scenario = {
      ...base,
      slos: [
        { ...slo, metricName: "error_rate", metric: { family: "error_rate" }, threshold: { op: "<", value: 0.01, unit: "ratio" }, scope: { server: "redis" } },
        { ...slo, metricName: "throughput", metric: { family: "throughput" }, threshold: { op: ">=", value: 500, unit: "ops/s" }, scope: {} },
        { ...slo, metricName: "cache_hit_ratio", metric: { family: "cache_hit_ratio" }, threshold: { op: ">=", value: 0.9, unit: "ratio" }, scope: {} },
      ],
    };
    expect(k6Thresholds(s)).toEqual({ "checks{server:redis}": ["rate>0.99"], "mcp_calls{outcome:ok}": ["rate>=500"] });
  });
});

describe("parseK6Time", () => {
  it("keeps sub-millisecond precision and the zone", () => {
    expect(parseK6Time("2026-11-22T04:30:00.123456789Z")).toBeCloseTo(Date.parse("2026-11-22T04:30:00.123Z") + 0.456789, 6);
    expect(parseK6Time("2026-11-22T05:30:00.5+01:00")).toBe(Date.parse("2026-11-22T04:30:00.500Z"));
    expect(parseK6Time("2026-11-22T04:30:00Z")).toBe(Date.parse("2026-11-22T04:30:00Z"));
  });
});

describe("k6RunArgs: every local k6 run has a testid of its own", () => {
  it("tags the run with the harness's run id and the phase, never a fixed value", () => {
    const a = k6RunArgs("/tmp/x/points.json", k6TestId("20261201T120000Z-a1b2c3", "warmup"));
    const b = k6RunArgs("/tmp/x/points.json", k6TestId("20261201T120000Z-a1b2c3", "measure"));
    const tag = (args: string[]) => args[args.indexOf("--tag") + 1];
    expect(tag(a)).toBe("testid=20261201T120000Z-a1b2c3-warmup");
    expect(tag(b)).toBe("testid=20261201T120000Z-a1b2c3-measure");
    expect(a.at(-1)).toBe(K6_SCRIPT);
    expect(a).toContain("json=/tmp/x/points.json");
  });
});

describe("deploy/k6-operator/testrun.yaml", () => {
  const manifest = parseYaml(readFileSync(MANIFEST, "utf8")) as {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; generateName?: string };
    spec: { parallelism: number; script: { configMap: { name: string; file: string } }; arguments: string; runner: { image: string; env: { name: string; value: string }[] } };
  };
  const env = Object.fromEntries(manifest.spec.runner.env.map((e) => [e.name, e.value]));

  it("is a k6 operator TestRun running the script from a ConfigMap with Prometheus remote write", () => {
    expect(manifest.apiVersion).toBe("k6.io/v1alpha1");
    expect(manifest.kind).toBe("TestRun");
    expect(manifest.spec.parallelism).toBeGreaterThan(1);
    expect(manifest.spec.script.configMap.file).toBe(path.basename(K6_SCRIPT));
    expect(manifest.spec.arguments).toContain("-o experimental-prometheus-rw");
    expect(env.K6_PROMETHEUS_RW_SERVER_URL).toMatch(/^https?:\/\//);
  });

  it("cannot be applied twice with one testid: a generated name, and a placeholder the script refuses", () => {
    // `kubectl apply` refuses generateName; `kubectl create` gives each TestRun a new name.
    expect(manifest.metadata.name).toBeUndefined();
    expect(manifest.metadata.generateName).toMatch(/-$/);
    expect(manifest.spec.arguments).toMatch(/--tag testid=@TESTID@(\s|$)/);
    expect(env.MCP_SLO_RUN_ID).toBe("@TESTID@");
    // The README's step substitutes it.
    expect(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8")).toContain('sed "s/@TESTID@/$TESTID/g" deploy/k6-operator/testrun.yaml | kubectl create -f -');
  });

  it("pins the k6 image to the version scripts/setup.sh builds, by tag and digest", () => {
    const built = /go_tool k6 go\.k6\.io\/k6 v(\d+\.\d+\.\d+) /.exec(readFileSync(path.join(PROJECT_ROOT, "scripts", "setup.sh"), "utf8"))?.[1];
    expect(built).toBeDefined();
    expect(manifest.spec.runner.image).toMatch(new RegExp(`^grafana/k6:${built!.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
  });

  it("passes the same environment JSON as the harness", async () => {
    const scenario = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    const harness = Object.keys(k6Env({ scenario, durationMs: 4000, count: undefined, urls, runId: "r" }));
    const mine = Object.keys(env).filter((k) => k.startsWith("MCP_SLO_"));
    expect(harness).toEqual(expect.arrayContaining(mine));
    expect(mine).toEqual(expect.arrayContaining(["MCP_SLO_URLS", "MCP_SLO_MIX", "MCP_SLO_SCENARIO", "MCP_SLO_THRESHOLDS", "MCP_SLO_CALL_TIMEOUT_MS"]));
    for (const name of ["MCP_SLO_URLS", "MCP_SLO_MIX", "MCP_SLO_SCENARIO", "MCP_SLO_THRESHOLDS"]) expect(() => JSON.parse(env[name]!), name).not.toThrow();
  });

  it.skipIf(!existsSync(k6Binary()))("is accepted by real k6 (k6 inspect)", async () => {
    const options = await inspect(env);
    expect(options.scenarios.mcp).toMatchObject({ executor: "constant-arrival-rate", maxVUs: 1000 });
    expect(Object.keys(options.thresholds)).toContain("mcp_call_duration{server:redis}");
  });
});

describe.skipIf(!existsSync(k6Binary()))("the script under real k6", () => {
  it("accepts the options the driver builds, thresholds included (k6 inspect)", async () => {
    for (const file of ["e2e-k6.yaml", "e2e-k6-open.yaml"]) {
      const scenario = await loadScenario(fixture(file), "ci");
      const env = k6Env({ scenario, durationMs: 4000, count: undefined, urls, runId: "test-run" });
      const options = await inspect(env);
      expect(options.scenarios.mcp).toMatchObject({ executor: scenario.load.model === "closed" ? "constant-vus" : "constant-arrival-rate" });
      expect(Object.keys(options.thresholds).sort()).toEqual(Object.keys(k6Thresholds(scenario)).sort());
    }
  });
});

/** A k6 script importing the project's script: each VU compares the id k6 gave it with the one setup() computed for it. */
const SEGMENT_CHECK = `
import exec from "k6/execution";
import { segmentVuIds } from "${K6_SCRIPT}";
export const options = { scenarios: { mcp: { executor: "constant-vus", vus: Number(__ENV.VUS), duration: "1s" } } };
export function setup() {
  const o = exec.test.options;
  return { ids: segmentVuIds(o.executionSegment, o.executionSegmentSequence, exec.instance.vusInitialized) };
}
export default function (data) {
  if (exec.vu.iterationInInstance !== 0) return;
  const mine = data.ids[exec.vu.idInInstance - 1];
  console.log((mine === exec.vu.idInTest ? "SAME " : "DIFFERENT ") + exec.vu.idInInstance + " " + exec.vu.idInTest + " " + mine);
}
`;

describe.skipIf(!existsSync(k6Binary()))("the script's share of the agents under execution segments (real k6)", () => {
  // Each runner of a split test runs setup() itself: it must open sessions for its own VUs only,
  // so the script recomputes which global VU ids (exec.vu.idInTest) its segment gets.
  it.each([
    ["0,1/2,1", 4],
    ["0,1/4,2/4,3/4,1", 13],
    ["0,1/7,3/5,1", 11],
  ])("with the sequence %s and %i VUs, every runner's VUs are the ones the script computes, and together all of them", async (sequence, vus) => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcp-slo-k6-segments-"));
    try {
      const check = path.join(dir, "check.js");
      await writeFile(check, SEGMENT_CHECK);
      const points = sequence.split(",");
      const seen: number[] = [];
      await Promise.all(
        points.slice(1).map(async (to, i) => {
          const { stdout, stderr } = await run(k6Binary(), ["run", "--quiet", "--no-usage-report", "--address=", "--summary-mode=disabled", "--log-format=raw", `--execution-segment=${points[i]}:${to}`, `--execution-segment-sequence=${sequence}`, check], {
            env: { ...process.env, VUS: String(vus), MCP_SLO_URLS: "{}", MCP_SLO_MIX: "[]" },
            cwd: dir,
          });
          const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => /^(SAME|DIFFERENT) /.test(l));
          expect(lines.filter((l) => l.startsWith("DIFFERENT")), lines.join("\n")).toEqual([]);
          for (const l of lines) seen.push(Number(l.split(" ")[2]));
        }),
      );
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: vus }, (_, i) => i + 1));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses to remote-write without a testid, or with the manifest's placeholder", async () => {
    const base = {
      ...process.env,
      MCP_SLO_URLS: JSON.stringify({ s: "http://127.0.0.1:9/mcp" }),
      MCP_SLO_MIX: JSON.stringify([{ server: "s", tool: "t", weight: 1 }]),
      MCP_SLO_SCENARIO: JSON.stringify({ executor: "shared-iterations", vus: 1, iterations: 1 }),
      K6_PROMETHEUS_RW_SERVER_URL: "http://127.0.0.1:9/api/v1/write",
    };
    const attempt = async (tag: string[]) => {
      try {
        await run(k6Binary(), ["run", "--quiet", "--no-usage-report", "--address=", "--summary-mode=disabled", ...tag, K6_SCRIPT], { env: base, cwd: PROJECT_ROOT, timeout: 30_000 });
        return { code: 0, text: "" };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, text: `${e.stdout}${e.stderr}` };
      }
    };
    const none = await attempt([]);
    expect(none.code).not.toBe(0);
    expect(none.text).toMatch(/no testid tag/);
    const placeholder = await attempt(["--tag", "testid=@TESTID@"]);
    expect(placeholder.code).not.toBe(0);
    expect(placeholder.text).toMatch(/placeholder @TESTID@/);
  }, 60_000);
});
