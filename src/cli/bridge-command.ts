/**
 * `mcp-slo bridge --server <name>`: one catalog server's stdio served as MCP Streamable HTTP, on its
 * own, outside a run: the same HttpBridge the harness uses for `transport: http` (one managed stdio
 * child per HTTP session, stopped when the session ends), for a container of docker-compose.yml.
 *
 *   node bin/mcp-slo.js bridge --server redis --redis-url redis://toxiproxy:16379 \
 *        --host 0.0.0.0 --allow-non-loopback --port 8080
 *
 * Addresses. The bridge has no authentication, so it listens on 127.0.0.1 by default. In a
 * container, 127.0.0.1 is the container's own loopback, which nothing outside reaches; there it is
 * told --host 0.0.0.0 (its own network namespace; the compose file publishes the port on the HOST's
 * 127.0.0.1 only). A non-loopback --host must be asked for explicitly with --allow-non-loopback
 * (exit 2 otherwise; HttpBridge itself refuses one without allowNonLoopback too), so this never
 * happens by accident on a machine's real interfaces.
 *
 * Upstream. A server calling a SaaS API gets --upstream-url (its stand-in, behind a Toxiproxy hop).
 * One that cannot take host:port (GitHub's drops the port of GITHUB_HOST; catalog upstream.viaHttpProxy)
 * gets --upstream-proxy instead: the stand-in's address becomes its HTTP_PROXY ({{upstream.proxy}})
 * and {{upstream.url}} the catalog's made-up host name (unless --upstream-url says otherwise).
 *
 * Sandbox. --seed-sandbox fills the filesystem server's sandbox as the local provider does
 * (docs/doc-1.txt ... doc-100.txt and rpo/), so scenarios' read_text_file calls find their files.
 *
 * Readiness. Before it listens, the bridge waits (up to --wait) until every backend the server needs
 * answers a real request (Redis PING, PostgreSQL SELECT 1) at the URL the server will be given, i.e.
 * through the Toxiproxy hop when there is one. So "the port accepts connections" means "sessions will
 * work": compose needs no healthcheck (Podman without systemd never runs them) and clients simply
 * retry until the port answers.
 *
 * Guards. The bridge has no authentication, so (src/stack/http-bridge.ts) it refuses, with 403, a
 * request whose Host or Origin names a host other than a loopback name or one given with
 * --allowed-hosts (DNS rebinding: a web page whose name resolves to 127.0.0.1); in compose, where
 * other containers reach it by service name, each bridge is given its own name and `toxiproxy`.
 * A session without a request for --idle-timeout (default 5m; 0: never) is ended and its child
 * stopped, so clients that go away without ending their sessions leave no processes behind; beyond
 * --max-sessions (default 64) sessions, an initialize is answered 503.
 *
 * SIGINT/SIGTERM stop it (exit 0: that is how a container's bridge is meant to stop): the sessions'
 * children are stopped and its temp dirs removed; a second signal stops at once.
 *
 * Registered by main.ts; errors go back to main.ts, which alone maps them to exit codes.
 */
import { mkdir } from "node:fs/promises";
import { type Command, Option } from "commander";
import { HarnessError } from "../errors.js";
import { findServer } from "../catalog/servers.js";
import type { BackingService } from "../contracts/server-definition.js";
import { durationFlag, shown, wholeNumberFlag } from "./flags.js";
import { prepareOutDir } from "../outputs/out-dir.js";
import { isLoopbackHost } from "../util/loopback.js";
import { WaitTimeoutError, waitFor } from "../util/wait-for.js";
import { BRIDGE_DEFAULTS, normalizeAllowedHost, type HttpBridge } from "../stack/http-bridge.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { newRunId } from "../run/run-id.js";
import { reapLeftovers } from "../run/reap-leftovers.js";
import { parsePort } from "./flags.js";

interface BridgeFlags {
  server: string;
  host: string;
  port: string;
  allowNonLoopback: boolean;
  redisUrl?: string;
  postgresUrl?: string;
  upstreamUrl?: string;
  upstreamProxy?: string;
  sandbox?: string;
  seedSandbox: boolean;
  wait: string;
  allowedHosts?: string;
  idleTimeout: string;
  maxSessions: string;
}

/** One real request to a backend; rejects with the reason it did not answer. */
async function backendAnswers(kind: BackingService, url: string): Promise<void> {
  if (kind === "redis") {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, enableOfflineQueue: false });
    client.on("error", () => undefined);
    try {
      await client.connect();
      const pong = await client.ping();
      if (pong !== "PONG") throw new Error(`PING answered ${pong}`);
    } finally {
      client.disconnect();
    }
    return;
  }
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForBackends(
  backends: { kind: BackingService; url: string }[],
  timeoutMs: number,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  for (const { kind, url } of backends) {
    const shown = url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
    let said = false;
    try {
      await waitFor(
        async () => {
          await backendAnswers(kind, url);
          return true;
        },
        {
          what: `${kind} at ${shown} to answer`,
          timeoutMs,
          intervalMs: 500,
          signal,
          onNotYet: (problem) => {
            if (!said) log(`bridge: waiting for ${kind} at ${shown} (${problem})`);
            said = true;
          },
        },
      );
    } catch (err) {
      if (signal.aborted) throw new HarnessError("interrupted", "bridge: interrupted while waiting for its backends");
      if (err instanceof WaitTimeoutError) {
        throw new HarnessError("environment", `bridge: ${kind} at ${shown} did not answer within ${timeoutMs} ms: ${err.lastProblem ?? ""}`, {
          hint: "is the backend (and its Toxiproxy hop) up? --wait gives it longer",
        });
      }
      throw err;
    }
    if (said) log(`bridge: ${kind} at ${shown} answers`);
  }
}

/** A URL flag must be a URL of one of `protocols` (or empty: not given); otherwise the bridge would wait --wait long for nothing. */
function checkUrlFlag(flag: string, text: string | undefined, protocols: string[]): void {
  if (text === undefined || text === "") return;
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === undefined || !protocols.includes(protocol)) {
    throw new HarnessError(
      "invalid_input",
      `${flag}: expected a ${protocols.map((p) => `${p}//`).join(" or ")} URL, got ${shown(text.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@"))}`,
    );
  }
}

export function registerBridgeCommand(program: Command): void {
  program
    .command("bridge")
    .description("serve one catalog server's stdio as MCP Streamable HTTP at /mcp (one child per session), e.g. as a container of docker-compose.yml")
    .requiredOption("--server <name>", "catalog server to bridge (mcp-slo servers)")
    .option("--host <address>", "address to listen on; loopback only unless --allow-non-loopback", "127.0.0.1")
    .addOption(new Option("--port <port>", "port to listen on (0: any free port)").default("8080"))
    .option(
      "--allow-non-loopback",
      "allow --host to be a non-loopback address, e.g. 0.0.0.0 inside a container whose port is published on the host's 127.0.0.1 (the bridge has no authentication)",
      false,
    )
    .addOption(new Option("--redis-url <url>", "Redis the server uses ({{redis.url}})").env("MCP_SLO_REDIS_URL"))
    .addOption(new Option("--postgres-url <url>", "PostgreSQL the server uses ({{postgres.url}})").env("MCP_SLO_POSTGRES_URL"))
    .addOption(new Option("--upstream-url <url>", "the API a server with an upstream calls ({{upstream.url}}), e.g. its stand-in").env("MCP_SLO_UPSTREAM_URL"))
    .addOption(
      new Option(
        "--upstream-proxy <url>",
        "the stand-in's address as the HTTP proxy of a server that cannot take host:port, e.g. github ({{upstream.proxy}}; {{upstream.url}} is then the catalog's made-up host)",
      ).env("MCP_SLO_UPSTREAM_PROXY"),
    )
    .addOption(new Option("--sandbox <dir>", "directory the filesystem server is confined to (default: a new temp dir)").env("MCP_SLO_SANDBOX"))
    .option("--seed-sandbox", "fill the sandbox as a run does (docs/doc-1.txt ... doc-100.txt, rpo/) before serving", false)
    .option("--wait <duration>", "how long to wait for the server's backends to answer before listening", "60s")
    .addOption(
      new Option(
        "--allowed-hosts <names>",
        "comma-separated host names clients may use in Host and Origin besides localhost, 127.0.0.1 and [::1] (e.g. the compose service name); others get 403",
      ).env("MCP_SLO_BRIDGE_ALLOWED_HOSTS"),
    )
    .option("--idle-timeout <duration>", "end a session, and stop its server process, after this long without a request (0: never)", "5m")
    .option("--max-sessions <n>", "sessions (server processes) at once; an initialize beyond gets 503", String(BRIDGE_DEFAULTS.maxSessions))
    .action(async (flags: BridgeFlags) => {
      const def = findServer(flags.server);
      if (!def) throw new HarnessError("invalid_input", `--server: no catalog server named ${shown(flags.server)}`, { hint: "mcp-slo servers lists them" });
      if (def.package === "custom") throw new HarnessError("invalid_input", `--server ${flags.server}: only catalog servers can be bridged`);
      const port = parsePort(flags.port, "--port");
      if (!flags.allowNonLoopback && !isLoopbackHost(flags.host)) {
        throw new HarnessError("invalid_input", `refusing to serve MCP on ${flags.host}: it is not a loopback address, and the bridge has no authentication`, {
          hint: `use --host 127.0.0.1 (the default), or add --allow-non-loopback when ${flags.host} is inside a container whose port is published on loopback only`,
        });
      }
      const waitMs = durationFlag("--wait", flags.wait, { min: 0, max: 3_600_000 });
      const idleTimeoutMs = flags.idleTimeout === "0" ? 0 : durationFlag("--idle-timeout", flags.idleTimeout, { min: 1, max: 24 * 3_600_000 });
      const maxSessions = wholeNumberFlag("--max-sessions", flags.maxSessions, 1, 10_000, "sessions at once");
      const allowedHosts = (flags.allowedHosts ?? "").split(",").filter((h) => h.trim() !== "");
      const badHosts = allowedHosts.filter((h) => normalizeAllowedHost(h) === undefined);
      if (badHosts.length)
        throw new HarnessError("invalid_input", `--allowed-hosts: expected host names separated by commas, got ${badHosts.map((h) => shown(h)).join(", ")}`);
      checkUrlFlag("--redis-url", flags.redisUrl, ["redis:", "rediss:"]);
      checkUrlFlag("--postgres-url", flags.postgresUrl, ["postgres:", "postgresql:"]);
      checkUrlFlag("--upstream-url", flags.upstreamUrl, ["http:", "https:"]);
      checkUrlFlag("--upstream-proxy", flags.upstreamProxy, ["http:", "https:"]);
      // A --sandbox that is a file would only fail after the backends were waited for.
      if (flags.sandbox !== undefined) await prepareOutDir(flags.sandbox, "--sandbox");
      const urls: Partial<Record<BackingService, string>> = {
        ...(flags.redisUrl && { redis: flags.redisUrl }),
        ...(flags.postgresUrl && { postgres: flags.postgresUrl }),
      };
      const lacking = def.needs.filter((n) => urls[n] === undefined);
      if (lacking.length)
        throw new HarnessError(
          "invalid_input",
          `--server ${def.name} needs ${lacking.join(" and ")}: give ${lacking.map((n) => `--${n}-url (or MCP_SLO_${n.toUpperCase()}_URL)`).join(" and ")}`,
        );
      if (flags.upstreamProxy !== undefined && flags.upstreamProxy !== "" && !def.upstream?.viaHttpProxy)
        throw new HarnessError("invalid_input", `--upstream-proxy: --server ${def.name} does not reach its API through an HTTP proxy (give --upstream-url)`);
      // A server reached through the proxy is given the catalog's made-up host name as its API.
      const upstreamUrl = flags.upstreamUrl || (flags.upstreamProxy ? def.upstream?.viaHttpProxy : undefined);
      if (def.upstream && !upstreamUrl) {
        throw new HarnessError(
          "invalid_input",
          `--server ${def.name} calls the ${def.upstream.api} API: give ${def.upstream.viaHttpProxy ? "--upstream-proxy (its stand-in's address) or --upstream-url" : "--upstream-url"} (its stand-in, or ${def.upstream.live})`,
        );
      }

      // What runs killed outright left behind, before the bridge starts children of its own.
      await reapLeftovers();
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        if (++signals === 1) {
          log(`${sig}: stopping the bridge (send it again to stop at once)`);
          controller.abort();
        } else process.exit(130); // the exit handler below SIGKILLs the children
      };
      const registry = new ResourceRegistry({ runId: `bridge-${newRunId()}` });
      // Last resort when the process ends any other way: no child outlives the bridge.
      const onExit = () => registry.killAllSync();
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      process.on("exit", onExit);
      let bridge: HttpBridge | undefined;
      try {
        // Loaded once the flags passed: refusing bad input needs none of the bridge's machinery.
        const [{ HttpBridge }, { seedSandbox }] = await Promise.all([import("../stack/http-bridge.js"), import("../providers/assemble-stack.js")]);
        await waitForBackends(
          def.needs.map((kind) => ({ kind, url: urls[kind]! })),
          waitMs,
          controller.signal,
          log,
        );
        // A --sandbox that does not exist yet is made (and, not being a temp dir of the run, kept).
        if (flags.sandbox) await mkdir(flags.sandbox, { recursive: true });
        const sandbox = flags.sandbox ?? (await registry.makeTempDir("sandbox"));
        if (flags.seedSandbox) await seedSandbox(sandbox);
        const endpoints: StackEndpoints = {
          sandbox,
          workdir: await registry.makeTempDir("work"),
          ...(urls.redis && { redis: { url: urls.redis } }),
          ...(urls.postgres && { postgres: { url: urls.postgres } }),
          ...(upstreamUrl && { upstream: () => ({ url: upstreamUrl, proxy: flags.upstreamProxy ?? "", mode: "stand-in" as const }) }),
        };
        try {
          bridge = await HttpBridge.start({
            def,
            endpoints,
            registry,
            listen: { host: flags.host, port, allowNonLoopback: flags.allowNonLoopback },
            allowedHosts,
            idleTimeoutMs,
            maxSessions,
            log,
          });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new HarnessError(
            code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL" ? "invalid_input" : "environment",
            `bridge: cannot listen on ${flags.host}:${port}: ${code === "EADDRINUSE" ? "the port is in use" : (err as Error).message}`,
          );
        }
        const listening = new URL(bridge.directUrl).port;
        // The run id: its children carry it (MCP_SLO_RUN_ID), so leftovers can be found.
        log(
          `bridge: ${def.name} (${def.package}) serving MCP Streamable HTTP at http://${flags.host.includes(":") ? `[${flags.host}]` : flags.host}:${listening}/mcp (run ${registry.runId})`,
        );
        log(
          `bridge: hosts answered: ${bridge.hosts.join(", ")}; sessions end after ${idleTimeoutMs === 0 ? "no idle time (never)" : `${Math.round(idleTimeoutMs / 1000)} s without a request`}; at most ${maxSessions} at once`,
        );
        if (!controller.signal.aborted) await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
      } finally {
        await bridge?.stop();
        await registry.disposeAll();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        process.off("exit", onExit);
      }
    });
}
