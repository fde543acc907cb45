/**
 * `kind: process`: a backend (Redis, PostgreSQL) or every process of an MCP server killed (SIGKILL,
 * started again at the heal), paused (SIGSTOP, SIGCONT at the heal) or restarted gracefully.
 */
import { z } from "zod";
import { FaultTiming } from "../../contracts/scenario-fields.js";
import type { BackendFaultHandle, FaultTargets, HealTiming } from "../../contracts/fault-targets.js";
import type { BackingService } from "../../contracts/server-definition.js";
import { DRIVER_NAMES, driverNamed } from "../../drivers/index.js";
import { defineFaultKind, instant, selfHealing, serverUsing } from "../fault-kind.js";

const SERVER_PREFIX = "server:";
const BACKENDS: readonly BackingService[] = ["redis", "postgres"];

function backend(t: FaultTargets, kind: BackingService): BackendFaultHandle {
  const h = t.backends[kind];
  if (!h) throw new Error(`no ${kind} runs in this scenario`);
  return h;
}

/** Sessions revived after their processes died: the cause is gone when the last of them was spawned again. */
function revivedTiming(revived: readonly { spawnedAt?: number }[], startedAt: number): HealTiming {
  const readyAt = performance.now();
  const spawned = revived.map((s) => s.spawnedAt).filter((t): t is number => t !== undefined);
  return { removedAt: spawned.length ? Math.max(...spawned) : startedAt, readyAt };
}

/**
 * Why a process fault on a server cannot judge the load of a driver that opens its own sessions: the
 * fault acts on the processes of the harness's sessions, and a bridged server's session processes
 * are the driver's own (untouched: the fault would change nothing the load sees); a native server's
 * sessions end with a kill or restart and the driver never opens them again (every later call would
 * fail for the harness's reason, not the server's).
 */
export function ownSessionsRefusal(driver: string, server: string): string {
  return `the ${driver} driver opens its own sessions, which a process fault on "${server}" either misses (a bridged server's session processes are the driver's) or ends for good (nothing re-opens them): use driver: sdk, or a network fault on hop client->${server}`;
}

export const processFault = defineFaultKind({
  name: "process",
  schema: z.strictObject({
    kind: z.literal("process"),
    target: z
      .string()
      .regex(/^(redis|postgres|server:[a-z][a-z0-9_-]*)$/, 'expected "redis", "postgres" or "server:<name>"')
      .describe('"redis" or "postgres" (the backend), or "server:<name>" (every process of that MCP server).'),
    action: z
      .enum(["kill", "pause", "restart"])
      .describe("kill: SIGKILL, started again after `duration`; pause: SIGSTOP for `duration`, then SIGCONT; restart: graceful stop and start."),
    ...FaultTiming,
  }),
  network: false,
  check(at, facts) {
    const p = [...at, "target"];
    const target = facts.str(p);
    if (target === undefined) return;
    const names = facts.serverNames;
    const server = target.startsWith(SERVER_PREFIX) ? target.slice(SERVER_PREFIX.length) : undefined;
    const driverName = facts.str(["driver"]);
    const driver = driverName !== undefined && DRIVER_NAMES.includes(driverName) ? driverNamed(driverName) : undefined;
    if (server !== undefined && !names.includes(server))
      facts.report(p, `"${server}" is not a server of this scenario (${names.join(", ")})`, { found: false });
    else if (server !== undefined && facts.urlServers.includes(server))
      facts.report(
        p,
        `"${server}" is a url server: the harness started no process of it, so a process fault cannot act on it (a network fault on its hop client->${server} can)`,
        { found: false },
      );
    else if (server !== undefined && driver?.ownSessions) facts.report(p, ownSessionsRefusal(driver.name, server), { found: false });
    // The RPO writer of PostgreSQL writes there itself: a PostgreSQL fault needs no server using it then.
    if (server === undefined && !facts.usesBackend(target) && !(target === "postgres" && facts.arr(["rpo", "stores"]).includes("postgres")))
      facts.report(p, `no server of this scenario uses ${target}`, { found: false });
  },
  describe(f) {
    const at = `at ${f.at.text}`;
    const after = f.duration
      ? f.action === "pause"
        ? `, resumed after ${f.duration.text}`
        : f.action === "kill"
          ? `, started again after ${f.duration.text}`
          : ""
      : f.action === "kill"
        ? ", never started again"
        : "";
    return `${f.action === "kill" ? "kill -9" : f.action} ${f.target} ${at}${after}`;
  },
  target: (f) => f.target,
  affectedServer: (f, servers) => (f.target.startsWith(SERVER_PREFIX) ? f.target.slice(SERVER_PREFIX.length) : serverUsing(f.target, servers)),
  actsOnProcess: () => true,
  canLoseWrites: (f) => f.action === "kill" || f.action === "restart",
  async inject(f, t) {
    if (f.target.startsWith(SERVER_PREFIX)) {
      const server = f.target.slice(SERVER_PREFIX.length);
      const procs = t.sessions.processesOf(server);
      if (f.action === "pause") {
        for (const p of procs) p.signal("SIGSTOP");
        return {
          heal: () =>
            instant(() => {
              for (const p of procs) p.signal("SIGCONT");
            }),
        };
      }
      if (f.action === "kill") {
        for (const p of procs) p.signal("SIGKILL");
        return {
          heal: async () => {
            const startedAt = performance.now();
            const revived = await t.sessions.reviveDead(server);
            if (revived.length > 0) t.note(`${revived.length} dead session(s) of ${server} started again`);
            return revivedTiming(revived, startedAt);
          },
        };
      }
      // Graceful restart: the stop signals go out now; stopping and starting again run on in the background.
      const stopping = Promise.all(procs.map((p) => p.stop({ graceMs: 2000 })));
      return selfHealing(
        (async () => {
          await stopping;
          const startedAt = performance.now();
          const revived = await t.sessions.reviveDead(server);
          t.note(`${revived.length} session(s) of ${server} restarted`);
          return revivedTiming(revived, startedAt);
        })(),
      );
    }
    const kind = BACKENDS.find((b) => b === f.target);
    if (kind === undefined) throw new Error(`"${f.target}" is neither a backend nor a server`);
    const b = backend(t, kind);
    if (f.action === "pause") {
      b.pause();
      return { heal: () => instant(() => b.resume()) };
    }
    if (f.action === "kill") {
      b.kill9();
      return {
        heal: async () => {
          const timing = await b.restart();
          t.note(`${f.target} started again (spawned, then answering ${((timing.readyAt - timing.spawnedAt) / 1000).toFixed(2)} s later)`);
          return { removedAt: timing.spawnedAt, readyAt: timing.readyAt };
        },
      };
    }
    // Graceful restart: it acts from the moment the stop begins; the start again is its own heal.
    return selfHealing(
      b.restart().then((timing) => {
        t.note(`${f.target} restarted gracefully (answering ${((timing.readyAt - timing.spawnedAt) / 1000).toFixed(2)} s after it was spawned again)`);
        return { removedAt: timing.spawnedAt, readyAt: timing.readyAt };
      }),
    );
  },
});
