/**
 * Injects one fault and returns how to heal it. One case per fault kind, each
 * acting through a narrow interface (Toxiproxy hops, backend handles, the
 * session pool, stdio layers), so a provider that runs containers can offer
 * the same faults with its own handles.
 */
import type { ResolvedFault } from "../config/load-scenario.js";
import type { BackingService } from "../contracts/server-definition.js";
import type { BackendHandle } from "../providers/provider.js";
import type { Hop, StartedToxiproxy } from "../stack/local/toxiproxy.js";
import type { SessionPool } from "../run/session-pool.js";
import { parseDurationMs } from "../contracts/units.js";
import { StdioFaultLayer } from "./stdio-fault-layer.js";
import { sleep } from "../util/sleep.js";

export interface FaultTargets {
  toxiproxy: StartedToxiproxy | undefined;
  handles: Partial<Record<BackingService, BackendHandle>>;
  pool: SessionPool;
  signal: AbortSignal;
  /** An observation for the report, e.g. "redis started again". */
  note: (text: string) => void;
}

/**
 * When a fault stopped acting, on performance.now(): `removedAt` when its cause was removed (the
 * link restored, the process spawned or resumed again), `readyAt` when what it broke answered again
 * (a restarted backend's PING, a revived MCP session's initialize); the same moment when nothing had
 * to start. "Time after heal" counts from `removedAt`, so the harness's own readiness wait is no part of it.
 */
export interface HealTiming {
  removedAt: number;
  readyAt: number;
}

export interface Injected {
  /** Removes the fault's cause; resolves when what it broke is ready again. */
  heal(): Promise<HealTiming>;
  /** A fault that removes its own cause (a graceful restart): resolves when it did. heal() then waits for the same. */
  healing?: Promise<HealTiming>;
}

/**
 * A heal done by one action (a link restored, a toxic removed, a process resumed): the cause goes
 * somewhere between asking and the answer, so it is dated when asked (a probe can never have
 * recovered before it), and ready when the answer came.
 */
async function instant(fn: () => unknown): Promise<HealTiming> {
  const removedAt = performance.now();
  await fn();
  return { removedAt, readyAt: performance.now() };
}

/** Sessions revived after their processes died: the cause is gone when the last of them was spawned again. */
function revivedTiming(revived: readonly { spawnedAt?: number }[], startedAt: number): HealTiming {
  const readyAt = performance.now();
  const spawned = revived.map((s) => s.spawnedAt).filter((t): t is number => t !== undefined);
  return { removedAt: spawned.length ? Math.max(...spawned) : startedAt, readyAt };
}

/** Runs a self-healing fault's rest in the background: the injection returns as soon as the fault acts. */
function selfHealing(p: Promise<HealTiming>): Injected {
  // Observed by heal() and by the experiment; a failure must not surface as an unhandled rejection meanwhile.
  p.catch(() => undefined);
  return { healing: p, heal: () => p };
}

function hopsOf(t: FaultTargets, spec: string): Hop[] {
  if (!t.toxiproxy) throw new Error(`fault on hop "${spec}" needs Toxiproxy (the scenario has proxied: false)`);
  const hops = [...t.toxiproxy.hops.values()].filter((h) => (spec.includes("->") ? h.name === spec : h.name.endsWith(`->${spec}`) && !h.name.startsWith("client->")));
  if (hops.length === 0) throw new Error(`no Toxiproxy hop matches "${spec}" (hops: ${[...t.toxiproxy.hops.keys()].join(", ")})`);
  return hops;
}

function backend(t: FaultTargets, kind: BackingService): BackendHandle {
  const h = t.handles[kind];
  if (!h) throw new Error(`no ${kind} runs in this scenario`);
  return h;
}

export async function inject(fault: ResolvedFault, t: FaultTargets): Promise<Injected> {
  const f = fault.spec;
  switch (f.kind) {
    case "toxic": {
      const streams = f.stream === "both" ? (["upstream", "downstream"] as const) : [f.stream];
      const added: { remove(): Promise<void> }[] = [];
      for (const hop of hopsOf(t, f.hop)) {
        for (const stream of streams) {
          added.push(await hop.proxy.addToxic({ name: `${fault.id}-${stream}`, type: f.toxic, stream, toxicity: f.toxicity, attributes: f.attributes } as never));
        }
      }
      return { heal: () => instant(() => Promise.all(added.map((x) => x.remove()))) };
    }
    case "hop-down": {
      const hops = hopsOf(t, f.hop);
      const setEnabled = (enabled: boolean) => Promise.all(hops.map((h) => h.proxy.update({ enabled, listen: h.listen, upstream: h.upstream })));
      if (f.flap) {
        // The flapping runs in the background, bounded by its count, and heals itself: the link stays up after the last flap.
        const down = parseDurationMs(f.flap.down)!;
        const up = parseDurationMs(f.flap.up)!;
        const flapping = (async (): Promise<HealTiming> => {
          let restored: HealTiming | undefined;
          for (let i = 0; i < f.flap!.times && !t.signal.aborted; i++) {
            await setEnabled(false);
            await sleep(down, t.signal);
            // Healed when the link was last restored, after the last flap.
            restored = await instant(() => setEnabled(true));
            if (i + 1 < f.flap!.times) await sleep(up, t.signal);
          }
          return restored ?? instant(() => setEnabled(true));
        })();
        return selfHealing(flapping);
      }
      await setEnabled(false);
      return { heal: () => instant(() => setEnabled(true)) };
    }
    case "process": {
      if (f.target.startsWith("server:")) {
        const server = f.target.slice("server:".length);
        const procs = t.pool.processesOf(server);
        if (f.action === "pause") {
          procs.forEach((p) => p.signal("SIGSTOP"));
          return { heal: () => instant(() => procs.forEach((p) => p.signal("SIGCONT"))) };
        }
        if (f.action === "kill") {
          procs.forEach((p) => p.signal("SIGKILL"));
          return {
            heal: async () => {
              const startedAt = performance.now();
              const revived = await t.pool.reviveDead(server);
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
            const revived = await t.pool.reviveDead(server);
            t.note(`${revived.length} session(s) of ${server} restarted`);
            return revivedTiming(revived, startedAt);
          })(),
        );
      }
      const b = backend(t, f.target as BackingService);
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
    }
    case "stdio": {
      const layer = t.pool.stdioLayers.get(f.server);
      if (!layer) throw new Error(`stdio fault on "${f.server}": its sessions were started without a fault layer`);
      layer.set({ action: f.action, delayMs: parseDurationMs(f.delay)!, probability: f.probability, direction: f.direction });
      return { heal: () => instant(() => layer.clear()) };
    }
  }
}

/** Layers for every server a stdio fault names; must exist before the sessions start. */
export function stdioLayersFor(faults: readonly ResolvedFault[], seed: number): Map<string, StdioFaultLayer> {
  const layers = new Map<string, StdioFaultLayer>();
  for (const f of faults) if (f.spec.kind === "stdio" && !layers.has(f.spec.server)) layers.set(f.spec.server, new StdioFaultLayer(seed));
  return layers;
}
