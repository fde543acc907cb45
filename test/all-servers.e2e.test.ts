/**
 * The guide's eight servers in one run, offline, at the `ci` profile: GitHub, Firecrawl, Notion and
 * ShadCN against their local stand-ins behind Toxiproxy, the other four against real Redis,
 * PostgreSQL and files. Every server gets its row of verdicts; stand-in results are marked as such.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterAll(removeOutDirs);

const EIGHT = ["github", "memory", "filesystem", "redis", "postgres", "firecrawl", "notion", "shadcn"];
const CALLS_SAAS = ["github", "firecrawl", "notion", "shadcn"];

describe("all-servers scenario (ci profile)", () => {
  it("drives all eight servers offline and judges each one", async () => {
    const out = await newOutDir("e2e-all-servers-");
    const r = await runCli(["run", "scenarios/all-servers.yaml", "--profile", "ci", "--out", out], { timeoutMs: 280_000 });
    // The guide's figures may be missed (exit 1); an error or a crash may not.
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, s.error).toBe("completed");
    expect(s.servers.map((x) => x.name)).toEqual(EIGHT);
    for (const server of s.servers) {
      expect(server.upstream, server.name).toBe(CALLS_SAAS.includes(server.name) ? "stand-in" : "none");
      expect(server.version, server.name).toMatch(/\d/);
      // Every server answered calls and has verdicts of its own, with a measured value.
      const own = s.slos.filter((x) => x.scope.server === server.name);
      expect(own.length, `verdicts for ${server.name}`).toBeGreaterThanOrEqual(3);
      expect(
        own.every((x) => x.standIn === CALLS_SAAS.includes(server.name)),
        `stand-in marks of ${server.name}`,
      ).toBe(true);
      const ok = s.latency.filter((l) => l.server === server.name && l.outcome === "ok").reduce((a, l) => a + l.count, 0);
      expect(ok, `ok calls of ${server.name}`).toBeGreaterThan(0);
    }
    // Each stand-in answered what its server asked, and knew every route it was asked for.
    expect(s.upstreams?.map((u) => u.api).sort()).toEqual(["firecrawl", "github", "notion", "shadcn"]);
    for (const u of s.upstreams!) {
      expect(u.mode).toBe("stand-in");
      expect(u.requests, `${u.api} requests`).toBeGreaterThan(0);
      expect(u.unmatched, `${u.api} unknown routes`).toEqual([]);
      expect(u.payloads).toBeTruthy();
    }
    // The report has a row per server with its verdicts and marks the stand-ins.
    const html = await readFile(path.join(out, "report.html"), "utf8");
    for (const name of EIGHT) expect(html).toContain(`<td><strong>${name}</strong>`);
    expect(html).toContain("Upstream APIs");
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expect(summary).toMatch(/\| github \| github\.com\/github\/github-mcp-server@v[\d.]+ \| stand-in \|/);
    await expectNothingLeft(record.runId);
  }, 300_000);

  it("takes faults on the upstream hops: the GitHub API cut off fails only GitHub's calls, which recover; a slow Notion API slows only Notion's", async () => {
    const out = await newOutDir("e2e-upstream-faults-");
    const r = await runCli(["run", "scenarios/failover-upstream.yaml", "--profile", "smoke", "--out", out], { timeoutMs: 200_000 });
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, s.error).toBe("completed");
    const [cut, slow] = s.faults!;
    expect(cut!.injected && cut!.recovered, JSON.stringify(cut)).toBe(true);
    expect(cut!.timeToDetectMs, "the outage was seen by the probe").not.toBeNull();
    expect(slow!.injected, JSON.stringify(slow)).toBe(true);
    const failed = (server: string) => s.latency.filter((l) => l.server === server && l.outcome !== "ok").reduce((a, l) => a + l.count, 0);
    expect(failed("github"), "GitHub calls failed while its API was gone").toBeGreaterThan(0);
    expect(failed("notion"), "Notion's calls did not fail").toBe(0);
    // Notion's per-second p50 inside the latency window is at least 150 ms above the seconds outside it.
    const inWindow = (t: number, f: typeof slow) => t >= f!.injectedAtMs! && t + s.timeline.intervalMs <= f!.healedAtMs!;
    const notion = s.timeline.points.filter((p) => p.server === "notion" && p.t >= 0 && p.ok > 0);
    const median = (xs: (number | null)[]) => {
      const known = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
      return known[Math.floor(known.length / 2)]!;
    };
    const during = median(notion.filter((p) => inWindow(p.t, slow)).map((p) => p.p50));
    const outside = median(
      notion.filter((p) => p.t + s.timeline.intervalMs <= slow!.injectedAtMs! - 1000 || p.t >= slow!.healedAtMs! + 1000).map((p) => p.p50),
    );
    expect(during - outside, `notion p50 ${outside} ms outside, ${during} ms during the toxic`).toBeGreaterThan(150);
    await expectNothingLeft(record.runId);
  }, 240_000);
});
