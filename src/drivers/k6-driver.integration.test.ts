/**
 * The k6 script under real k6 (where the k6 binary is present): `k6 inspect` proves real k6 accepts
 * the script with the options the driver builds (and with the k6 operator manifest's), each runner
 * of a split test opens sessions for its own agents only, and remote writing needs a testid.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import { PROJECT_ROOT } from "../project-root.js";
import { readK6TestRun } from "../testing/k6-testrun.js";
import { K6_SCRIPT, k6Binary, k6Env, k6Thresholds } from "./k6-driver.js";

const run = promisify(execFile);
const fixture = (name: string) => path.join(PROJECT_ROOT, "test", "fixtures", name);
const urls = new Map([
  ["redis", "http://127.0.0.1:1/mcp"],
  ["everything", "http://127.0.0.1:2/mcp"],
]);

async function inspect(env: Record<string, string>): Promise<{ scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown> }> {
  const { stdout } = await run(k6Binary(), ["inspect", "--include-system-env-vars", "--execution-requirements", K6_SCRIPT], {
    env: { ...process.env, ...env },
    cwd: PROJECT_ROOT,
  });
  return JSON.parse(stdout) as never;
}

describe("deploy/k6-operator/testrun.yaml", () => {
  const { env } = readK6TestRun();

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
  ])(
    "with the sequence %s and %i VUs, every runner's VUs are the ones the script computes, and together all of them",
    async (sequence, vus) => {
      const dir = await mkdtemp(path.join(tmpdir(), "mcp-slo-k6-segments-"));
      try {
        const check = path.join(dir, "check.js");
        await writeFile(check, SEGMENT_CHECK);
        const points = sequence.split(",");
        const seen: number[] = [];
        await Promise.all(
          points.slice(1).map(async (to, i) => {
            const { stdout, stderr } = await run(
              k6Binary(),
              [
                "run",
                "--quiet",
                "--no-usage-report",
                "--address=",
                "--summary-mode=disabled",
                "--log-format=raw",
                `--execution-segment=${points[i]}:${to}`,
                `--execution-segment-sequence=${sequence}`,
                check,
              ],
              {
                env: { ...process.env, VUS: String(vus), MCP_SLO_URLS: "{}", MCP_SLO_MIX: "[]" },
                cwd: dir,
              },
            );
            const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => /^(SAME|DIFFERENT) /.test(l));
            expect(
              lines.filter((l) => l.startsWith("DIFFERENT")),
              lines.join("\n"),
            ).toEqual([]);
            for (const l of lines) seen.push(Number(l.split(" ")[2]));
          }),
        );
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: vus }, (_, i) => i + 1));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

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
        await run(k6Binary(), ["run", "--quiet", "--no-usage-report", "--address=", "--summary-mode=disabled", ...tag, K6_SCRIPT], {
          env: base,
          cwd: PROJECT_ROOT,
          timeout: 30_000,
        });
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
