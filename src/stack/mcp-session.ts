/**
 * One agent's MCP session to one server: a managed child process speaking
 * stdio, an SDK Client on top, ready only once `initialize` completed and
 * `tools/list` answered. Failure to get there is an environment error that
 * names the server and quotes its last stderr lines.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HarnessError } from "../errors.js";
import { HARNESS_VERSION, PROJECT_ROOT, TOOLS_DIR } from "../project-root.js";
import { resolvePackage } from "../catalog/servers.js";
import type { BackingService, ServerDefinition } from "../contracts/server-definition.js";
import { spawnManaged, type ManagedProcess } from "./managed-process.js";
import type { PassEnv } from "./child-env.js";
import { describeLaunch, registerHandedValues } from "./handed-values.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { ManagedStdioTransport } from "./stdio-transport.js";
import type { FrameFilter } from "../contracts/frame-filter.js";
import { AGENT_HEADER, type HttpEndpoint } from "./http-endpoint.js";
import { LeanStreamableHttpTransport } from "./lean-http-transport.js";
import { displayUrl } from "./remote-endpoint.js";
import type { ServerHost } from "./server-host.js";
import { deadline, interruption } from "../util/race.js";

export interface StackEndpoints {
  redis?: { url: string };
  postgres?: { url: string };
  /** The URL a given server uses for a backend when its hop goes through a proxy. */
  hopUrl?: (server: string, service: BackingService) => string | undefined;
  /** Directory the filesystem server is confined to. */
  sandbox: string;
  /** Scratch directory for servers' own files (memory graph, ...). */
  workdir: string;
  /** Scenario `transport: http`: the server's Streamable HTTP endpoint (see http-bridge.ts). */
  http?: (server: string) => HttpEndpoint | undefined;
  /** The API a server with `upstream` calls: its stand-in (through the server's hop) or the real one. */
  upstream?: (server: string) => UpstreamEndpoint | undefined;
  /** Where the servers' processes run when not as the harness's children (server-host.ts): URLs and paths above are then as they see them. */
  serverHost?: ServerHost;
}

export interface UpstreamEndpoint {
  url: string;
  /** The HTTP proxy a server given a host name (upstream.viaHttpProxy) reaches its stand-in through; "" for none. */
  proxy: string;
  mode: "stand-in" | "live";
}

export interface McpSession {
  server: ServerDefinition;
  agent: number;
  client: Client;
  /**
   * stdio: the session's child. HTTP: the bridge's child of this session, or the shared native
   * server. Unset for a remote endpoint (a `url:` target): the harness started nothing. Optional,
   * not a stand-in object that is "running" forever: every user must decide what a session without a
   * process means to it (a process fault is refused at validation, a liveness check asks ping, a
   * probe that writes to stdin skips), and the type checker makes each one decide.
   */
  process?: ManagedProcess;
  /** ms from spawn (HTTP: connect start) to a completed initialize */
  startToReadyMs: number;
  /** performance.now() at spawn (HTTP: connect start): when a fault that killed its predecessor stopped acting */
  spawnedAt?: number;
  serverVersion: string | undefined;
  tools: string[];
  close(): Promise<void>;
}

const PLACEHOLDER = /\{\{\s*([a-z.]+)\s*\}\}/g;

/** Fills {{bin}}, {{redis.url}}, {{postgres.url}}, {{sandbox}}, {{workdir}}, {{tools}}, {{upstream.url}} in a server's command, args and env. */
export function expandServerTemplate(text: string, def: ServerDefinition, endpoints: StackEndpoints): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    switch (name) {
      case "bin": {
        const bin = resolvePackage(def.package).bin;
        const host = endpoints.serverHost;
        return host ? path.posix.join(host.projectRoot, path.relative(PROJECT_ROOT, bin).split(path.sep).join("/")) : bin;
      }
      case "tools":
        return endpoints.serverHost?.toolsDir ?? TOOLS_DIR;
      case "upstream.url": {
        const upstream = endpoints.upstream?.(def.name);
        if (!upstream) throw new HarnessError("invalid_input", `server "${def.name}" uses {{upstream.url}} but has no upstream API (catalog field upstream)`);
        return upstream.url;
      }
      case "upstream.proxy":
        return endpoints.upstream?.(def.name)?.proxy ?? "";
      case "redis.url":
        return endpoints.hopUrl?.(def.name, "redis") ?? need(def, endpoints.redis, "redis").url;
      case "postgres.url":
        return endpoints.hopUrl?.(def.name, "postgres") ?? need(def, endpoints.postgres, "postgres").url;
      case "sandbox":
        return endpoints.sandbox;
      case "workdir":
        return endpoints.workdir;
      default:
        throw new HarnessError("invalid_input", `server "${def.name}": unknown placeholder ${whole} in its command`, {
          hint: "known: {{bin}}, {{redis.url}}, {{postgres.url}}, {{sandbox}}, {{workdir}}, {{tools}}, {{upstream.url}}, {{upstream.proxy}}",
        });
    }
  });
}

/**
 * How to start one process of a server: command, args and environment with every placeholder
 * filled, the server's tokens set for the upstream mode (stand-in value, or the harness's own
 * environment in live mode), its working directory, and the groups of the harness's environment it
 * may see (child-env.ts): proxies only for a server calling its real API in live mode. The
 * environment is exactly this: spawnManaged adds only the minimal allow-list (PATH, HOME, LANG, ...),
 * so a token reaches the one server that calls that API, and only in live mode.
 * Every value a custom server is handed (its env and args, expanded) is registered for redaction
 * here, unless its scenario marks it public (handed-values.ts).
 */
export function serverLaunch(
  def: ServerDefinition,
  endpoints: StackEndpoints,
  agent: string,
  args: readonly string[],
): { command: string; args: string[]; env: Record<string, string>; cwd: string; passEnv: PassEnv[] } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(def.env)) {
    const value = expandServerTemplate(v, def, endpoints).replace("{{agent}}", agent);
    // "" means "not set": e.g. GITHUB_HOST in live mode, where the server's default is the real API.
    if (value !== "") env[k] = value;
  }
  const mode = endpoints.upstream?.(def.name)?.mode ?? "stand-in";
  for (const secret of def.secrets ?? []) {
    const value = mode === "live" ? process.env[secret.env] : secret.standIn;
    if (value === undefined || value === "")
      throw new HarnessError("invalid_input", `server "${def.name}" runs against the live API but ${secret.env} is not set`, {
        hint: `export ${secret.env}=<token> before a --live run`,
      });
    env[secret.env] = value;
  }
  const launch = {
    env,
    args: args.map((a) => expandServerTemplate(a, def, endpoints)),
    command: def.command === "node" ? (endpoints.serverHost?.node ?? process.execPath) : expandServerTemplate(def.command, def, endpoints),
    // A custom server's relative paths are written from where the person runs the harness.
    cwd: def.package === "custom" ? process.cwd() : endpoints.workdir,
    passEnv: def.upstream && mode === "live" ? (["proxy"] as PassEnv[]) : [],
  };
  registerHandedValues(def, { env: launch.env, args: launch.args });
  return launch;
}

/** Writes the files catalog servers expect in their working directory (e.g. ShadCN's components.json). */
export async function writeServerFiles(servers: readonly ServerDefinition[], endpoints: StackEndpoints): Promise<void> {
  for (const def of servers) {
    for (const [name, content] of Object.entries(def.files ?? {})) {
      await writeFile(path.join(endpoints.workdir, name), expandServerTemplate(content, def, endpoints));
    }
  }
}

function need<T>(def: ServerDefinition, value: T | undefined, service: BackingService): T {
  if (value === undefined) throw new HarnessError("invalid_input", `server "${def.name}" uses {{${service}.url}} but does not list "${service}" in needs`);
  return value;
}

function tail(proc: ManagedProcess): string[] {
  const lines = proc.stderrTail(15);
  return lines.length ? ["last stderr lines:", ...lines.map((l) => `  ${l}`)] : ["(it wrote nothing to stderr)"];
}

export async function startSession(opts: {
  def: ServerDefinition;
  agent: number;
  endpoints: StackEndpoints;
  registry: ResourceRegistry;
  timeoutMs: number;
  /** Frame faults for this server's sessions (stdio fault injection). */
  stdioFaults?: FrameFilter;
  /**
   * The tools an earlier session of this server listed: the session is ready at initialize, with no
   * tools/list (a session churn's new session: its setup is initialize alone, measured as such).
   */
  knownTools?: readonly string[];
  /** Gives up the start at once (the run was interrupted); what was spawned is stopped. */
  signal?: AbortSignal;
}): Promise<McpSession> {
  const { def, agent, endpoints, registry, timeoutMs } = opts;
  const http = endpoints.http?.(def.name);
  if (http) return startHttpSession(def, agent, http, timeoutMs, opts.knownTools, opts.signal);
  const { env, args, command, cwd, passEnv } = serverLaunch(def, endpoints, String(agent), def.args);
  const spawnedAt = performance.now();
  let proc: ManagedProcess;
  const name = `${def.name}#${agent}`;
  try {
    const host = endpoints.serverHost;
    proc = host
      ? await host.spawn({ name, def, command, args, env, cwd, passEnv }, opts.signal)
      : spawnManaged({ name, command, args, env, passEnv, cwd, registry, stdin: "pipe" });
  } catch (err) {
    if (opts.signal?.aborted) throw new HarnessError("interrupted", `interrupted while starting a session of agent ${agent} to ${def.name}`, { cause: err });
    // A command that vanished since validation: said in one line, not as a stack trace copied into every output.
    throw new HarnessError("environment", `MCP server "${def.name}" (session of agent ${agent}) cannot start: ${(err as Error).message}`, { cause: err });
  }
  const client = new Client({ name: "mcp-slo-harness", version: HARNESS_VERSION });
  const transport = new ManagedStdioTransport(proc, opts.stdioFaults);

  const timeout = deadline(timeoutMs, () => new Error(`did not answer initialize within ${timeoutMs / 1000} s`));
  const stop = interruption(opts.signal);
  const died = proc.exited.then(
    (e) => Promise.reject(new Error(`exited (${e.signal ?? `code ${e.code}`}) before answering initialize`)),
    (err: unknown) => Promise.reject(err instanceof Error ? err : new Error(String(err))),
  );
  // Nobody may be listening to `died` once the session is up; it must not surface as an unhandled rejection.
  died.catch(() => undefined);
  try {
    await Promise.race([client.connect(transport), timeout.promise, died, stop.promise]);
    const startToReadyMs = performance.now() - spawnedAt;
    const tools = opts.knownTools
      ? [...opts.knownTools]
      : (await Promise.race([client.listTools(), timeout.promise, died, stop.promise])).tools.map((t) => t.name);
    return {
      server: def,
      agent,
      client,
      process: proc,
      startToReadyMs,
      spawnedAt,
      serverVersion: client.getServerVersion()?.version,
      tools,
      close: async () => {
        await client.close().catch(() => undefined);
        await proc.stop({ graceMs: 2000 });
      },
    };
  } catch (err) {
    // The SDK often notices the closed pipe before the exit is reported: give the exit a moment, it says more.
    await Promise.race([proc.exited.catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
    const exit = proc.exitInfo;
    const why = exit ? `exited (${exit.signal ?? `code ${exit.code}`}) before answering initialize` : (err as Error).message;
    await client.close().catch(() => undefined);
    await proc.stop({ graceMs: 500 });
    if (opts.signal?.aborted) throw new HarnessError("interrupted", `interrupted while starting a session of agent ${agent} to ${def.name}`, { cause: err });
    throw new HarnessError("environment", `MCP server "${def.name}" (session of agent ${agent}) failed to start: ${why}`, {
      details: [...describeLaunch(def, { command: def.command === "node" ? "node" : command, args, env }), ...tail(proc)],
      hint: def.package === "custom" ? "run the command by hand to see why it does not speak MCP on stdio" : `check that ${def.package} is installed (npm ci)`,
      cause: err,
    });
  } finally {
    timeout.dispose();
    stop.dispose();
  }
}

/**
 * The client transport for an HTTP endpoint: the harness's own (bridge, native) is plain Streamable
 * HTTP; a remote one says which transport, headers, fetch (TLS, the hop) and OAuth provider.
 */
function httpTransport(endpoint: HttpEndpoint, agent: number): StreamableHTTPClientTransport | SSEClientTransport {
  const setup = endpoint.client;
  const headers = { [AGENT_HEADER]: String(agent), ...(setup?.headers ?? {}) };
  // Plain fetch would do (no TLS options, no client-side hop, no OAuth): the lean per-call path (lean-http-transport.ts).
  if (setup?.protocol !== "sse" && !setup?.fetch && !setup?.authProvider) return new LeanStreamableHttpTransport(new URL(endpoint.url), { headers });
  const common = {
    requestInit: { headers },
    ...(setup?.fetch && { fetch: setup.fetch }),
    ...(setup?.authProvider && { authProvider: setup.authProvider }),
  };
  if (setup?.protocol === "sse")
    // The GET that opens the event stream is made by the eventsource package, not with requestInit: the headers go through its fetch.
    return new SSEClientTransport(new URL(endpoint.url), {
      ...common,
      eventSourceInit: {
        fetch: (url, init) => {
          const all = new Headers(init?.headers);
          for (const [k, v] of Object.entries(headers)) all.set(k, v);
          return (setup.fetch ?? fetch)(url, { ...init, headers: all });
        },
      },
    });
  return new StreamableHTTPClientTransport(new URL(endpoint.url), common);
}

/** The causes of a failed request, innermost last: "fetch failed" alone says nothing of a TLS alert. */
export function describeHttpFailure(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const x = e as { message?: string; code?: string | number; errorCode?: unknown; name?: string };
    // A string code is Node's (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID); a number from 100 to 599 is the
    // HTTP status the SDK's StreamableHTTPError and SseError carry but do not always say in their message.
    const code = typeof x.code === "string" ? x.code : typeof x.code === "number" && x.code >= 100 && x.code < 600 ? `HTTP ${x.code}` : "";
    // The SDK's OAuth errors carry the OAuth error code (invalid_client) and often an empty message.
    const oauth = typeof x.errorCode === "string" ? `OAuth ${x.errorCode}${x.name ? ` (${x.name})` : ""}` : "";
    const text = [code, oauth, x.message ?? String(e)].filter(Boolean).join(": ");
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(" <- ");
}

/** An MCP session over HTTP (Streamable HTTP, or HTTP+SSE for a remote that says so), through the `client->${server}` hop when proxied. */
async function startHttpSession(
  def: ServerDefinition,
  agent: number,
  endpoint: HttpEndpoint,
  timeoutMs: number,
  knownTools: readonly string[] | undefined,
  signal: AbortSignal | undefined,
): Promise<McpSession> {
  const client = new Client({ name: "mcp-slo-harness", version: HARNESS_VERSION });
  const transport = httpTransport(endpoint, agent);
  const remote = endpoint.kind === "remote";
  const startedAt = performance.now();
  let step = "connect and initialize";
  const timeout = deadline(timeoutMs, () => new Error(`did not answer ${step} within ${timeoutMs / 1000} s`));
  const close = async () => {
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  };
  let proc: ManagedProcess | undefined;
  const stop = interruption(signal);
  try {
    await Promise.race([endpoint.ensureRunning(), timeout.promise, stop.promise]);
    const connectAt = performance.now();
    await Promise.race([client.connect(transport), timeout.promise, stop.promise]);
    const startToReadyMs = performance.now() - connectAt;
    // HTTP+SSE has no session id header: its sessions are only ever remote ones.
    const sessionId = transport instanceof StreamableHTTPClientTransport ? transport.sessionId : undefined;
    proc = sessionId === undefined ? undefined : endpoint.processFor(sessionId);
    if (!proc && !remote) throw new Error(`the ${endpoint.kind} at ${endpoint.url} gave no process for session ${sessionId ?? "(no session id)"}`);
    step = "tools/list";
    const tools = knownTools ? [...knownTools] : (await Promise.race([client.listTools(), timeout.promise, stop.promise])).tools.map((t) => t.name);
    const own = proc;
    return {
      server: def,
      agent,
      client,
      ...(own && { process: own }),
      startToReadyMs,
      spawnedAt: connectAt,
      serverVersion: client.getServerVersion()?.version,
      tools,
      close: async () => {
        await close();
        // A bridge child is this session's alone; a native server is shared and stops with its endpoint; a remote is not ours.
        if (own && endpoint.kind === "bridge") await own.stop({ graceMs: 2000 });
      },
    };
  } catch (err) {
    await close();
    if (proc && endpoint.kind === "bridge") await proc.stop({ graceMs: 500 });
    if (signal?.aborted) throw new HarnessError("interrupted", `interrupted while starting an HTTP session of agent ${agent} to ${def.name}`, { cause: err });
    if (remote) {
      let why = describeHttpFailure(err);
      // "other side closed" says nothing of why: one watched connection, within what is left of the start timeout (at most 3 s).
      if (/other side closed|ECONNRESET|socket hang up/i.test(why) && endpoint.client?.diagnose) {
        const seen = await endpoint.client.diagnose(Math.max(500, Math.min(3000, timeoutMs - (performance.now() - startedAt)))).catch(() => undefined);
        if (seen) why = `${why}; ${seen}`;
      }
      throw new HarnessError("environment", `MCP server "${def.name}" at ${displayUrl(endpoint.url)} failed at ${step} (agent ${agent}): ${why}`, {
        details: [
          `transport: ${endpoint.client?.protocol ?? "streamable-http"}`,
          // Toxiproxy accepts the connection and closes it when it cannot reach the target: a refusal reads as a close.
          ...(endpoint.client?.hop ? [`through Toxiproxy's hop ${endpoint.client.hop}`] : []),
        ],
        hint: "the harness started nothing for a url target: check that it runs, its certificate and the token the scenario names",
        cause: err,
      });
    }
    throw new HarnessError("environment", `MCP server "${def.name}" (HTTP session of agent ${agent}) failed to start: ${(err as Error).message}`, {
      details: [`endpoint: ${endpoint.url} (${endpoint.kind})`, ...(proc ? tail(proc) : [])],
      hint: def.package === "custom" ? "run the command by hand to see why it does not speak MCP on stdio" : `check that ${def.package} is installed (npm ci)`,
      cause: err,
    });
  } finally {
    timeout.dispose();
    stop.dispose();
  }
}
