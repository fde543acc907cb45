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
import { allSettledOrThrow } from "../util/concurrency.js";

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

export interface UpstreamsOptions {
  servers: readonly ServerDefinition[];
  registry: ResourceRegistry;
  options: UpstreamOptions;
  /** How each stand-in is started: a local process (default), or e.g. a container of the run. */
  startStandIn?: StandInStarter | undefined;
  /** The servers run on the stack's container network: their addresses are those of it (Hop.networkListen, the stand-in's upstream). */
  fromNetwork?: boolean;
}

/**
 * A stack's SaaS APIs as they come up (beginUpstreams): every stand-in starts at once, and each
 * server is wired to its API as soon as that API's stand-in is up, so a server need not wait for
 * the other APIs' stand-ins (nor they for each other).
 */
export interface UpstreamsStart {
  /** The API a server calls; a stand-in's only once `wire` finished for that server. */
  endpoint: StartedUpstreams["endpoint"];
  /**
   * Waits for the server's API (its stand-in), puts a hop `<server>-><api>` of `toxiproxy` in front
   * of it when one is given, and from then on `endpoint(server)` answers. Rejects with the
   * stand-in's own error when it could not start. Nothing to do for a server without an upstream.
   */
  wire(def: ServerDefinition, toxiproxy: StartedToxiproxy | undefined): Promise<void>;
  /** Once every stand-in settled: the started upstreams, or the first stand-in's failure (the others are not stopped: `stop` does that). */
  started(): Promise<StartedUpstreams>;
  /** Waits for every stand-in start under way, then stops each that started. */
  stop(): Promise<void>;
}

export function beginUpstreams(opts: UpstreamsOptions): UpstreamsStart {
  const start = opts.startStandIn ?? startStandIn;
  const callers = upstreamServers(opts.servers);
  const byServer = new Map<string, UpstreamEndpoint>();
  const apis = [...new Set(callers.map((d) => d.upstream!.api))];
  const live = opts.options.mode === "live";
  // One start per API, all at once: each is its own process (or container), none needs another.
  const starts = new Map<string, Promise<StartedStandIn>>(
    live ? [] : apis.map((api) => [api, start({ api, registry: opts.registry, behaviour: opts.options.behaviour[api] ?? {} })]),
  );
  // A failure is reported by wire() and started(); it must not also surface as an unhandled rejection before either is called.
  for (const p of starts.values()) p.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const settled = await Promise.allSettled(starts.values());
      await Promise.allSettled(settled.flatMap((x) => (x.status === "fulfilled" ? [x.value.stop()] : [])));
    })());

  const wire = async (def: ServerDefinition, toxiproxy: StartedToxiproxy | undefined): Promise<void> => {
    if (def.upstream === undefined) return;
    if (live) {
      byServer.set(def.name, { url: liveUrl(def), proxy: "", mode: "live" });
      return;
    }
    const standIn = await starts.get(def.upstream.api)!;
    const hop = toxiproxy ? await toxiproxy.createHop(`${def.name}->${standIn.api}`, standIn.upstream) : undefined;
    // A server in a container calls from the stack's network: the hop's (or the stand-in's) address there.
    const address = opts.fromNetwork ? `http://${hop ? (hop.networkListen ?? hop.listen) : standIn.upstream}` : hop ? `http://${hop.listen}` : standIn.url;
    const viaProxy = def.upstream.viaHttpProxy;
    byServer.set(def.name, viaProxy ? { url: viaProxy, proxy: address, mode: "stand-in" } : { url: address, proxy: "", mode: "stand-in" });
  };

  const started = async (): Promise<StartedUpstreams> => {
    const standIns = await allSettledOrThrow([...starts.values()]);
    const info: UpstreamSummary[] = apis.map((api) => {
      const users = callers.filter((d) => d.upstream!.api === api).map((d) => d.name);
      // The URL is not recorded: a live host can be private (an Enterprise instance); the title says "real".
      if (live) return { api, mode: "live", title: `the real ${api} API`, servers: users };
      const standIn = standIns.find((x) => x.api === api)!;
      const behaviour = opts.options.behaviour[api];
      return { api, mode: "stand-in", title: standIn.title, payloads: standIn.payloads, servers: users, ...(behaviour && { behaviour }) };
    });
    const summaries = async (): Promise<UpstreamSummary[]> =>
      Promise.all(
        info.map(async (i) => {
          const standIn = standIns.find((x) => x.api === i.api);
          const stats = standIn?.isRunning() ? await standIn.stats().catch(() => undefined) : undefined;
          return stats ? { ...i, requests: stats.requests, byStatus: stats.byStatus, unmatched: stats.unmatched } : i;
        }),
      );
    return { endpoint: (server) => byServer.get(server), standIns, summaries, stop };
  };

  return { endpoint: (server) => byServer.get(server), wire, started, stop };
}

/** Every stand-in started and every server wired to its API (through its hop of `toxiproxy`, when given); on a failure, what started is stopped. */
export async function startUpstreams(opts: UpstreamsOptions & { toxiproxy?: StartedToxiproxy | undefined }): Promise<StartedUpstreams> {
  const upstreams = beginUpstreams(opts);
  try {
    await allSettledOrThrow(upstreamServers(opts.servers).map((d) => upstreams.wire(d, opts.toxiproxy)));
    return await upstreams.started();
  } catch (err) {
    await upstreams.stop();
    throw err;
  }
}
