/**
 * Tokens never reach an output. A live-mode run of the all-servers scenario, with a canary value in
 * every token variable, against local stand-ins given as the "live" APIs (MCP_SLO_LIVE_URL_*), which
 * quote the request's credentials back in the errors they inject, as a careless upstream might. The
 * canary thereby flows into MCP error results, the harness's error summaries and traces; none of
 * stdout, stderr, results.json, report.html, junit.xml, summary.md or traces.jsonl may contain it.
 * Read from /proc/<pid>/environ while the run runs, each token is in the environment of the server
 * that calls its API and of no other process (least privilege, src/stack/child-env.ts).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { startStandIn, type LocalStandIn } from "../src/standins/start.js";
import { REDACTED } from "../src/telemetry/redact.js";
import { registriesPerTest } from "../src/testing/registry.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, startCli, transcript } from "./support/cli.js";
import { watchEnvirons } from "./support/environ.js";

afterAll(removeOutDirs);
const newRegistry = registriesPerTest();

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe("canary tokens in a live-mode run", () => {
  it("appear in no output, although they reached the APIs and came back in errors", async () => {
    const registry = newRegistry();
    // Formats no redaction pattern knows: only the registered values can catch them.
    const canary = (name: string) => `canary-${name}-${randomBytes(8).toString("hex")}`;
    const tokens = { GITHUB_PERSONAL_ACCESS_TOKEN: canary("github"), NOTION_TOKEN: canary("notion"), FIRECRAWL_API_KEY: canary("firecrawl") };
    const standIns: Record<string, LocalStandIn> = {};
    for (const api of ["github", "notion", "firecrawl", "shadcn"]) {
      standIns[api] = await startStandIn({ api, registry, behaviour: { errorRate: 0.3, errorStatus: 500, reflectCredentials: true, seed: 11 } });
    }
    const out = await newOutDir("e2e-canary-");
    const run = startCli(["run", "scenarios/all-servers.yaml", "--live", "--profile", "smoke", "--trace-sample", "1", "--out", out], {
      env: {
        ...tokens,
        MCP_SLO_LIVE_URL_NOTION: standIns.notion!.url,
        MCP_SLO_LIVE_URL_FIRECRAWL: standIns.firecrawl!.url,
        MCP_SLO_LIVE_URL_SHADCN: standIns.shadcn!.url,
        // The GitHub server drops the port of its host: as a GitHub Enterprise client it reaches the
        // stand-in as its HTTP proxy, which is how a live run behind a corporate proxy works too.
        MCP_SLO_LIVE_URL_GITHUB: "http://github.canary.invalid",
        HTTP_PROXY: standIns.github!.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      timeoutMs: 240_000,
    });
    // Every process of the run, with its environment, read while it runs (test/support/environ.ts).
    const watcher = watchEnvirons(run.child.pid!, { everyMs: 250, limitMs: 300_000 });
    const r = await run.done;
    const seen = (await watcher.stop()).filter((p) => !/\/esbuild --service=/.test(p.cmd));
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);
    expect(record.scenarios[0]!.upstreams?.map((u) => [u.api, u.mode])).toEqual([
      ["github", "live"],
      ["firecrawl", "live"],
      ["notion", "live"],
      ["shadcn", "live"],
    ]);
    expect(record.scenarios[0]!.servers.every((s) => s.upstream === (["github", "firecrawl", "notion", "shadcn"].includes(s.name) ? "live" : "none"))).toBe(
      true,
    );

    // The tokens did travel: every API with a token got requests and answered some with the token quoted.
    for (const api of ["github", "notion", "firecrawl"]) {
      const stats = await standIns[api]!.stats();
      expect(stats.requests, `${api} stand-in requests`).toBeGreaterThan(0);
      expect(stats.injectedErrors, `${api} stand-in errors quoting the token`).toBeGreaterThan(0);
    }

    const outputs: [string, string][] = [
      ["stdout", r.stdout],
      ["stderr", r.stderr],
    ];
    for (const file of await filesUnder(out)) outputs.push([path.relative(out, file), await readFile(file, "utf8")]);
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(["results.json", "report.html", "junit.xml", "summary.md", "traces.jsonl"]));
    for (const [name, text] of outputs) {
      for (const [variable, token] of Object.entries(tokens)) expect(text.includes(token), `${variable} found in ${name}`).toBe(false);
    }
    // ... and they were redacted, not merely absent: an error message carried one.
    // (The notes of every report mention [REDACTED] too: look at the errors the stand-ins caused.)
    expect(
      record.scenarios[0]!.errors.some((e) => e.message.includes(REDACTED)),
      "no redacted token in results.json's errors: the test did not exercise redaction",
    ).toBe(true);

    // Least privilege: each token went to the one server that calls that API, and to no other process.
    const owner: Record<string, string> = {
      GITHUB_PERSONAL_ACCESS_TOKEN: "github-mcp-server",
      NOTION_TOKEN: "notion-mcp-server",
      FIRECRAWL_API_KEY: "firecrawl-mcp",
    };
    const listing = seen.map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`).join("\n");
    for (const [variable, token] of Object.entries(tokens)) {
      const holders = seen.filter((p) => p.raw.includes(token));
      expect(holders.length, `${variable}: no process had it; saw:\n${listing}`).toBeGreaterThan(0);
      for (const p of holders) expect(p.cmd, `${variable} reached ${p.pid} ${p.cmd}`).toContain(owner[variable]);
      for (const p of seen.filter((x) => x.cmd.includes(owner[variable]!))) expect(p.env[variable], `${p.cmd} lacks ${variable}`).toBe(token);
    }
    // The proxy of the harness's environment goes to the servers calling their real API only.
    for (const p of seen.filter((x) => x.env.HTTP_PROXY !== undefined))
      expect(p.cmd, `HTTP_PROXY reached ${p.cmd}`).toMatch(/github-mcp-server|notion-mcp-server|firecrawl-mcp|shadcn/);
    expect(seen.some((p) => p.cmd.includes("server-memory"))).toBe(true);
    await expectNothingLeft(record.runId);
  }, 300_000);

  it("refuses a live run whose tokens are missing, naming the variables, before starting anything", async () => {
    const r = await runCli(["run", "scenarios/all-servers.yaml", "--live", "--profile", "smoke", "--out", await newOutDir("e2e-canary-")], {
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: "", NOTION_TOKEN: "", FIRECRAWL_API_KEY: "" },
      timeoutMs: 60_000,
    });
    expect(r.code, transcript(r)).toBe(2);
    for (const variable of ["GITHUB_PERSONAL_ACCESS_TOKEN", "NOTION_TOKEN", "FIRECRAWL_API_KEY"]) expect(r.stderr).toContain(`not set: ${variable}`);
  });
});
