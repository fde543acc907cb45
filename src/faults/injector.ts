/**
 * Injects one fault and returns how to heal it. One case per fault kind, each
 * acting through a narrow interface (Toxiproxy hops, backend handles, the
 * session pool, stdio layers), so a provider that runs containers can offer
 * the same faults with its own handles.
 */
import type { ResolvedFault } from "../config/load-scenario.js";
import type { BackingService } from "../catalog/servers.js";
import type { BackendHandle } from "../providers/provider.js";
import type { Hop, StartedToxiproxy } from "../stack/local/toxiproxy.js";
import type { SessionPool } from "../run/session-pool.js";
import { parseDurationMs } from "../config/units.js";
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

export interface Injected {
  /** Removes the fault's cause; resolves when healed (a restarted process is answering). */
  heal(): Promise<void>;
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
      return { heal: async () => void (await Promise.all(added.map((x) => x.remove()))) };
    }
    case "hop-down": {
      const hops = hopsOf(t, f.hop);
      const setEnabled = (enabled: boolean) => Promise.all(hops.map((h) => h.proxy.update({ enabled, listen: h.listen, upstream: h.upstream })));
      if (f.flap) {
        // The flapping runs in the background, bounded by its count; heal waits for it and leaves the link up.
        const down = parseDurationMs(f.flap.down)!;
        const up = parseDurationMs(f.flap.up)!;
        const flapping = (async () => {
          for (let i = 0; i < f.flap!.times && !t.signal.aborted; i++) {
            await setEnabled(false);
            await sleep(down, t.signal);
            await setEnabled(true);
            if (i + 1 < f.flap!.times) await sleep(up, t.signal);
          }
        })();
        return { heal: async () => { await flapping; await setEnabled(true); } };
      }
      await setEnabled(false);
      return { heal: async () => void (await setEnabled(true)) };
    }
    case "process": {
      if (f.target.startsWith("server:")) {
        const server = f.target.slice("server:".length);
        const procs = t.pool.processesOf(server);
        if (f.action === "pause") {
          procs.forEach((p) => p.signal("SIGSTOP"));
          return { heal: async () => procs.forEach((p) => p.signal("SIGCONT")) };
        }
        if (f.action === "kill") {
          procs.forEach((p) => p.signal("SIGKILL"));
          return {
            heal: async () => {
              const n = await t.pool.reviveDead(server);
              if (n > 0) t.note(`${n} dead session(s) of ${server} started again`);
            },
          };
        }
        await Promise.all(procs.map((p) => p.stop({ graceMs: 2000 })));
        const n = await t.pool.reviveDead(server);
        t.note(`${n} session(s) of ${server} restarted`);
        return { heal: async () => undefined };
      }
      const b = backend(t, f.target as BackingService);
      if (f.action === "pause") {
        b.pause();
        return { heal: async () => b.resume() };
      }
      if (f.action === "kill") {
        b.kill9();
        return {
          heal: async () => {
            await b.restart();
            t.note(`${f.target} started again`);
          },
        };
      }
      await b.restart();
      t.note(`${f.target} restarted gracefully`);
      return { heal: async () => undefined };
    }
    case "stdio": {
      const layer = t.pool.stdioLayers.get(f.server);
      if (!layer) throw new Error(`stdio fault on "${f.server}": its sessions were started without a fault layer`);
      layer.set({ action: f.action, delayMs: parseDurationMs(f.delay)!, probability: f.probability, direction: f.direction });
      return { heal: async () => layer.clear() };
    }
  }
}

/** Layers for every server a stdio fault names; must exist before the sessions start. */
export function stdioLayersFor(faults: readonly ResolvedFault[], seed: number): Map<string, StdioFaultLayer> {
  const layers = new Map<string, StdioFaultLayer>();
  for (const f of faults) if (f.spec.kind === "stdio" && !layers.has(f.spec.server)) layers.set(f.spec.server, new StdioFaultLayer(seed));
  return layers;
}
