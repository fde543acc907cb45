/**
 * `mcp-slo bridge`, the standalone HTTP bridge docker-compose.yml runs in its containers, through the
 * real CLI against a real Redis: it serves MCP Streamable HTTP (set then get on the Redis server),
 * refuses a non-loopback address unless told, and on SIGINT stops (exit 0: a signal is how a
 * container's bridge is meant to stop) with no child process or temp dir of its run left. Also what
 * the compose services use: --seed-sandbox (filesystem reads docs/doc-1.txt) and --upstream-proxy
 * (github reaches its stand-in through HTTP_PROXY, given a made-up host name).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { TOOLS_DIR } from "../src/project-root.js";
import { loadStandInApi } from "../src/standins/apis/index.js";
import { createStandInServer, listenStandIn } from "../src/standins/serve.js";
import { startRedis } from "../src/stack/local/redis.js";
import { expectNothingLeft, runCli, startCli, transcript } from "./support/cli.js";
import { registriesPerTest } from "../src/testing/registry.js";
import { waitFor } from "../src/util/wait-for.js";
import { MCP_INITIALIZE, rawHttp } from "../src/testing/raw-http.js";
import { findProcessesOfRun } from "../src/stack/leftovers.js";

const newRegistry = registriesPerTest();
const SERVING = /serving MCP Streamable HTTP at (http:\/\/\S+\/mcp) \(run (\S+)\)/;

describe("mcp-slo bridge", () => {
  it("refuses a non-loopback --host without --allow-non-loopback, and a server without its backend URL (exit 2)", async () => {
    const host = await runCli(["bridge", "--server", "memory", "--host", "0.0.0.0", "--port", "0"], { timeoutMs: 60_000 });
    expect(host.code, transcript(host)).toBe(2);
    expect(host.stderr).toContain("refusing to serve MCP on 0.0.0.0");
    const url = await runCli(["bridge", "--server", "redis", "--port", "0"], { timeoutMs: 60_000, env: { MCP_SLO_REDIS_URL: "" } });
    expect(url.code, transcript(url)).toBe(2);
    expect(url.stderr).toContain("--redis-url");
  });

  it("refuses bad guard flags (exit 2): --idle-timeout, --max-sessions, --allowed-hosts", async () => {
    for (const [flag, value] of [
      ["--idle-timeout", "soon"],
      ["--max-sessions", "0"],
      ["--allowed-hosts", "a b,ok"],
    ] as const) {
      const r = await runCli(["bridge", "--server", "memory", "--port", "0", flag, value], { timeoutMs: 60_000 });
      expect(r.code, transcript(r)).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });

  /** Starts `mcp-slo bridge` with `args`, hands `use` its URL, run id and stdout so far, then SIGINT: exit 0, nothing left. */
  async function withRawBridge(args: string[], use: (url: string, runId: string, stdout: () => string) => Promise<void>): Promise<void> {
    const run = startCli(["bridge", ...args, "--port", "0"], { timeoutMs: 120_000 });
    let stdout = "";
    run.child.stdout!.on("data", (s: string) => (stdout += s));
    try {
      // The banner is two lines, written one after the other: a test that reads the second must not
      // look before it has arrived.
      const [, url, runId] = await waitFor(() => (/^bridge: hosts answered: .*\n/m.test(stdout) ? (stdout.match(SERVING) ?? undefined) : undefined), {
        what: "the bridge's serving and hosts lines",
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      await use(url!, runId!, () => stdout);
      run.child.kill("SIGINT");
      const result = await run.done;
      expect(result.code, transcript(result)).toBe(0);
      await expectNothingLeft(runId!);
    } finally {
      run.child.kill("SIGKILL");
    }
  }

  it("answers a foreign Host or Origin 403 and its --allowed-hosts 200; ends idle sessions, and their children are gone", async () => {
    await withRawBridge(["--server", "memory", "--allowed-hosts", "mcp-memory", "--idle-timeout", "2s"], async (url, runId, stdout) => {
      expect(stdout()).toContain("hosts answered: localhost, 127.0.0.1, [::1], mcp-memory; sessions end after 2 s without a request; at most 64 at once");
      expect((await rawHttp(url, { headers: { host: "evil.com" }, body: MCP_INITIALIZE })).status).toBe(403);
      expect((await rawHttp(url, { headers: { origin: "http://evil.com" }, body: MCP_INITIALIZE })).status).toBe(403);
      expect(await findProcessesOfRun(runId)).toEqual([]);
      expect((await rawHttp(url, { headers: { host: "mcp-memory:8080" }, body: MCP_INITIALIZE })).status).toBe(200);
      expect((await rawHttp(url, { body: MCP_INITIALIZE })).status).toBe(200);
      const children = await findProcessesOfRun(runId);
      expect(children.length, JSON.stringify(children)).toBeGreaterThan(0);
      expect(
        children.every((p) => p.cmd.includes("server-memory")),
        JSON.stringify(children),
      ).toBe(true);
      // Nobody ends those two sessions: 2 s after their last request the bridge does, and stops their children.
      await waitFor(async () => (await findProcessesOfRun(runId)).length === 0, {
        what: "the abandoned sessions' children to be stopped",
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      expect(stdout().match(/had no request for 2 s: ended, its child memory#http \(pid \d+\) stopped/g)).toHaveLength(2);
    });
  });

  it("answers an initialize beyond --max-sessions with 503, naming the cap", async () => {
    await withRawBridge(["--server", "memory", "--max-sessions", "2", "--idle-timeout", "0"], async (url, runId, stdout) => {
      expect(stdout()).toContain("sessions end after no idle time (never); at most 2 at once");
      for (let i = 0; i < 2; i++) expect((await rawHttp(url, { body: MCP_INITIALIZE })).status).toBe(200);
      const over = await rawHttp(url, { body: MCP_INITIALIZE });
      expect(over.status).toBe(503);
      expect(JSON.parse(over.body).error.message).toMatch(/already has 2 MCP sessions, its cap .*--max-sessions/);
      expect(await findProcessesOfRun(runId)).toHaveLength(2);
    });
  });

  it("serves the Redis MCP server over HTTP (set, get) and leaves nothing after SIGINT", async () => {
    const registry = newRegistry();
    const redis = await startRedis({ registry });
    const got = await withBridge(["--server", "redis", "--redis-url", redis.url], async (client) => {
      await client.callTool({ name: "set", arguments: { key: "bridge-e2e", value: "v1" } });
      return (await client.callTool({ name: "get", arguments: { key: "bridge-e2e" } })) as { content: { text: string }[] };
    });
    expect(got.content[0]!.text).toBe("v1");
  });

  /** Starts the bridge, lets `use` talk to it over one MCP session, stops it with SIGINT and checks nothing is left. */
  async function withBridge<T>(args: string[], use: (client: Client) => Promise<T>): Promise<T> {
    const run = startCli(["bridge", ...args, "--port", "0", "--wait", "30s"], { timeoutMs: 120_000 });
    let stdout = "";
    run.child.stdout!.on("data", (s: string) => (stdout += s));
    try {
      // The banner is two lines, written one after the other: a test that reads the second must not
      // look before it has arrived.
      const [, url, runId] = await waitFor(() => (/^bridge: hosts answered: .*\n/m.test(stdout) ? (stdout.match(SERVING) ?? undefined) : undefined), {
        what: "the bridge's serving and hosts lines",
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      const client = new Client({ name: "bridge-e2e", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
      let out: T;
      try {
        out = await use(client);
      } finally {
        await client.close();
      }
      run.child.kill("SIGINT");
      const result = await run.done;
      expect(result.code, transcript(result)).toBe(0);
      await expectNothingLeft(runId!);
      return out;
    } finally {
      run.child.kill("SIGKILL");
    }
  }

  /** One tool call through a bridge of its own. */
  function callThroughBridge(args: string[], tool: string, toolArgs: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
    return withBridge(args, async (client) => {
      const r = (await client.callTool({ name: tool, arguments: toolArgs })) as { isError?: boolean; content: { text?: string }[] };
      return { isError: r.isError ?? false, text: r.content.map((c) => c.text ?? "").join("") };
    });
  }

  it("--seed-sandbox fills the filesystem server's sandbox (docs/doc-1.txt ... doc-100.txt, rpo/) as a run does", async () => {
    const sandbox = await mkdtemp(path.join(tmpdir(), "mcp-slo-bridge-sandbox-"));
    try {
      const r = await callThroughBridge(["--server", "filesystem", "--sandbox", sandbox, "--seed-sandbox"], "read_text_file", {
        path: path.join(sandbox, "docs", "doc-1.txt"),
      });
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toMatch(/^doc 1\n/);
      expect((await readdir(path.join(sandbox, "docs"))).length).toBe(100);
      expect(existsSync(path.join(sandbox, "rpo"))).toBe(true);
    } finally {
      await rm(sandbox, { recursive: true, force: true });
    }
  });

  const githubBin = path.join(TOOLS_DIR, "bin", "github-mcp-server");
  (existsSync(githubBin) ? it : it.skip)(
    `--upstream-proxy: the github server reaches its stand-in through HTTP_PROXY (get_me)${existsSync(githubBin) ? "" : " [SKIPPED: no .tools/bin/github-mcp-server; run bash scripts/setup.sh]"}`,
    async () => {
      const refused = await runCli(["bridge", "--server", "github", "--port", "0"], {
        timeoutMs: 60_000,
        env: { MCP_SLO_UPSTREAM_URL: "", MCP_SLO_UPSTREAM_PROXY: "" },
      });
      expect(refused.code, transcript(refused)).toBe(2);
      expect(refused.stderr).toContain("--upstream-proxy");
      const { server } = createStandInServer(await loadStandInApi("github"), {}, () => undefined);
      const port = await listenStandIn(server, "127.0.0.1", 0);
      try {
        const r = await callThroughBridge(["--server", "github", "--upstream-proxy", `http://127.0.0.1:${port}`], "get_me", {});
        expect(r.isError, r.text).toBe(false);
        expect(r.text).toContain('"login"');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});
