/**
 * MCP Streamable HTTP endpoints for a scenario's servers (scenario `transport: http`).
 *
 * A server that speaks Streamable HTTP itself (its catalog entry has `http`, e.g. server-everything)
 * runs natively as one managed process on a free loopback port. Any other (stdio-only) server is
 * reached through an HTTP bridge that runs inside the harness process:
 *
 *   client --HTTP--> Toxiproxy `client->${server}` --HTTP--> bridge --stdio--> one child per session
 *
 * The bridge is built on the MCP SDK's StreamableHTTPServerTransport (stateful mode) rather than
 * on `supergateway`, because:
 *  - it is the same SDK version (1.32) as the harness's client: one implementation of the
 *    protocol's HTTP side on both ends, no second copy to drift;
 *  - each MCP session maps 1:1 to its own stdio child, as stdio sessions do, so N agents still
 *    mean N server processes and a fault on one process hits one session;
 *  - the children are spawnManaged processes: run marker, process group, parent-death signal,
 *    stderr tail, ResourceRegistry cleanup; supergateway would be one more unmanaged layer
 *    (and its own children beyond our reach);
 *  - no extra package and no extra process: the bridge is an http.Server in the harness, stopped
 *    with the scenario.
 * Everything listens on 127.0.0.1 only (`mcp-slo bridge` in a container may ask the bridge for
 * 0.0.0.0 explicitly, see HttpBridge.start). A native server that cannot be told its address gets
 * src/stack/loopback-only.cjs preloaded, which binds its listen() to 127.0.0.1.
 *
 * The bridge has no authentication, so it guards itself as the MCP Streamable HTTP transport asks a
 * local server to (DNS rebinding: a web page on evil.com whose name resolves to 127.0.0.1):
 *  - Host and Origin are checked before anything else (before a session is looked up, before a
 *    child is started): the Host's name must be a loopback name (localhost, 127.0.0.1, [::1]) or
 *    one the bridge was given (`allowedHosts`, e.g. its compose service name), whatever the port;
 *    an Origin, when sent, must name one of those hosts over http(s). Anything else is answered
 *    403. This is written here rather than with the SDK transport's own options
 *    (allowedHosts/allowedOrigins/enableDnsRebindingProtection): those are deprecated, compare
 *    "host:port" strings exactly (a client behind Toxiproxy or a published port uses another port),
 *    and run inside a session's transport, i.e. after the bridge has already routed the request
 *    and, for an initialize, started a child. The SDK's replacement (hostHeaderValidation) is
 *    Express middleware and checks Host only; the check below parses the Host the same way it does
 *    (WHATWG URL hostname) and answers with the same JSON-RPC error shape.
 *  - A session idle for `idleTimeoutMs` (no request in flight, no request started: an open GET
 *    stream of server notifications alone does not keep a session) is ended and its child stopped:
 *    a client that goes away without DELETE (a crashed test, a conformance run) does not leave a
 *    server process behind for ever. Default 5 min; the harness's own bridge turns it off, because
 *    the harness ends every session it opens and stops the bridge with the scenario.
 *  - At most `maxSessions` sessions at once (each is a server process): an initialize beyond that
 *    is answered 503, saying so, before a child is started. Default 64.
 */
import { randomUUID } from "node:crypto";
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { FrameFilter } from "../contracts/frame-filter.js";
import { isLoopbackHost } from "../util/loopback.js";
import { StopWaiting, WaitTimeoutError, waitFor } from "../util/wait-for.js";
import type { StartedToxiproxy } from "./started.js";
import { spawnManaged, type ManagedProcess } from "./managed-process.js";
import { serverLaunch, type StackEndpoints } from "./mcp-session.js";
import { AGENT_HEADER, type HttpEndpoint } from "./http-endpoint.js";
import { ADDRESS_IN_USE_LOG, AddressInUseError, withPortRetry } from "./ports.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { ManagedStdioTransport } from "./stdio-transport.js";

const LOOPBACK_PRELOAD = fileURLToPath(new URL("./loopback-only.cjs", import.meta.url));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

interface BridgeSession {
  id: string | undefined;
  agent: string;
  http: StreamableHTTPServerTransport;
  stdio: ManagedStdioTransport;
  proc: ManagedProcess;
  closed: boolean;
  /** Requests of this session being answered (an open GET stream not counted). */
  inFlight: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** Host names every bridge accepts, as WHATWG URL writes them (IPv6 in brackets). */
export const LOOPBACK_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Defaults of a bridge on its own (`mcp-slo bridge`); the harness's in-run bridges set their own. */
export const BRIDGE_DEFAULTS = { idleTimeoutMs: 5 * 60_000, maxSessions: 64 } as const;

/**
 * The harness's own bridges (transport: http): no idle expiry (the harness ends its sessions and
 * stops the bridge with the scenario; an agent may legitimately sit idle through a long k6 phase),
 * and a cap no valid scenario reaches (1024 agents, a session each per driver, plus control and
 * probe sessions) that still bounds what a runaway client could start.
 */
export const IN_RUN_BRIDGE_OPTIONS = { idleTimeoutMs: 0, maxSessions: 4096 } as const;

/** "evil.com:80" -> "evil.com", "[::1]:8080" -> "[::1]", undefined when it does not parse as a host. */
function hostnameOf(hostHeader: string): string | undefined {
  try {
    const url = new URL(`http://${hostHeader}`);
    // A Host header is host[:port], nothing more: no user info, path or query smuggled in.
    if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") return undefined;
    return url.hostname;
  } catch {
    return undefined;
  }
}

/** A name given on the command line ("mcp-redis", "::1", "[::1]") as a Host header's hostname. */
export function normalizeAllowedHost(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === "") return undefined;
  return hostnameOf(trimmed.includes(":") && !trimmed.startsWith("[") ? `[${trimmed}]` : trimmed);
}

export interface BridgeOptions {
  /** Host names accepted besides the loopback ones (Host header and Origin), e.g. a compose service name. */
  allowedHosts?: readonly string[];
  /** End a session, and stop its child, after this long without a request; 0: never. Default 5 min. */
  idleTimeoutMs?: number;
  /** Sessions (children) at once; an initialize beyond gets 503. Default 64. */
  maxSessions?: number;
  /** Where the bridge says that it ended an idle session or refused a request. */
  log?: (line: string) => void;
}

/** A stdio server behind MCP Streamable HTTP: one managed stdio child per HTTP session. */
export class HttpBridge implements HttpEndpoint {
  readonly kind = "bridge" as const;
  url: string;
  private readonly sessions = new Map<string, BridgeSession>();
  private readonly pending = new Set<BridgeSession>();
  private stopping = false;
  /** Sessions whose process is starting (counted against maxSessions). */
  private opening = 0;
  private readonly allowedHosts: ReadonlySet<string>;
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly def: ServerDefinition,
    private readonly endpoints: StackEndpoints,
    private readonly registry: ResourceRegistry,
    private readonly http: Server,
    readonly directUrl: string,
    private readonly stdioFaults: (() => FrameFilter | undefined) | undefined,
    options: BridgeOptions,
  ) {
    this.url = directUrl;
    const extra = (options.allowedHosts ?? []).map((h) => {
      const name = normalizeAllowedHost(h);
      if (name === undefined) throw new Error(`http bridge: ${JSON.stringify(h)} is not a host name`);
      return name;
    });
    this.allowedHosts = new Set([...LOOPBACK_HOST_NAMES, ...extra]);
    this.idleTimeoutMs = options.idleTimeoutMs ?? BRIDGE_DEFAULTS.idleTimeoutMs;
    this.maxSessions = options.maxSessions ?? BRIDGE_DEFAULTS.maxSessions;
    if (!(this.idleTimeoutMs >= 0) || !Number.isFinite(this.idleTimeoutMs))
      throw new Error(`http bridge: idleTimeoutMs must be >= 0, got ${this.idleTimeoutMs}`);
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1)
      throw new Error(`http bridge: maxSessions must be an integer >= 1, got ${this.maxSessions}`);
    this.log = options.log ?? (() => undefined);
  }

  /** Host names this bridge answers to (Host header and Origin). */
  get hosts(): string[] {
    return [...this.allowedHosts];
  }

  get server(): string {
    return this.def.name;
  }

  /**
   * `stdioFaults`: asked at each session start, so stdio faults act between the bridge and its children.
   * `listen`: where to listen (default 127.0.0.1, any free port). The bridge has no authentication:
   * a non-loopback host (e.g. 0.0.0.0 inside a container, `mcp-slo bridge`) only with allowNonLoopback.
   */
  static async start(
    opts: {
      def: ServerDefinition;
      endpoints: StackEndpoints;
      registry: ResourceRegistry;
      stdioFaults?: () => FrameFilter | undefined;
      listen?: { host: string; port: number; allowNonLoopback?: boolean };
    } & BridgeOptions,
  ): Promise<HttpBridge> {
    const host = opts.listen?.host ?? "127.0.0.1";
    if (!isLoopbackHost(host) && !opts.listen?.allowNonLoopback)
      throw new Error(`http bridge: refusing to listen on non-loopback ${host} without allowNonLoopback`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: opts.listen?.port ?? 0 }, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("http bridge: listening socket has no TCP address");
    // A wildcard address is reached through loopback; an IPv6 one needs brackets in a URL.
    const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
    let bridge: HttpBridge;
    try {
      bridge = new HttpBridge(opts.def, opts.endpoints, opts.registry, server, `http://${urlHost}:${address.port}/mcp`, opts.stdioFaults, opts);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      bridge.handle(req, res).catch((err: unknown) => jsonRpcError(res, 500, `bridge error: ${(err as Error).message}`));
    });
    return bridge;
  }

  /** Live children, one per open session. */
  children(): ManagedProcess[] {
    return [...this.sessions.values()].map((s) => s.proc);
  }

  processFor(sessionId: string): ManagedProcess | undefined {
    return this.sessions.get(sessionId)?.proc;
  }

  async ensureRunning(): Promise<void> {}

  /** Why a request must be refused for its Host or Origin (DNS rebinding), or undefined when it may pass. */
  private refusal(req: IncomingMessage): string | undefined {
    const allowed = () => `allowed: ${[...this.allowedHosts].join(", ")}`;
    const host = req.headers.host;
    if (host === undefined || host === "") return `Forbidden: no Host header (${allowed()})`;
    const hostname = hostnameOf(host);
    if (hostname === undefined || !this.allowedHosts.has(hostname))
      return `Forbidden: Host ${JSON.stringify(host)} is not a host of this bridge (${allowed()}): refused against DNS rebinding`;
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    let ok = false;
    try {
      const url = new URL(origin);
      ok = (url.protocol === "http:" || url.protocol === "https:") && this.allowedHosts.has(url.hostname);
    } catch {
      ok = false;
    }
    return ok ? undefined : `Forbidden: Origin ${JSON.stringify(origin)} is not a host of this bridge (${allowed()}): refused against DNS rebinding`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.refusal(req);
    if (refused !== undefined) {
      req.resume();
      return jsonRpcError(res, 403, refused);
    }
    if (new URL(req.url ?? "/", "http://127.0.0.1").pathname !== "/mcp") return jsonRpcError(res, 404, "not found: the MCP endpoint is /mcp");
    const sid = req.headers["mcp-session-id"];
    if (typeof sid === "string") {
      const s = this.sessions.get(sid);
      if (!s) return jsonRpcError(res, 404, "Session not found");
      this.activity(s, req, res);
      return s.http.handleRequest(req, res);
    }
    if (req.method !== "POST") return jsonRpcError(res, 400, "Bad Request: No valid session ID provided");
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return jsonRpcError(res, 400, "Parse error: the body is not JSON");
    }
    const init = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
    if (!init) return jsonRpcError(res, 400, "Bad Request: No valid session ID provided");
    if (this.stopping) return jsonRpcError(res, 503, "bridge is stopping");
    const open = this.sessions.size + this.pending.size + this.opening;
    if (open >= this.maxSessions) {
      this.log(`bridge: refused a new session: ${open} open, the cap is ${this.maxSessions}`);
      return jsonRpcError(
        res,
        503,
        `Service Unavailable: this bridge already has ${open} MCP sessions, its cap (each is a server process of its own); ` +
          `end one (HTTP DELETE with its mcp-session-id)${this.idleTimeoutMs > 0 ? ` or wait for an idle one to expire (after ${Math.round(this.idleTimeoutMs / 1000)} s without a request)` : ""}, or start the bridge with a higher --max-sessions`,
      );
    }
    const agent = String(req.headers[AGENT_HEADER] ?? "http");
    let session: BridgeSession;
    // Counted while its process starts (a container takes a while): the cap above holds meanwhile.
    this.opening++;
    try {
      session = await this.open(agent);
    } catch (err) {
      return jsonRpcError(res, 500, `the server's process for this session could not start: ${(err as Error).message}`);
    } finally {
      this.opening--;
    }
    session.inFlight++;
    try {
      await session.stdio.start();
      await session.http.start();
      await session.http.handleRequest(req, res, body);
    } finally {
      session.inFlight--;
    }
    this.pending.delete(session);
    // initialize was refused (bad protocol version, ...): no session came of it.
    if (session.id === undefined) await this.close(session);
    else this.armIdle(session);
  }

  /** A request of session `s`: it is not idle until the answer is done (an open GET stream aside). */
  private activity(s: BridgeSession, req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "GET") return;
    s.inFlight++;
    clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
    res.once("close", () => {
      s.inFlight--;
      this.armIdle(s);
    });
  }

  private armIdle(s: BridgeSession): void {
    if (this.idleTimeoutMs === 0 || s.closed || s.inFlight > 0) return;
    clearTimeout(s.idleTimer);
    s.idleTimer = setTimeout(() => {
      s.idleTimer = undefined;
      if (s.closed || s.inFlight > 0) return;
      this.log(
        `bridge: session ${s.id ?? "(uninitialized)"} (agent ${s.agent}) had no request for ${Math.round(this.idleTimeoutMs / 1000)} s: ended, its child ${s.proc.name} (pid ${s.proc.pid}) stopped`,
      );
      void this.close(s);
    }, this.idleTimeoutMs);
    // An idle session's timer must not keep a process alive that has nothing else to do.
    s.idleTimer.unref();
  }

  private async open(agent: string): Promise<BridgeSession> {
    const { env, args, command, cwd, passEnv } = serverLaunch(this.def, this.endpoints, agent, this.def.args);
    const name = `${this.def.name}#${agent}`;
    const host = this.endpoints.serverHost;
    // Where the stack runs its servers (a container per session), else a child of the harness.
    const proc = host
      ? await host.spawn({ name, def: this.def, command, args, env, cwd, passEnv })
      : spawnManaged({ name, command, args, env, passEnv, cwd, registry: this.registry, stdin: "pipe" });
    const stdio = new ManagedStdioTransport(proc, this.stdioFaults?.());
    const session: BridgeSession = {
      id: undefined,
      agent,
      proc,
      stdio,
      closed: false,
      inFlight: 0,
      idleTimer: undefined,
      http: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          this.sessions.set(id, session);
        },
        onsessionclosed: () => void this.close(session),
      }),
    };
    this.pending.add(session);
    session.http.onmessage = (message: JSONRPCMessage) => {
      stdio.send(message).catch((err: unknown) => {
        // The child is gone: answer the request rather than leave the client waiting for its deadline.
        if ("method" in message && "id" in message) {
          void session.http
            .send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: `${proc.name}: ${(err as Error).message}` } })
            .catch(() => undefined);
        }
      });
    };
    session.http.onclose = () => void this.close(session);
    stdio.onmessage = (message) => void session.http.send(message).catch(() => undefined);
    stdio.onerror = () => undefined;
    // The child died (a fault, a crash): the session ends with it; the client's next request gets 404.
    stdio.onclose = () => void this.close(session);
    return session;
  }

  private async close(s: BridgeSession): Promise<void> {
    if (s.closed) return;
    s.closed = true;
    clearTimeout(s.idleTimer);
    this.pending.delete(s);
    if (s.id !== undefined) this.sessions.delete(s.id);
    await Promise.allSettled([s.http.close(), s.stdio.close()]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.sessions.values(), ...this.pending].map((s) => this.close(s)));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Whether an HTTP server answers on 127.0.0.1:port at all (any status: an MCP endpoint refuses a bare GET). */
function httpAnswers(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path, timeout: 2000 }, (res) => {
      res.resume();
      req.destroy();
      resolve(true);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
  });
}

/** A server that speaks Streamable HTTP itself, as one shared managed process on 127.0.0.1. */
export class NativeHttpServer implements HttpEndpoint {
  readonly kind = "native" as const;
  url: string;
  private starting: Promise<void> | undefined;

  private constructor(
    private readonly def: ServerDefinition & { http: NonNullable<ServerDefinition["http"]> },
    private readonly endpoints: StackEndpoints,
    private readonly registry: ResourceRegistry,
    private readonly timeoutMs: number,
    readonly port: number,
    private proc: ManagedProcess,
  ) {
    this.url = this.directUrl;
  }

  get server(): string {
    return this.def.name;
  }

  get directUrl(): string {
    return `http://127.0.0.1:${this.port}${this.def.http.path}`;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  static async start(opts: { def: ServerDefinition; endpoints: StackEndpoints; registry: ResourceRegistry; timeoutMs: number }): Promise<NativeHttpServer> {
    const def = opts.def;
    if (!def.http) throw new Error(`server "${def.name}" does not speak Streamable HTTP itself`);
    const withHttp = def as ServerDefinition & { http: NonNullable<ServerDefinition["http"]> };
    return withPortRetry(async (port) => {
      const proc = await NativeHttpServer.spawn(withHttp, opts.endpoints, opts.registry, opts.timeoutMs, port);
      return new NativeHttpServer(withHttp, opts.endpoints, opts.registry, opts.timeoutMs, port, proc);
    }, 3);
  }

  private static async spawn(
    def: ServerDefinition & { http: NonNullable<ServerDefinition["http"]> },
    endpoints: StackEndpoints,
    registry: ResourceRegistry,
    timeoutMs: number,
    port: number,
  ): Promise<ManagedProcess> {
    const { env, args, command, cwd, passEnv } = serverLaunch(def, endpoints, "shared", def.http.args);
    env[def.http.portEnv] = String(port);
    const host = endpoints.serverHost;
    // It calls listen(PORT) with no address: the preload binds that to 127.0.0.1 only. In a
    // container every address is the container's own, and the port is published on 127.0.0.1 only.
    const nodeArgs = def.command === "node" && !host ? ["--require", LOOPBACK_PRELOAD, ...args] : args;
    const name = `${def.name}#http`;
    // stdin "pipe" leaves stdout to us, and we drop it: server-everything logs a line per HTTP request
    // there ("Received MCP POST request"), which would flood the fault observations; stderr is kept.
    const proc = host
      ? await host.spawn({ name, def, command, args: nodeArgs, env, cwd, passEnv, publish: port })
      : spawnManaged({ name, command, args: nodeArgs, env, passEnv, cwd, registry, stdin: "pipe" });
    proc.stdout?.resume();
    // A published port accepts connections before the server in the container listens (the engine's
    // port forwarder answers them): only an HTTP answer says it is up.
    const answers = host ? () => httpAnswers(port, def.http.path) : () => portAnswers(port);
    try {
      await waitFor(
        async () => {
          if (!proc.isRunning()) {
            const log = proc.stderrTail(10).join("\n");
            if (ADDRESS_IN_USE_LOG.test(log)) throw new StopWaiting(new AddressInUseError(`${def.name}: port ${port} is taken`, port));
            throw new StopWaiting(new Error(`MCP server "${def.name}" (Streamable HTTP) exited before listening on 127.0.0.1:${port}; last output:\n${log}`));
          }
          return answers();
        },
        { what: `MCP server "${def.name}" to listen on 127.0.0.1:${port}`, timeoutMs, intervalMs: 50 },
      );
      return proc;
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err;
    }
    await proc.stop({ graceMs: 500 });
    throw new Error(`MCP server "${def.name}" (Streamable HTTP) did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
  }

  processFor(): ManagedProcess {
    return this.proc;
  }

  async ensureRunning(): Promise<void> {
    if (this.proc.isRunning()) return;
    this.starting ??= NativeHttpServer.spawn(this.def, this.endpoints, this.registry, this.timeoutMs, this.port)
      .then((p) => {
        this.proc = p;
      })
      .finally(() => {
        this.starting = undefined;
      });
    await this.starting;
  }

  async stop(): Promise<void> {
    await this.proc.stop({ graceMs: 2000 });
  }
}

export interface HttpEndpoints {
  get(server: string): HttpEndpoint | undefined;
  all(): HttpEndpoint[];
  stop(): Promise<void>;
}

/**
 * One HTTP endpoint per server (native when the catalog says it speaks HTTP, else a bridge), each
 * behind a Toxiproxy hop `client->${server}` when a Toxiproxy runs, so client-side faults act on it.
 */
export interface HttpEndpointsOptions {
  endpoints: StackEndpoints;
  registry: ResourceRegistry;
  toxiproxy: StartedToxiproxy | undefined;
  timeoutMs: number;
  /** The stdio fault layer of a server, if any (bridged servers only). */
  stdioLayer?: (server: string) => FrameFilter | undefined;
}

/** One server's endpoint (its native HTTP server, or the bridge to its stdio sessions), behind its hop `client-><server>` when a Toxiproxy is given. */
export async function startHttpEndpoint(def: ServerDefinition, opts: HttpEndpointsOptions): Promise<HttpEndpoint> {
  const ep: HttpEndpoint = def.http
    ? await NativeHttpServer.start({ def, endpoints: opts.endpoints, registry: opts.registry, timeoutMs: opts.timeoutMs })
    : await HttpBridge.start({
        def,
        endpoints: opts.endpoints,
        registry: opts.registry,
        stdioFaults: () => opts.stdioLayer?.(def.name),
        ...IN_RUN_BRIDGE_OPTIONS,
      });
  if (opts.toxiproxy) {
    try {
      const direct = new URL(ep.directUrl);
      const hop = await opts.toxiproxy.createHop(`client->${def.name}`, direct.host);
      ep.url = `http://${hop.listen}${direct.pathname}`;
    } catch (err) {
      await ep.stop();
      throw err;
    }
  }
  return ep;
}

/**
 * Every server's endpoint, started at once (none needs another's); when one fails, the others are
 * stopped once they started, and its error is thrown.
 */
export async function startHttpEndpoints(opts: HttpEndpointsOptions & { servers: readonly ServerDefinition[] }): Promise<HttpEndpoints> {
  const settled = await Promise.allSettled(opts.servers.map((def) => startHttpEndpoint(def, opts)));
  const started = settled.flatMap((x) => (x.status === "fulfilled" ? [x.value] : []));
  const stop = async () => void (await Promise.allSettled(started.map((e) => e.stop())));
  const failed = settled.find((x) => x.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const byName = new Map(started.map((e) => [e.server, e]));
  return { get: (server) => byName.get(server), all: () => [...started], stop };
}
