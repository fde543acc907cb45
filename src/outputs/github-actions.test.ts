import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { registerSecret } from "../telemetry/redact.js";
import {
  annotationsOf,
  escapeCommandData,
  escapeCommandProperty,
  publishToCi,
  renderAnnotation,
  STEP_SUMMARY_LIMIT_BYTES,
  stepSummaryText,
} from "./github-actions.js";
import { renderSummaryMarkdown } from "./summary-md.js";
import { writeRunOutputs } from "./write-outputs.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-slo-gha-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function collect() {
  const stdout: string[] = [];
  const warnings: string[] = [];
  return { stdout, warnings, opts: { stdout: (t: string) => stdout.push(t), warn: (l: string) => warnings.push(l) } };
}

describe("workflow command escapes (GitHub's rules)", () => {
  it("escape %, CR and LF in a message, and also : and , in a property", () => {
    expect(escapeCommandData("50% of 3\r\nnext: a, b")).toBe("50%25 of 3%0D%0Anext: a, b");
    expect(escapeCommandProperty("redis.latency.p50 [server=redis tool=get]: 1, 2%")).toBe("redis.latency.p50 [server=redis tool=get]%3A 1%2C 2%25");
    // %0A written by a server stays literal text, not a newline.
    expect(escapeCommandData("a%0Ab")).toBe("a%250Ab");
  });

  it("make other control characters visible, so a server's text cannot colour or rewrite the job log", () => {
    expect(escapeCommandData("\u001b[31mred\u202e")).toBe("\\x1b[31mred\\u202e");
  });
});

describe("annotations", () => {
  it("one ::error per failed SLO and one ::warning per inconclusive one, titled by id and scope", () => {
    const run = sampleRunRecord();
    const a = annotationsOf(run);
    expect(a.map((x) => [x.level, x.title])).toEqual([
      ["error", "cache.hit_ratio [server=redis]"],
      ["error", "server.success_rate@github [server=github]"],
      ["error", "redis.rto [server=redis]"],
      ["warning", "server.latency.p95@github [server=github tool=get_issue]"],
    ]);
    expect(a[0]!.message).toBe(
      "coordination-and-cache: failed: measured 98.01 %, target > 99 %, 0.99 points short (cache hit ratio > 99 %; MCP Enterprise Guide (003_ba5d8098385d04d0.txt) lines 1813, 269, 590, 1234). the 95 % interval [97.87 %, 98.14 %] lies entirely below 99 %.",
    );
    expect(renderAnnotation(a[2]!)).toBe(
      "::error title=redis.rto [server=redis]::redis-durability [redis.persistence=none]: failed: measured not recovered in 45 s, target <= 30 s, at least 15 s over (RTO <= 30 s; scenarios/redis-durability.yaml line 41). redis-mcp-kill: no 3 consecutive successful probes within 45 s of the fault (redis-kill recovered in 7.12 s).",
    );
  });

  it("under --fail-on-inconclusive an inconclusive SLO is an ::error: it fails the run", () => {
    const a = annotationsOf({ ...sampleRunRecord(), failOnInconclusive: true });
    expect(a.every((x) => x.level === "error")).toBe(true);
    expect(a).toHaveLength(4);
  });

  it("a scenario that broke is an ::error of its own", () => {
    const run = sampleRunRecord();
    run.scenarios[0]!.status = "error";
    run.scenarios[0]!.error = "redis: exited with code 1\nbefore initialize";
    const line = renderAnnotation(annotationsOf(run)[0]!);
    expect(line).toBe("::error title=scenario coordination-and-cache::redis: exited with code 1%0Abefore initialize");
  });
});

describe("publishToCi", () => {
  it("appends summary.md to $GITHUB_STEP_SUMMARY (after what earlier steps wrote) and annotates on GitHub Actions", async () => {
    const dir = tempDir();
    const run = sampleRunRecord();
    await writeRunOutputs(run, dir);
    const target = join(dir, "step-summary.md");
    writeFileSync(target, "# an earlier step\n");
    const { stdout, warnings, opts } = collect();
    await publishToCi(run, dir, { ...opts, env: { GITHUB_STEP_SUMMARY: target, GITHUB_ACTIONS: "true" } });
    const summary = readFileSync(join(dir, "summary.md"), "utf8");
    expect(readFileSync(target, "utf8")).toBe(`# an earlier step\n${summary.replace(/\n*$/, "")}\n`);
    expect(warnings).toEqual([]);
    const lines = stdout.join("").trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith("::error title=")).length).toBe(3);
    expect(lines.filter((l) => l.startsWith("::warning title=")).length).toBe(1);
    // A second publication (another run in the same step) appends again, never overwrites.
    await publishToCi(run, dir, { ...opts, env: { GITHUB_STEP_SUMMARY: target } });
    expect(readFileSync(target, "utf8").split(summary.split("\n")[0]!).length - 1).toBe(2);
  });

  it("prints no annotation outside GitHub Actions, and writes no step summary when none is set", async () => {
    const dir = tempDir();
    const run = sampleRunRecord();
    await writeRunOutputs(run, dir);
    const { stdout, warnings, opts } = collect();
    await publishToCi(run, dir, { ...opts, env: { GITHUB_ACTIONS: "false", CI: "true" } });
    expect(stdout).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("warns, and does not fail, when the step summary cannot be written", async () => {
    const dir = tempDir();
    const run = sampleRunRecord();
    await writeRunOutputs(run, dir);
    const { warnings, opts } = collect();
    const missingDir = join(dir, "no-such-dir", "summary.md");
    await expect(publishToCi(run, dir, { ...opts, env: { GITHUB_STEP_SUMMARY: missingDir } })).resolves.toBeUndefined();
    const aDirectory = join(dir, "a-directory");
    mkdirSync(aDirectory);
    await publishToCi(run, dir, { ...opts, env: { GITHUB_STEP_SUMMARY: aDirectory } });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^could not append summary\.md to \$GITHUB_STEP_SUMMARY \(.*no-such-dir\/summary\.md\): ENOENT/);
    expect(warnings[1]).toMatch(/EISDIR/);
  });

  it("carries no secret: the annotations and the step summary are redacted like every output", async () => {
    const secret = "ghp_canaryToken0123456789abcdefABCDEF";
    registerSecret(secret);
    const dir = tempDir();
    const run = sampleRunRecord();
    run.scenarios[0]!.slos[2]!.reason = `401 from the API with token ${secret}: a, b`;
    await writeRunOutputs(run, dir);
    const target = join(dir, "step-summary.md");
    const { stdout, opts } = collect();
    await publishToCi(run, dir, { ...opts, env: { GITHUB_STEP_SUMMARY: target, GITHUB_ACTIONS: "true" } });
    const text = `${stdout.join("")}${readFileSync(target, "utf8")}`;
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(secret);
    expect(text).not.toContain("canaryToken");
  });
});

describe("stepSummaryText", () => {
  it("is summary.md whole below GitHub's 1 MiB limit", () => {
    const md = renderSummaryMarkdown(sampleRunRecord());
    expect(stepSummaryText(md)).toBe(`${md.replace(/\n*$/, "")}\n`);
  });

  it("over the limit keeps the unfolded part (verdict, attention) and says where the rest is", () => {
    const md = renderSummaryMarkdown(sampleRunRecord());
    const huge = `${md}\n<details>\n<summary>more</summary>\n\n${"x".repeat(STEP_SUMMARY_LIMIT_BYTES)}\n</details>\n`;
    const text = stepSummaryText(huge);
    expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
    expect(text.startsWith(md.slice(0, md.indexOf("\n<details>")))).toBe(true);
    expect(text).toContain("## Needs attention: 3 failed, 1 inconclusive");
    expect(text).not.toContain("<details>");
    expect(text.trimEnd()).toMatch(/see summary\.md in the run's report directory\.\)$/);
  });
});
