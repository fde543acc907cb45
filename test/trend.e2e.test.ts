/**
 * `mcp-slo trend` end to end: the real CLI over a reports directory of 30 nightly runs with a
 * step at run 20 writes trend.html and trend.md naming the change at run 20; bad input is exit 2
 * with a message naming what is wrong, and writes nothing.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOutDir, removeOutDirs, runCli, transcript } from "./support/cli.js";
import { nightlyRecords, writeReportsRoot } from "./support/trend-history.js";

const records = nightlyRecords({ n: 30, stepAt: 20 });
let root = "";

beforeAll(async () => {
  root = await newOutDir("e2e-trend-");
  await writeReportsRoot(root, records);
});
afterAll(removeOutDirs);

describe("mcp-slo trend", () => {
  it("writes trend.html and trend.md with the change at run 20 of 30, and says where they are", async () => {
    const out = path.join(root, "trend-out");
    const r = await runCli(["trend", "--history", root, "--out", out], { timeoutMs: 120_000 });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout).toContain("trend of 30 run(s), 3 series, 1 change point(s)");
    expect(r.stdout).toContain(`trend.html: ${path.join(out, "trend.html")}`);
    expect(r.stdout).toContain(`trend.md:   ${path.join(out, "trend.md")}`);
    const md = await readFile(path.join(out, "trend.md"), "utf8");
    expect(md).toContain("# SLO trend over 30 runs");
    expect(md.split("\n").find((l) => l.startsWith("| Redis MCP latency p99"))).toContain(`run \`${records[20]!.runId}\`: +`);
    const html = await readFile(path.join(out, "trend.html"), "utf8");
    // Links from reports-root/trend-out/ to reports-root/runs/<id>/report.html.
    expect(html).toContain(`href="../runs/${records[20]!.runId}/report.html"`);
  });

  it("--last, --since and --scenario narrow the runs", async () => {
    const out = path.join(root, "trend-last");
    const r = await runCli(["trend", "--history", root, "--out", out, "--last", "12", "--since", "2026-10-05", "--scenario", "cache-read"], {
      timeoutMs: 120_000,
    });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout).toContain("trend of 12 run(s)");
    const md = await readFile(path.join(out, "trend.md"), "utf8");
    expect(md).toContain(`Filters: last 12, scenario cache-read, since 2026-10-05T00:00:00.000Z.`);
  });

  it.each([
    [["--last", "ten"], /--last: expected the number of newest runs to show, a whole number from 2 to 100000, got "?ten/],
    [["--since", "yesterday"], /--since: expected a date \(2026-11-01\) or an ISO 8601 instant/],
    [["--since", "2026-13-45"], /--since: expected a date/],
    [["--scenario", "nope"], /--scenario "?nope"?: no run in the history has that scenario[\s\S]*scenarios in the history: cache-read/],
  ])("bad input %j is exit 2 naming the flag, and writes nothing", async (args, message) => {
    const out = path.join(root, `bad-${args.join("-")}`);
    const r = await runCli(["trend", "--history", root, "--out", out, ...args], { timeoutMs: 120_000 });
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("a --history that does not exist or is a file is exit 2 naming it", async () => {
    const missing = path.join(root, "no-such-reports");
    const r = await runCli(["trend", "--history", missing, "--out", path.join(root, "t-missing")], { timeoutMs: 120_000 });
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toContain(`--history ${missing}: no such directory`);
    const file = path.join(root, "runs", records[0]!.runId, "results.json");
    const r2 = await runCli(["trend", "--history", file, "--out", path.join(root, "t-file")], { timeoutMs: 120_000 });
    expect(r2.code, transcript(r2)).toBe(2);
    expect(r2.stderr).toContain(`--history ${file}: not a directory`);
    expect(existsSync(path.join(root, "t-missing"))).toBe(false);
    expect(existsSync(path.join(root, "t-file"))).toBe(false);
  });

  it("a corrupt results.json in the history is skipped with a warning naming the file and the field; the other runs are charted", async () => {
    // One bad file must not blind a nightly trend; a corrupt record named directly (compare, --baseline) is exit 2.
    const bad = await newOutDir("e2e-trend-bad-");
    await writeReportsRoot(bad, records.slice(0, 3));
    const file = path.join(bad, "runs", records[1]!.runId, "results.json");
    const json = JSON.parse(await readFile(file, "utf8")) as { startedAt: unknown };
    json.startedAt = 42;
    await writeFile(file, JSON.stringify(json));
    const r = await runCli(["trend", "--history", bad, "--out", path.join(bad, "t")], { timeoutMs: 120_000 });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: skipped ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*startedAt`));
    expect(r.stdout).toMatch(/trend of 2 run\(s\)/);
  });
});
