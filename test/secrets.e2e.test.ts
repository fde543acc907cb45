/**
 * Least privilege and redaction, end to end, offline (stand-ins), through the real CLI:
 *  - canary values in a custom server's env and args, and in the three token variables of the
 *    harness's environment (GITHUB_PERSONAL_ACCESS_TOKEN, NOTION_TOKEN, FIRECRAWL_API_KEY), appear in
 *    no output (stdout, stderr, results.json, report.html, junit.xml, summary.md, traces.jsonl),
 *    although the custom server (test/fixtures/servers/leaky-server.mjs) quotes them in its tool
 *    errors and, failing to start, in its stderr;
 *  - reading /proc/<pid>/environ of every process of the run while it runs (the CLI's descendants:
 *    servers, bridge children, Redis, PostgreSQL, Toxiproxy, the stand-ins, k6): the custom server
 *    has its env canary, the GitHub and Notion servers their stand-in tokens, and no process at all
 *    has a real (canary) token, a variable of the harness it was not given, or another's canary;
 *  - what the scenario marks public stays visible.
 * The live-mode side (the server calling an API gets its real token, no other does) is in
 * test/canary-token.e2e.test.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findServer } from "../src/catalog/servers.js";
import { REDACTED } from "../src/telemetry/redact.js";
import { RUN_ID_ENV } from "../src/stack/resource-registry.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, startCli, transcript, type CliResult } from "./support/cli.js";
import { watchEnvirons, type SeenProcess } from "./support/environ.js";

const FIXTURE = path.join(ROOT, "test", "fixtures", "servers", "leaky-server.mjs");
const hex = () => randomBytes(8).toString("hex");

// Formats no redaction pattern knows; the env canary also carries characters every output escapes
// (a quote, <, &, >, |), so only redaction before escaping (or of the escaped forms) catches it.
const core = {
  env: `canary-env-${hex()}`,
  arg: `canary-arg-${hex()}`,
  github: `canary-gh-${hex()}`,
  notion: `canary-notion-${hex()}`,
  firecrawl: `canary-fc-${hex()}`,
  unrelated: `canary-unrelated-${hex()}`,
};
const ENV_SECRET = `${core.env}-"q"<&>|`;
const ARG_SECRET = core.arg;
const PUBLIC_VALUE = `public-note-${hex()}`;
const TOKENS = { GITHUB_PERSONAL_ACCESS_TOKEN: core.github, NOTION_TOKEN: core.notion, FIRECRAWL_API_KEY: core.firecrawl };
const TOKEN_NAMES = Object.keys(TOKENS);

let dir: string;
afterAll(async () => {
  await removeOutDirs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function leakyServer(mode: "serve" | "fail-start", needs: string[]): string {
  return JSON.stringify({
    name: "leaky",
    command: "node",
    args: [FIXTURE, "--token", ARG_SECRET],
    env: { CANARY_TOKEN: ENV_SECRET, PUBLIC_NOTE: PUBLIC_VALUE, LEAKY_MODE: mode },
    needs,
    public: { env: ["PUBLIC_NOTE", "LEAKY_MODE"], args: [FIXTURE, "--token"] },
  });
}

async function scenarioFile(name: string, text: string): Promise<string> {
  dir ??= await mkdtemp(path.join(os.tmpdir(), "e2e-secrets-"));
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

/** Runs the CLI with the canary tokens in its environment, reading every child's environ meanwhile. */
async function runWatched(args: string[]): Promise<{ r: CliResult; seen: SeenProcess[] }> {
  const run = startCli(args, { env: { ...TOKENS, MCP_SLO_E2E_UNRELATED: core.unrelated }, timeoutMs: 400_000 });
  const watcher = watchEnvirons(run.child.pid!, { everyMs: 200, limitMs: 450_000 });
  const r = await run.done;
  // tsx's esbuild service (bin/mcp-slo.js compiles the sources in-process) is the harness's own
  // compiler, started by tsx with the harness's environment before anything of a run: part of the
  // harness, not a child the run starts (it runs no code of a server and talks to nothing).
  const seen = (await watcher.stop()).filter((p) => !/\/esbuild --service=/.test(p.cmd));
  return { r, seen };
}

async function outputsOf(r: CliResult, out: string): Promise<[string, string][]> {
  const outputs: [string, string][] = [
    ["stdout", r.stdout],
    ["stderr", r.stderr],
  ];
  for (const entry of await readdir(out)) outputs.push([entry, await readFile(path.join(out, entry), "utf8")]);
  return outputs;
}

/** No canary, not even its distinctive part, in any output: a value escaped and missed would leave it. */
function expectNoCanary(outputs: [string, string][]): void {
  for (const [name, text] of outputs) {
    for (const [what, value] of Object.entries(core)) expect(text.includes(value), `${what} canary found in ${name}`).toBe(false);
  }
}

const is = (p: SeenProcess, needle: string) => p.cmd.includes(needle);

describe("secrets handed to servers, and the harness's own tokens", () => {
  it("reach only the process that needs them, and appear in no output (stdio scenario + k6 over the HTTP bridge)", async () => {
    const stdio = await scenarioFile(
      "secrets-stdio",
      `name: secrets-stdio
servers:
  - ${leakyServer("serve", ["redis"])}
  - github
  - notion
  - memory
  - postgres
agents: 1
warmup: 0s
duration: 3s
callTimeout: 15s
startTimeout: 90s
workload:
  kind: mix
  calls:
    - { server: leaky, tool: leak, weight: 2 }
    - { server: memory, tool: read_graph }
    - { server: github, tool: get_me }
    - { server: notion, tool: API-get-self }
    - { server: postgres, tool: query, args: { sql: "SELECT 1" } }
`,
    );
    const k6 = await scenarioFile(
      "secrets-k6",
      `name: secrets-k6
servers:
  - ${leakyServer("serve", [])}
transport: http
driver: k6
agents: 1
warmup: 0s
duration: 3s
callTimeout: 15s
startTimeout: 90s
workload: { kind: mix, calls: [{ server: leaky, tool: leak }] }
`,
    );
    const out = await newOutDir("e2e-secrets-");
    const { r, seen } = await runWatched(["run", stdio, k6, "--trace-sample", "1", "--out", out]);
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);
    expect(record.scenarios.map((s) => s.status)).toEqual(["completed", "completed"]);

    // --- outputs
    const outputs = await outputsOf(r, out);
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(["results.json", "report.html", "junit.xml", "summary.md", "traces.jsonl"]));
    expectNoCanary(outputs);
    const results = outputs.find(([n]) => n === "results.json")![1];
    // The canaries did flow (the leak tool's errors quote them) and were redacted, not merely absent;
    // what the scenario marked public is shown.
    const leakErrors = record.scenarios.flatMap((s) => s.errors).filter((e) => e.tool === "leak");
    expect(leakErrors.length, results).toBeGreaterThan(0);
    expect(
      leakErrors.every((e) => e.message.includes(REDACTED)),
      JSON.stringify(leakErrors),
    ).toBe(true);
    expect(results).toContain(PUBLIC_VALUE);
    // The server saw no token: its error names every token variable it had, and there is none.
    expect(
      leakErrors.every((e) => e.message.includes("tokens-seen=none")),
      JSON.stringify(leakErrors),
    ).toBe(true);

    // --- environments, read while the run ran
    const kinds: [string, (p: SeenProcess) => boolean][] = [
      ["leaky (stdio)", (p) => is(p, "leaky-server.mjs")],
      ["github server", (p) => is(p, "github-mcp-server")],
      ["notion server", (p) => is(p, "notion-mcp-server")],
      ["memory server", (p) => is(p, "server-memory")],
      ["postgres MCP server", (p) => is(p, "server-postgres")],
      ["redis-server", (p) => is(p, "redis-server")],
      ["postgres", (p) => /\bpostgres\b/.test(p.cmd) && !is(p, "server-postgres")],
      ["toxiproxy", (p) => is(p, "toxiproxy")],
      ["stand-ins", (p) => is(p, "standins/main.ts")],
      ["k6", (p) => /\bk6 run\b/.test(p.cmd)],
    ];
    const summary = seen.map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`).join("\n");
    for (const [kind, match] of kinds) expect(seen.some(match), `no ${kind} process seen; saw:\n${summary}`).toBe(true);
    // Two processes of the custom server: its stdio session and its bridged HTTP session (k6).
    expect(seen.filter((p) => is(p, "leaky-server.mjs")).length, summary).toBeGreaterThanOrEqual(2);

    const github = findServer("github")!.secrets![0]!;
    const notion = findServer("notion")!.secrets![0]!;
    for (const p of seen) {
      const label = `${p.pid} ${p.cmd.slice(0, 100)}`;
      // Offline, no process has a real token, nor a variable of the harness it was not given.
      for (const c of [core.github, core.notion, core.firecrawl, core.unrelated]) expect(p.raw.includes(c), `${label} has ${c}`).toBe(false);
      if (is(p, "leaky-server.mjs")) {
        expect(p.env.CANARY_TOKEN, label).toBe(ENV_SECRET);
        expect(p.cmd).toContain(ARG_SECRET);
      } else {
        expect(p.raw.includes(core.env), `${label} has the custom server's env canary`).toBe(false);
      }
      if (is(p, "github-mcp-server")) expect(p.env[github.env], label).toBe(github.standIn);
      else expect(p.env[github.env], `${label} has ${github.env}`).toBeUndefined();
      if (is(p, "notion-mcp-server")) expect(p.env[notion.env], label).toBe(notion.standIn);
      else expect(p.env[notion.env], `${label} has ${notion.env}`).toBeUndefined();
      expect(p.env.FIRECRAWL_API_KEY, label).toBeUndefined();
      // The leftover marker stays (PostgreSQL and Redis write their process titles over their
      // environ, so theirs cannot be read back; leftovers.ts finds them by their working directory).
      const retitled = is(p, "redis-server") || (/\bpostgres\b/.test(p.cmd) && !is(p, "server-postgres"));
      if (!retitled) expect(p.env[RUN_ID_ENV], label).toBe(record.runId);
    }
    await expectNothingLeft(record.runId);
  }, 500_000);

  it("a custom server quoting its env and args on stderr while failing to start: exit 3, the launch shown with secrets replaced, no canary anywhere", async () => {
    const broken = await scenarioFile(
      "secrets-broken",
      `name: secrets-broken
servers:
  - ${leakyServer("fail-start", [])}
agents: 1
warmup: 0s
duration: 3s
workload: { kind: mix, calls: [{ server: leaky, tool: leak }] }
`,
    );
    const out = await newOutDir("e2e-secrets-");
    const { r, seen } = await runWatched(["run", broken, "--trace-sample", "1", "--out", out]);
    expect(r.code, transcript(r)).toBe(3);
    const outputs = await outputsOf(r, out);
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(["results.json", "report.html", "junit.xml", "summary.md"]));
    expectNoCanary(outputs);
    // The person debugging sees how the server was started, secrets replaced, and what it said.
    const terminal = r.stdout + r.stderr;
    expect(terminal).toContain(`command: node ${FIXTURE} --token ${REDACTED}`);
    expect(terminal).toContain(`environment given: CANARY_TOKEN=${REDACTED} PUBLIC_NOTE=${PUBLIC_VALUE} LEAKY_MODE=fail-start`);
    expect(terminal).toContain(`fatal: cannot start with ${REDACTED}`);
    const record = await readRecord(out);
    expect(record.scenarios[0]!.error).toContain(`fatal: cannot start with ${REDACTED}`);
    const junit = outputs.find(([n]) => n === "junit.xml")![1];
    expect(junit).toContain("fatal: cannot start with [REDACTED]");
    // It did get its env canary (and nothing of the harness's tokens).
    const leaky = seen.filter((p) => is(p, "leaky-server.mjs"));
    expect(leaky.length, seen.map((p) => p.cmd).join("\n")).toBeGreaterThan(0);
    for (const p of leaky) {
      expect(p.env.CANARY_TOKEN).toBe(ENV_SECRET);
      for (const name of TOKEN_NAMES) expect(p.env[name]).toBeUndefined();
    }
    await expectNothingLeft(record.runId);
  }, 300_000);
});
