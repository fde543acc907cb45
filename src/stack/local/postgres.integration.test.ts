import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findProcessesOfRun } from "../leftovers.js";
import { isAddressInUse } from "../ports.js";
import { registriesPerTest } from "../../testing/registry.js";
import { startPostgres } from "./postgres.js";
import { startRedis } from "./redis.js";

const newRegistry = registriesPerTest();

describe("startPostgres", () => {
  it("initdb + start, answers queries on mcp_slo, stops cleanly", async () => {
    const reg = newRegistry();
    const t0 = Date.now();
    const pg = await startPostgres({ registry: reg, synchronousCommit: "off" });
    console.log(`postgres ${pg.version} initdb+ready in ${Date.now() - t0} ms`);
    expect(pg.url).toBe(`postgresql://postgres@127.0.0.1:${pg.port}/mcp_slo`);
    expect(pg.version).toMatch(/^\d+/);
    const who = await pg.query("SELECT current_user AS u, current_database() AS d, inet_server_port() AS p, pg_postmaster_start_time() IS NOT NULL AS up");
    expect(who.rows[0]).toEqual({ u: "postgres", d: "mcp_slo", p: pg.port, up: true });
    expect((await pg.query("SHOW synchronous_commit")).rows[0]).toEqual({ synchronous_commit: "off" });
    expect((await pg.query("SHOW fsync")).rows[0]).toEqual({ fsync: "on" });
    expect((await pg.query("SHOW listen_addresses")).rows[0]).toEqual({ listen_addresses: "127.0.0.1" });
    await pg.query("CREATE TABLE t (id int primary key, v text)");
    await pg.query("INSERT INTO t VALUES ($1, $2)", [1, "one"]);
    expect((await pg.query("SELECT v FROM t WHERE id = $1", [1])).rows).toEqual([{ v: "one" }]);
    // The postmaster and its helpers all count as the run's processes.
    const procs = await findProcessesOfRun(reg.runId);
    expect(procs.map((p) => p.pid)).toContain(pg.pid);
    expect(procs.length).toBeGreaterThan(3);

    const t1 = Date.now();
    await pg.stop();
    console.log(`postgres fast shutdown in ${Date.now() - t1} ms`);
    expect(Date.now() - t1).toBeLessThan(5000); // not the SIGKILL path
    expect(pg.process.exitInfo).toEqual({ code: 0, signal: null });
    expect(await findProcessesOfRun(reg.runId)).toEqual([]);
    await reg.disposeAll();
    expect(existsSync(pg.dataDir)).toBe(false);
  });

  it("disposeAll shuts a postgres with open pool connections down quickly", async () => {
    const reg = newRegistry();
    const pg = await startPostgres({ registry: reg });
    await Promise.all([pg.query("SELECT pg_sleep(0.01)"), pg.query("SELECT 1"), pg.query("SELECT 2")]);
    const t0 = Date.now();
    await reg.disposeAll();
    expect(Date.now() - t0).toBeLessThan(2500); // SIGINT (fast shutdown), not SIGTERM + 3 s grace
    expect(pg.process.exitInfo?.code).toBe(0);
  });

  it("kill9 + restart: committed rows survive (synchronous_commit=on), same port", async () => {
    const reg = newRegistry();
    const pg = await startPostgres({ registry: reg });
    await pg.query("CREATE TABLE t (id int)");
    await pg.query("INSERT INTO t SELECT generate_series(1, 100)");
    const { port, pid } = pg;
    pg.kill9();
    await pg.process.exited;
    expect(pg.process.exitInfo?.signal).toBe("SIGKILL");
    await expect(pg.query("SELECT 1")).rejects.toThrow();
    await pg.restart();
    expect(pg.port).toBe(port);
    expect(pg.pid).not.toBe(pid);
    expect((await pg.query("SELECT count(*)::int AS n FROM t")).rows[0]).toEqual({ n: 100 });
  });

  it("reports 'address in use' as such (code EADDRINUSE)", async () => {
    const reg = newRegistry();
    const a = await startPostgres({ registry: reg });
    const err = await startPostgres({ registry: reg, port: a.port }).catch((e: unknown) => e);
    expect(isAddressInUse(err)).toBe(true);
    expect(String(err)).toMatch(new RegExp(`postgres.*127\\.0\\.0\\.1:${a.port}.*Address already in use`, "s"));
    expect((await a.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});

describe("parallel stacks", () => {
  it("two redis + two postgres started at once get distinct ports and data dirs", async () => {
    const reg = newRegistry();
    const t0 = Date.now();
    const [r1, r2, p1, p2] = await Promise.all([
      startRedis({ registry: reg }),
      startRedis({ registry: reg }),
      startPostgres({ registry: reg }),
      startPostgres({ registry: reg }),
    ]);
    console.log(`2 redis + 2 postgres in parallel ready in ${Date.now() - t0} ms`);
    const ports = [r1.port, r2.port, p1.port, p2.port];
    expect(new Set(ports).size).toBe(4);
    expect(new Set([r1.dataDir, r2.dataDir, p1.dataDir, p2.dataDir]).size).toBe(4);
    await p1.query("CREATE TABLE only_in_p1 (x int)");
    await expect(p2.query("SELECT * FROM only_in_p1")).rejects.toThrow(/does not exist/);
    expect((await r1.info("server")).tcp_port).toBe(String(r1.port));
    expect((await r2.info("server")).tcp_port).toBe(String(r2.port));
  });
});
