/**
 * `mcp-slo bridge`, the standalone HTTP bridge docker-compose.yml runs in its containers, through the
 * real CLI against a real Redis: it serves MCP Streamable HTTP (set then get on the Redis server),
 * refuses a non-loopback address unless told, and on SIGINT stops (exit 0: a signal is how a
 * container's bridge is meant to stop) with no child process or temp dir of its run left.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { startRedis } from "../src/stack/local/redis.js";
import { expectNothingLeft, runCli, startCli, transcript } from "./support/cli.js";
import { registriesPerTest } from "./support/registry.js";
import { waitFor } from "./support/wait.js";

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

  it("serves the Redis MCP server over HTTP (set, get) and leaves nothing after SIGINT", async () => {
    const registry = newRegistry();
    const redis = await startRedis({ registry });
    const run = startCli(["bridge", "--server", "redis", "--redis-url", redis.url, "--port", "0", "--wait", "30s"], { timeoutMs: 120_000 });
    let stdout = "";
    run.child.stdout!.on("data", (s: string) => (stdout += s));
    const [, url, runId] = await waitFor("the bridge's serving line", 60_000, async () => stdout.match(SERVING) ?? undefined);
    const client = new Client({ name: "bridge-e2e", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
    try {
      await client.callTool({ name: "set", arguments: { key: "bridge-e2e", value: "v1" } });
      const got = (await client.callTool({ name: "get", arguments: { key: "bridge-e2e" } })) as { content: { text: string }[] };
      expect(got.content[0]!.text).toBe("v1");
    } finally {
      await client.close();
    }
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code, transcript(result)).toBe(0);
    await expectNothingLeft(runId!);
  });
});
