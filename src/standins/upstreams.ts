/**
 * The SaaS APIs a scenario's servers call. Offline (the default) each API gets a stand-in, one per
 * API (a local process, or a container when the provider passes its own starter), and each server
 * reaches it through a Toxiproxy hop `<server>-><api>` when the stack is proxied, so latency,
 * outages and resets of the upstream are faults like any other. In live mode the servers get the
 * real API (or MCP_SLO_LIVE_URL_<API>, e.g. a GitHub Enterprise host) and no proxy: Toxiproxy
 * only forwards TCP, and a TLS host behind it would not match its name.
 */
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { StackEndpoints, UpstreamEndpoint } from "../stack/mcp-session.js";
import type { StartedStandIn, StartedToxiproxy } from "../stack/started.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { UpstreamSummary } from "../results/types.js";
import type { StandInBehaviour } from "./serve.js";
import { startStandIn, type StandInStarter } from "./start.js";

export type UpstreamMode = "stand-in" | "live";

export interface UpstreamOptions {
  mode: UpstreamMode;
  /** Per API: the stand-in's latency and error rate (scenario `standIns`). */
  behaviour: Record<string, StandInBehaviour>;
}

export interface StartedUpstreams {
  endpoint: NonNullable<StackEndpoints["upstream"]>;
  standIns: StartedStandIn[];
  /** What the report says about each API; a stand-in's request counts as of now. */
  summaries(): Promise<UpstreamSummary[]>;
  stop(): Promise<void>;
}

export function liveUrl(def: ServerDefinition): string {
  const upstream = def.upstream!;
  return process.env[`MCP_SLO_LIVE_URL_${upstream.api.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] ?? upstream.live;
}

/** Servers that call a SaaS API. */
export function upstreamServers(servers: readonly ServerDefinition[]): ServerDefinition[] {
  return servers.filter((d) => d.upstream !== undefined);
}

export async function startUpstreams(opts: {
  servers: readonly ServerDefinition[];
  registry: ResourceRegistry;
  options: UpstreamOptions;
  /** Proxied stack: each server's traffic to its stand-in goes through a hop of this Toxiproxy. */
  toxiproxy?: StartedToxiproxy | undefined;
  /** How each stand-in is started: a local process (default), or e.g. a container of the run. */
  startStandIn?: StandInStarter | undefined;
  /** The servers run on the stack's container network: their addresses are those of it (Hop.networkListen, the stand-in's upstream). */
  fromNetwork?: boolean;
}): Promise<StartedUpstreams> {
  const start = opts.startStandIn ?? startStandIn;
  const callers = upstreamServers(opts.servers);
  const byServer = new Map<string, UpstreamEndpoint>();
  const info: UpstreamSummary[] = [];
  const standIns: StartedStandIn[] = [];
  const stop = async () => {
    await Promise.allSettled(standIns.map((s) => s.stop()));
  };
  const apis = [...new Set(callers.map((d) => d.upstream!.api))];
  if (opts.options.mode === "live") {
    for (const def of callers) byServer.set(def.name, { url: liveUrl(def), proxy: "", mode: "live" });
    for (const api of apis) {
      const users = callers.filter((d) => d.upstream!.api === api);
      // The URL is not recorded: a live host can be private (an Enterprise instance); the title says "real".
      info.push({ api, mode: "live", title: `the real ${api} API`, servers: users.map((d) => d.name) });
    }
  } else {
    try {
      standIns.push(...(await Promise.all(apis.map((api) => start({ api, registry: opts.registry, behaviour: opts.options.behaviour[api] ?? {} })))));
      for (const standIn of standIns) {
        const users = callers.filter((d) => d.upstream!.api === standIn.api);
        for (const def of users) {
          const hop = opts.toxiproxy ? await opts.toxiproxy.createHop(`${def.name}->${standIn.api}`, standIn.upstream) : undefined;
          // A server in a container calls from the stack's network: the hop's (or the stand-in's) address there.
          const address = opts.fromNetwork
            ? `http://${hop ? (hop.networkListen ?? hop.listen) : standIn.upstream}`
            : hop
              ? `http://${hop.listen}`
              : standIn.url;
          const viaProxy = def.upstream!.viaHttpProxy;
          byServer.set(def.name, viaProxy ? { url: viaProxy, proxy: address, mode: "stand-in" } : { url: address, proxy: "", mode: "stand-in" });
        }
        const behaviour = opts.options.behaviour[standIn.api];
        info.push({
          api: standIn.api,
          mode: "stand-in",
          title: standIn.title,
          payloads: standIn.payloads,
          servers: users.map((d) => d.name),
          ...(behaviour && { behaviour }),
        });
      }
    } catch (err) {
      await stop();
      throw err;
    }
  }
  const summaries = async (): Promise<UpstreamSummary[]> =>
    Promise.all(
      info.map(async (i) => {
        const standIn = standIns.find((x) => x.api === i.api);
        const stats = standIn?.isRunning() ? await standIn.stats().catch(() => undefined) : undefined;
        return stats ? { ...i, requests: stats.requests, byStatus: stats.byStatus, unmatched: stats.unmatched } : i;
      }),
    );
  return { endpoint: (server) => byServer.get(server), standIns, summaries, stop };
}
