/**
 * End to end: Redis's official MCP server (PyPI redis-mcp-server, in .tools/venv-redis-mcp from
 * scripts/setup.sh) started over stdio the way the harness starts every server, against a throwaway
 * redis-server. Its writes are read back with ioredis, straight from Redis, so a server that only
 * *said* "Successfully set" would fail here.
 */
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { redisOfficialExecutable, redisOfficialServer, redisOfficialVersion } from "../src/catalog/servers/redis-official.js";
import { startSession } from "../src/stack/mcp-session.js";
import { startRedis } from "../src/stack/local/redis.js";
import { registriesPerTest } from "../src/testing/registry.js";

const newRegistry = registriesPerTest();

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? "").join("");
}

describe("redis-official (redis-mcp-server from PyPI)", () => {
  it("is installed by setup, pinned, with a readable version", () => {
    // Not a skip: `npm test` runs setup first, so a missing venv is a setup bug worth a red test.
    expect(existsSync(redisOfficialExecutable()), `${redisOfficialExecutable()} missing: run bash scripts/setup.sh`).toBe(true);
    expect(redisOfficialVersion()).toBe("0.5.1");
  });

  it("speaks MCP over stdio and really writes strings, hashes and streams into Redis", async () => {
    const registry = newRegistry();
    const redis = await startRedis({ registry });
    const workdir = await registry.makeTempDir("redis-official");
    // The catalog entry as it is: its {{tools}} command and --url {{redis.url}} are expanded by startSession.
    const session = await startSession({
      def: redisOfficialServer,
      agent: 0,
      endpoints: { redis: { url: redis.url }, sandbox: workdir, workdir },
      registry,
      timeoutMs: 30_000,
    });
    const check = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await check.connect();
      // Every tool the catalog lets scenarios call must really be offered.
      expect(session.tools).toEqual(expect.arrayContaining(redisOfficialServer.tools!));
      expect(session.serverVersion).toBeDefined();
      expect(session.startToReadyMs).toBeGreaterThan(0);

      const call = (name: string, args: Record<string, unknown>) => session.client.callTool({ name, arguments: args });

      expect(text(await call("set", { key: "e2e:s", value: "hello-redis" }))).toContain("Successfully set e2e:s");
      expect(await check.get("e2e:s")).toBe("hello-redis");
      expect(text(await call("get", { key: "e2e:s" }))).toBe("hello-redis");

      await call("hset", { name: "e2e:h", key: "f1", value: 42 });
      expect(await check.hgetall("e2e:h")).toEqual({ f1: "42" });

      expect(text(await call("xadd", { key: "e2e:x", fields: { agent: "a1", op: "claim" } }))).toContain("Successfully added entry");
      const entries = await check.xrange("e2e:x", "-", "+");
      expect(entries).toHaveLength(1);
      expect(entries[0]![1]).toEqual(["agent", "a1", "op", "claim"]);

      // The catalog probe: one round trip that sees the keys written above.
      const probe = redisOfficialServer.probe!;
      expect(Number(text(await call(probe.tool, probe.args)))).toBe(await check.dbsize());

      // Its failure mode, pinned: a Redis error is an ok MCP result with "Error" text, not isError
      // (the catalog notes rely on this; if a release fixes it, this test says so).
      const wrongType = await call("hget", { name: "e2e:s", key: "f" });
      expect(wrongType.isError ?? false).toBe(false);
      expect(text(wrongType)).toMatch(/^Error/);
    } finally {
      check.disconnect();
      await session.close();
    }
  }, 90_000);
});
