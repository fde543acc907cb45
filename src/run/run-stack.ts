/**
 * A scenario's stack as a run starts it: the provider's pieces (backends, Toxiproxy, stand-ins,
 * hops), each server's own endpoint when it has one (`transport: http`, a url target) and one MCP
 * session per agent and server. A server does not wait for pieces it does not use: its endpoint and
 * sessions start as soon as the provider announces that what it needs is up (StackStartOptions
 * onServerReady), while the rest of the stack still comes up; the sessions of all servers share one
 * bound (SessionPool). Whatever fails, every start under way is awaited before the error is thrown,
 * so stop() finds everything that was started.
 */
import type { Scenario } from "../contracts/plan.js";
import type { BackingService, ServerDefinition } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import { stdioLayersFor, StdioFaultLayer } from "../faults/stdio-fault-layer.js";
import type { Stack, StackProvider } from "../providers/provider.js";
import type { UpstreamSummary } from "../results/types.js";
import { startHttpEndpoint, type HttpEndpoints } from "../stack/http-bridge.js";
import type { HttpEndpoint } from "../stack/http-endpoint.js";
import { writeServerFiles, type StackEndpoints } from "../stack/mcp-session.js";
import { displayUrl, readRemoteClient, remoteHttpEndpoint } from "../stack/remote-endpoint.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { StartedToxiproxy } from "../stack/started.js";
import { SessionPool } from "./session-pool.js";

export interface RunStackOptions {
  scenario: Scenario;
  registry: ResourceRegistry;
  provider: StackProvider;
  signal: AbortSignal;
  say: (line: string) => void;
  /** Sessions each server gets: the agents', or one control session when the driver opens its agents' own (k6, autocannon). */
  sessionsPerServer: number;
}

export class RunStack {
  stack: Stack | undefined;
  readonly pool: SessionPool;
  /** The endpoints every session uses once the whole stack is up (the stack's, with the run's HTTP endpoints first). */
  endpoints: StackEndpoints | undefined;
  /** The upstream APIs as the stack started them (for the report), once it is up. */
  upstreams: UpstreamSummary[] | undefined;
  /** The harness's own HTTP endpoints (`transport: http`), when it started any. */
  httpEndpoints: HttpEndpoints | undefined;
  private readonly own = new Map<string, HttpEndpoint>();
  private readonly remote = new Map<string, HttpEndpoint>();
  private readonly begun = new Set<string>();

  constructor(private readonly opts: RunStackOptions) {
    const s = opts.scenario;
    this.pool = new SessionPool({ registry: opts.registry, endpoints: undefined, startTimeoutMs: s.startTimeoutMs, signal: opts.signal });
    for (const [server, layer] of stdioLayersFor(s.faults, s.seed)) this.pool.stdioLayers.set(server, layer);
    for (const def of s.servers) {
      const standIn = def.versionOf?.standIn;
      if (standIn === undefined) continue;
      // A stand-in of a slower release: every answer of the installed package held by the frame layer, from its first frame.
      const layer = this.pool.stdioLayers.get(def.name) ?? new StdioFaultLayer(s.seed);
      layer.set({ action: "delay", delayMs: standIn.answerDelayMs, probability: 1, direction: "from-server" });
      this.pool.stdioLayers.set(def.name, layer);
    }
  }

  /** Starts the stack and every session; throws the first failure once everything begun has ended (stop() cleans up). */
  async start(): Promise<void> {
    const { scenario: s, registry, signal, say, provider } = this.opts;
    const extraNeeds: BackingService[] = s.rpo?.stores.includes("postgres") ? ["postgres"] : [];
    const needs = new Set<BackingService>([...s.servers.flatMap((d) => d.needs), ...extraNeeds]);
    say(provider.attaches ?? `starting ${[...needs].join(" and ") || "no backing services"}${s.proxied && needs.size ? " behind Toxiproxy" : ""}`);
    if (s.transport === "http" && s.servers.some((d) => !d.remote)) say(`starting MCP Streamable HTTP endpoints${s.proxied ? " behind Toxiproxy" : ""}`);
    say(`starting ${s.agents} agent(s) x ${s.servers.length} server(s): ${s.servers.map((d) => d.name).join(", ")}; each server as soon as what it uses is up`);
    this.pool.addAgents(this.opts.sessionsPerServer);
    const servers: Promise<void>[] = [];
    const begin = (def: ServerDefinition, endpoints: StackEndpoints, toxiproxy: StartedToxiproxy | undefined) => {
      if (this.begun.has(def.name)) return;
      this.begun.add(def.name);
      const starting = this.startServer(def, endpoints, toxiproxy);
      // Thrown from below once everything settled; not unhandled meanwhile.
      starting.catch(() => undefined);
      servers.push(starting);
    };
    const stackStart = provider
      .start({
        servers: s.servers,
        extraNeeds,
        registry,
        seedRows: Math.max(1000, s.workload.seedRows),
        proxied: s.proxied,
        transport: s.transport,
        redis: s.backends.redis,
        postgres: s.backends.postgres,
        upstream: s.upstream,
        serverLimits: s.serverLimits,
        onServerReady: (server, ready) => {
          const def = s.servers.find((d) => d.name === server);
          if (def) begin(def, ready.endpoints, ready.toxiproxy);
        },
      })
      .then((stack) => {
        this.stack = stack;
        return stack;
      });
    let stackFailure: { error: unknown } | undefined;
    try {
      const stack = await stackStart;
      if (signal.aborted) throw new HarnessError("interrupted", "interrupted while starting the stack");
      // A provider that does not announce servers (a stack reached by URL): each starts now, on the whole stack.
      for (const def of s.servers) begin(def, stack.endpoints, stack.toxiproxy);
      this.upstreams = await stack.upstreams?.();
    } catch (err) {
      stackFailure = { error: err };
    }
    // Every server's start settles before anything is thrown: stop() must find each session and endpoint it made.
    const settled = await Promise.allSettled(servers);
    if (this.own.size > 0) this.httpEndpoints = this.ownEndpoints();
    if (stackFailure) throw stackFailure.error;
    for (const x of settled) if (x.status === "rejected") throw x.reason;
    this.endpoints = this.sessionEndpoints(this.stack!.endpoints);
    this.pool.useEndpoints(this.endpoints);
  }

  /** One server: its files, its own endpoint (url target, `transport: http`), then its sessions. */
  private async startServer(def: ServerDefinition, endpoints: StackEndpoints, toxiproxy: StartedToxiproxy | undefined): Promise<void> {
    const { scenario: s, registry, say } = this.opts;
    await writeServerFiles([def], endpoints);
    if (def.remote) {
      // url targets: nothing to start, only the client-side hop in front of each and its client's options.
      say(
        `${def.name}: the server at ${displayUrl(def.remote.url)} (${def.remote.transport}; the harness starts nothing for it)${s.proxied && toxiproxy ? " behind Toxiproxy" : ""}`,
      );
      this.remote.set(
        def.name,
        await remoteHttpEndpoint({
          server: def.name,
          url: def.remote.url,
          client: readRemoteClient(def.name, def.remote),
          toxiproxy: s.proxied ? toxiproxy : undefined,
          connectTimeoutMs: s.startTimeoutMs,
        }),
      );
    } else if (s.transport === "http" && !endpoints.http) {
      // A stack reached by URL (--target compose) brings its endpoints; otherwise the harness serves its own servers'.
      this.own.set(
        def.name,
        await startHttpEndpoint(def, {
          endpoints,
          registry,
          toxiproxy,
          timeoutMs: s.startTimeoutMs,
          stdioLayer: (server) => this.pool.stdioLayers.get(server),
        }),
      );
    }
    await this.pool.startServer(def, this.sessionEndpoints(endpoints));
  }

  /** `endpoints` as the sessions see them: a url server's own endpoint first, then the harness's, then whatever the stack brought. */
  private sessionEndpoints(endpoints: StackEndpoints): StackEndpoints {
    const fromStack = endpoints.http;
    if (this.own.size === 0 && this.remote.size === 0) return endpoints;
    // Looked up when a session starts: the maps hold every server's endpoint by then (its own is made before its sessions).
    return { ...endpoints, http: (server: string) => this.remote.get(server) ?? this.own.get(server) ?? fromStack?.(server) };
  }

  private ownEndpoints(): HttpEndpoints {
    const own = this.own;
    return {
      get: (server) => own.get(server),
      all: () => [...own.values()],
      stop: async () => void (await Promise.allSettled([...own.values()].map((e) => e.stop()))),
    };
  }

  /** Stops every session, the run's own endpoints, then the stack; whatever of it started. */
  async stop(): Promise<void> {
    await this.pool.closeAll();
    await Promise.allSettled([...this.own.values(), ...this.remote.values()].map((e) => e.stop()));
    await this.stack?.stop();
  }
}
