import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { findProcessesOfRun } from "../leftovers.js";
import { isAddressInUse } from "../ports.js";
import { registriesPerTest } from "../../testing/registry.js";
import { respCommand, startRedis } from "./redis.js";

const newRegistry = registriesPerTest();

describe("startRedis", () => {
  it("starts a redis that answers PING and INFO, and stops it", async () => {
    const reg = newRegistry();
    const t0 = Date.now();
    const redis = await startRedis({ registry: reg });
    console.log(`redis-server ${redis.version} ready in ${Date.now() - t0} ms`);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await respCommand(redis.port, ["PING"])).toBe("PONG");
    const info = await redis.info("server");
    expect(Number(info.process_id)).toBe(redis.pid);
    expect(info.tcp_port).toBe(String(redis.port));
    expect(info.redis_version).toBe(redis.version);
    const persistence = await redis.info("persistence");
    expect(persistence.aof_enabled).toBe("0");
    expect(await redis.command(["CONFIG", "GET", "save"])).toEqual(["save", ""]);
    expect(await redis.command(["CONFIG", "GET", "bind"])).toEqual(["bind", "127.0.0.1"]);
    expect(redis.dataDir).toContain(`mcp-slo-${reg.runId}-redis-`);
    expect(await findProcessesOfRun(reg.runId)).toEqual([expect.objectContaining({ pid: redis.pid })]);

    await redis.stop();
    expect(redis.process.isRunning()).toBe(false);
    await expect(respCommand(redis.port, ["PING"])).rejects.toThrow(/ECONNREFUSED/);
    expect(await findProcessesOfRun(reg.runId)).toEqual([]);
    await reg.disposeAll();
    expect(existsSync(redis.dataDir)).toBe(false);
  });

  it("fails with an error naming redis, the port and the log when the server cannot start", async () => {
    const reg = newRegistry();
    // `false` exits at once without a word.
    await expect(startRedis({ registry: reg, redisServerPath: "false" })).rejects.toThrow(
      /redis-server \(false\) on 127\.0\.0\.1:\d+ exited \(code 1\) before answering PING; it logged nothing/,
    );
    // A real redis-server given a bad directive: exits at once, and says why.
    const dir = await reg.makeTempDir("fake");
    await writeFile(`${dir}/bad-redis`, '#!/bin/sh\nexec redis-server "$1" --no-such-directive yes\n', { mode: 0o755 });
    await expect(startRedis({ registry: reg, redisServerPath: `${dir}/bad-redis` })).rejects.toThrow(
      /redis-server \(.*bad-redis\) on 127\.0\.0\.1:\d+ exited \(code 1\) before answering PING; last log lines:\n.*no-such-directive/s,
    );
    // Something that talks but never listens: times out, quoting its output.
    await writeFile(`${dir}/mute-redis`, "#!/bin/sh\necho fake redis warming up\nexec sleep 30\n", { mode: 0o755 });
    const t0 = Date.now();
    await expect(startRedis({ registry: reg, redisServerPath: `${dir}/mute-redis`, startTimeoutMs: 700 })).rejects.toThrow(
      /redis-server \(.*mute-redis\) on 127\.0\.0\.1:\d+ did not answer PING within 700 ms \(last: .*ECONNREFUSED.*\); last log lines:\n {2}fake redis warming up/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    // A missing binary.
    await expect(startRedis({ registry: reg, redisServerPath: "/nonexistent/redis-server" })).rejects.toThrow(/redis-server.*\/nonexistent\/redis-server/);
  });

  it("reports 'address in use' as such (code EADDRINUSE), with the log line", async () => {
    const reg = newRegistry();
    const a = await startRedis({ registry: reg });
    const err = await startRedis({ registry: reg, port: a.port }).catch((e: unknown) => e);
    expect(isAddressInUse(err)).toBe(true);
    expect(String(err)).toMatch(new RegExp(`redis-server.*127\\.0\\.0\\.1:${a.port}.*\\n.*Address already in use`, "s"));
    // The first server is untouched.
    expect(await respCommand(a.port, ["PING"])).toBe("PONG");
  });

  it("two in parallel get distinct ports and data dirs", async () => {
    const reg = newRegistry();
    const [a, b] = await Promise.all([startRedis({ registry: reg }), startRedis({ registry: reg })]);
    expect(a.port).not.toBe(b.port);
    expect(a.dataDir).not.toBe(b.dataDir);
    await a.command(["SET", "k", "a"]);
    expect(await b.command(["GET", "k"])).toBeNull();
  });

  it("after kill9 + restart, aof-always keeps acknowledged writes and none loses them", async () => {
    const reg = newRegistry();
    const durable = await startRedis({ registry: reg, persistence: "aof-always" });
    const volatile = await startRedis({ registry: reg, persistence: "none" });
    expect((await durable.info("persistence")).aof_enabled).toBe("1");
    for (const r of [durable, volatile]) {
      for (let i = 0; i < 20; i++) expect(await r.command(["SET", `key${i}`, `value${i}`])).toBe("OK");
    }
    const oldPids = [durable.pid, volatile.pid];
    durable.kill9();
    volatile.kill9();
    await Promise.all([durable.process.exited, volatile.process.exited]);
    expect(durable.process.exitInfo?.signal).toBe("SIGKILL");

    const portsBefore = [durable.port, volatile.port];
    await Promise.all([durable.restart(), volatile.restart()]);
    expect([durable.port, volatile.port]).toEqual(portsBefore);
    expect([durable.pid, volatile.pid]).not.toEqual(oldPids);
    expect(await durable.command(["GET", "key19"])).toBe("value19");
    expect(await durable.command(["DBSIZE"])).toBe(20);
    expect(await volatile.command(["GET", "key19"])).toBeNull();
    expect(await volatile.command(["DBSIZE"])).toBe(0);
  });
});
