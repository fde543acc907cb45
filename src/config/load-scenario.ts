/**
 * Reads scenario files, applies a profile, validates everything at once and compiles a valid file
 * into its plan (src/contracts/plan.ts) with the scenario schema's transforms. Every problem names
 * the file, the line, the path in the file, what was expected and what was found; nothing stops at
 * the first one. The kinds (workloads, faults, drivers) check their own entries through their
 * registries; this file checks what needs the catalogs and the file system.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync, type Stats } from "node:fs";
import { isMcpMethod, TOOLS_CALL } from "../contracts/mcp-methods.js";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import { catalogVersions, findServer, SERVER_CATALOG } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { resilienceProblems } from "../resilience/checks.js";
import { haltProblems } from "./halt-checks.js";
import { findCatalogSlo, SLO_CATALOG } from "../slo/catalog.js";
import type { ScenarioFacts } from "../contracts/checks.js";
import type { Scenario } from "../contracts/plan.js";
import { DURATION_BOUNDS, PROFILE_NAME_RE, PROFILE_NAME_RULE } from "../contracts/scenario-fields.js";
import { durationProblem, formatDurationBound, parseDurationMs, type DurationBounds } from "../contracts/units.js";
import { DEFAULT_DRIVER, driverNamed, DRIVER_NAMES, unmetNeeds } from "../drivers/index.js";
import { threadsDriver } from "../drivers/threads-driver.js";
import { faultKind } from "../faults/kinds/index.js";
import { workloadKind } from "../workloads/index.js";
import { PROJECT_ROOT, TOOLS_DIR } from "../project-root.js";
import { pathDirectories, resolveExecutable } from "../util/executable.js";
import { printable } from "../util/control-chars.js";
import { isLoopbackHost } from "../util/loopback.js";
import { registerRemoteSecrets } from "../stack/remote-endpoint.js";
import { flattenIssues, keyLine, lineOf, problem, readYamlMapping, underProfile, valueAt, type Located, type PathPart } from "./problems.js";
import { REPORTED_ELSEWHERE, scenarioPlan } from "./scenario-schema.js";
import { importOpenSloFiles } from "./openslo-files.js";

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== "object" || Array.isArray(over) || base === null || typeof base !== "object" || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  // defineProperty, not `out[k] =`: a key "__proto__" in a file must stay a key (and be reported as unknown), not become a prototype.
  for (const [k, v] of Object.entries(over))
    Object.defineProperty(out, k, { value: deepMerge(Object.hasOwn(out, k) ? out[k] : undefined, v), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Checks that need the catalogs: server names, tool names, SLO ids, placeholders, and each kind's
 * own checks against the rest of the scenario. They read the raw document defensively so they run
 * even when the schema check failed elsewhere: a person fixing a file sees every mistake at once.
 */
function semanticProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const arr = (p: readonly PathPart[]): unknown[] => {
    const v = valueAt(raw, p);
    return Array.isArray(v) ? v : [];
  };
  const str = (p: readonly PathPart[]): string | undefined => {
    const v = valueAt(raw, p);
    return typeof v === "string" ? v : undefined;
  };
  const report = (p: readonly PathPart[], message: string, opts?: { found?: boolean }) => out.push(problem(loc, p, message, opts));
  const toolsOf = new Map<string, readonly string[] | undefined>();
  /** Servers of the file that are versions of a catalog server: that server's definition. */
  const versionOf = new Map<string, ServerDefinition>();
  arr(["servers"]).forEach((ref, i) => {
    if (typeof ref === "string") {
      const def = findServer(ref);
      if (!def && /^[a-z][a-z0-9_-]*$/.test(ref)) {
        report(
          ["servers", i],
          `unknown server "${ref}"; the catalog has ${SERVER_CATALOG.map((d) => d.name).join(", ")} (or define one with name, command and args)`,
          { found: false },
        );
      }
      toolsOf.set(ref, def?.tools);
    } else if (ref !== null && typeof ref === "object" && "version" in ref && !("command" in ref)) {
      // `{ name, server, version }`: another version of a catalog server.
      const { name, server, version } = ref as { name?: unknown; server?: unknown; version?: unknown };
      const def = typeof server === "string" ? findServer(server) : undefined;
      if (typeof server === "string" && !def && /^[a-z][a-z0-9_-]*$/.test(server))
        report(["servers", i, "server"], `unknown server "${server}"; the catalog has ${SERVER_CATALOG.map((d) => d.name).join(", ")}`, { found: false });
      if (def && typeof version === "string" && !catalogVersions(def).includes(version))
        report(["servers", i, "version"], `the catalog holds no version "${version}" of ${def.name}; it holds ${catalogVersions(def).join(", ")}`, {
          found: false,
        });
      if (typeof name === "string") {
        toolsOf.set(name, def?.tools);
        if (def) versionOf.set(name, def);
      }
    } else if (ref !== null && typeof ref === "object") {
      const name = (ref as { name?: unknown }).name;
      const tools = (ref as { tools?: unknown }).tools;
      if (typeof name === "string") toolsOf.set(name, Array.isArray(tools) ? tools.filter((t): t is string => typeof t === "string") : undefined);
    }
  });
  const checkTool = (server: string | undefined, tool: string | undefined, p: readonly PathPart[]) => {
    if (server === undefined || tool === undefined) return;
    const tools = toolsOf.get(server);
    if (tools && !tools.includes(tool)) report(p, `server "${server}" has no tool "${tool}"; its tools are ${tools.join(", ")}`, { found: false });
  };
  const serverNames = [...toolsOf.keys()];
  const needsOf = (server: string): string[] => {
    const def = findServer(server) ?? versionOf.get(server);
    // A server's upstream API is reached over a hop like a backend: "github->github", "github".
    if (def) return [...def.needs, ...(def.upstream ? [def.upstream.api] : [])];
    const custom = arr(["servers"]).find((x) => typeof x === "object" && x !== null && (x as { name?: unknown }).name === server) as
      | { needs?: unknown }
      | undefined;
    return Array.isArray(custom?.needs) ? custom.needs.filter((n): n is string => typeof n === "string") : [];
  };
  const usesBackend = (backend: string) => serverNames.some((n) => needsOf(n).includes(backend));
  const urlServers = arr(["servers"]).flatMap((x) => {
    const name = x !== null && typeof x === "object" && "url" in x ? (x as { name?: unknown }).name : undefined;
    return typeof name === "string" ? [name] : [];
  });
  const facts: ScenarioFacts = { valueAt: (p) => valueAt(raw, p), str, arr, serverNames, urlServers, needsOf, usesBackend, checkTool, report };

  workloadKind(str(["workload", "kind"]))?.check?.(["workload"], facts);
  resilienceProblems(facts);
  haltProblems(facts);
  const standIns = valueAt(raw, ["standIns"]);
  if (standIns && typeof standIns === "object" && !Array.isArray(standIns)) {
    const apis = serverNames.map((n) => findServer(n)?.upstream?.api).filter((a): a is string => a !== undefined);
    for (const api of Object.keys(standIns)) {
      if (!apis.includes(api))
        report(["standIns", api], `expected an upstream API of this scenario's servers (${apis.join(", ") || "none calls one"}), found "${api}"`, {
          found: false,
        });
    }
  }
  for (const i of arr(["faults"]).keys()) faultKind(str(["faults", i, "kind"]))?.check(["faults", i], facts);
  const resources = valueAt(raw, ["resources"]);
  if (resources && typeof resources === "object" && !Array.isArray(resources)) {
    for (const server of Object.keys(resources)) {
      if (!serverNames.includes(server))
        report(["resources", server], `expected one of this scenario's servers (${serverNames.join(", ")}), found "${server}"`, { found: false });
      else if (urlServers.includes(server))
        report(["resources", server], `"${server}" is a url server: the harness starts no container of it, so it sets no limits on it`, { found: false });
    }
  }
  const probeServer = str(["recovery", "probe", "server"]);
  if (probeServer !== undefined) {
    if (!serverNames.includes(probeServer))
      report(["recovery", "probe", "server"], `"${probeServer}" is not a server of this scenario (${serverNames.join(", ")})`, { found: false });
    else checkTool(probeServer, str(["recovery", "probe", "tool"]), ["recovery", "probe", "tool"]);
  }
  arr(["rpo", "stores"]).forEach((store, i) => {
    if (store !== "postgres" && typeof store === "string" && !serverNames.includes(store)) {
      report(["rpo", "stores", i], `the ${store} writer writes through the "${store}" MCP server, which is not a server of this scenario`, { found: false });
    }
  });
  if (valueAt(raw, ["proxied"]) === false && arr(["faults"]).some((_, i) => faultKind(str(["faults", i, "kind"]))?.network)) {
    report(["proxied"], "network faults need the hops proxied through Toxiproxy; remove `proxied: false`", { found: false });
  }
  const driverName = str(["driver"]);
  const driver = driverName !== undefined && DRIVER_NAMES.includes(driverName) ? driverNamed(driverName) : undefined;
  if (driver) {
    const kind = str(["workload", "kind"]);
    for (const unmet of unmetNeeds(driver, {
      transport: str(["transport"]),
      workloadPlainCalls: kind === undefined ? undefined : (workloadKind(kind)?.plainCalls ?? false),
    })) {
      if (unmet === "transport") report(["driver"], `the ${driver.name} driver speaks MCP Streamable HTTP: set transport: http`, { found: false });
      else report(["driver"], `the ${driver.name} driver runs a mix of tool calls; the ${kind} workload needs the sdk driver`, { found: false });
    }
    if (driver.needs.plainCalls && !driver.everyMethod && kind === "mix" && arr(["workload", "setup"]).length > 0)
      report(["workload", "setup"], `the ${driver.name} driver sends the mix's calls only, no setup steps; setup needs driver: sdk`, { found: false });
    if (driver.needs.plainCalls && !driver.everyMethod && kind === "mix")
      arr(["workload", "calls"]).forEach((_, i) => {
        const method = valueAt(raw, ["workload", "calls", i, "method"]);
        if (method !== undefined && method !== TOOLS_CALL)
          report(
            ["workload", "calls", i, "method"],
            `the ${driver.name} driver sends tools/call only (it writes its own Streamable HTTP requests); ${JSON.stringify(method)} needs driver: sdk`,
            { found: false },
          );
      });
  }
  const threads = valueAt(raw, ["threads"]);
  if (threads !== undefined && threads !== "auto" && (driver?.name ?? DEFAULT_DRIVER) !== threadsDriver.name)
    report(
      ["threads"],
      `only the ${threadsDriver.name} driver runs on worker threads (found driver ${driver?.name ?? DEFAULT_DRIVER}): set driver: ${threadsDriver.name}, or remove threads`,
      {
        found: false,
      },
    );
  const stages = valueAt(raw, ["load", "stages"]);
  if (stages !== undefined && stages !== null && driver?.noStages !== undefined) {
    const able = DRIVER_NAMES.filter((n) => driverNamed(n).noStages === undefined);
    report(
      ["load", "stages"],
      `the ${driver.name} driver cannot run a load shape (${driver.noStages}): remove load.stages, or use driver ${able.join(" or ")}`,
      {
        found: false,
      },
    );
  }
  const capacity = valueAt(raw, ["capacity"]);
  if (capacity !== undefined && capacity !== null && str(["load", "model"]) !== "open") {
    report(
      ["capacity"],
      `a capacity search raises the arrival rate step by step, which needs the open model: set load: { model: open, rate: <any>, maxInFlight: <n> } (found load.model ${JSON.stringify(str(["load", "model"]) ?? "closed")})`,
      { found: false },
    );
  }
  if (capacity !== undefined && capacity !== null && arr(["faults"]).length > 0) {
    report(["capacity"], "a capacity search cannot inject faults: remove faults, or capacity", { found: false });
  }
  if (capacity !== undefined && capacity !== null && driver && !driver.capacitySearch) {
    report(["capacity"], `a capacity search runs with the sdk driver only, not ${driver.name}`, { found: false });
  }
  arr(["slos"]).forEach((_, i) => {
    const ref = str(["slos", i, "ref"]);
    if (ref !== undefined && !findCatalogSlo(ref)) {
      const family = ref.split(".")[0] ?? "";
      const close = SLO_CATALOG.filter((c) => c.id.startsWith(`${family}.`)).map((c) => c.id);
      report(
        ["slos", i, "ref"],
        `unknown SLO "${ref}"; ${close.length ? `the catalog has ${close.slice(0, 8).join(", ")}` : "mcp-slo slos lists the catalog"}`,
        { found: false },
      );
    }
    const server = str(["slos", i, "scope", "server"]);
    if (server !== "*") checkTool(server, str(["slos", i, "scope", "tool"]), ["slos", i, "scope", "tool"]);
    // A method scope no step of the mix sends would judge nothing: a mistake, said now rather than as "no data" after the run.
    const method = str(["slos", i, "scope", "method"]);
    if (isMcpMethod(method) && str(["workload", "kind"]) === "mix") {
      const sent = [...arr(["workload", "calls"]), ...arr(["workload", "setup"])].some(
        (c) =>
          c !== null &&
          typeof c === "object" &&
          ((c as { method?: unknown }).method ?? TOOLS_CALL) === method &&
          (server === undefined || server === "*" || (c as { server?: unknown }).server === server),
      );
      if (!sent)
        report(
          ["slos", i, "scope", "method"],
          `no step of the mix sends ${method}${server !== undefined && server !== "*" ? ` to ${server}` : ""}: the SLO would judge nothing`,
          { found: false },
        );
    }
  });
  return out;
}

/** Placeholders a custom server's args and env may use (src/stack/mcp-session.ts fills them in). */
const CUSTOM_SERVER_PLACEHOLDERS = ["redis.url", "postgres.url", "sandbox", "workdir", "tools"] as const;
const ANY_PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/**
 * A custom server must start: its command must resolve to an executable now, the way the spawner will
 * resolve it (PATH from its env or the harness's, relative paths from where the harness runs), and
 * every placeholder it uses must be one the harness fills in, with the backing service it names.
 */
function customServerProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const servers = valueAt(raw, ["servers"]);
  if (!Array.isArray(servers)) return out;
  servers.forEach((ref: unknown, i) => {
    if (ref === null || typeof ref !== "object" || Array.isArray(ref)) return;
    const def = ref as { command?: unknown; args?: unknown; env?: unknown; needs?: unknown };
    const needs = Array.isArray(def.needs) ? def.needs : [];
    const checkPlaceholders = (text: string, p: PathPart[]) => {
      for (const m of text.matchAll(ANY_PLACEHOLDER)) {
        const name = m[1]!;
        if (!(CUSTOM_SERVER_PLACEHOLDERS as readonly string[]).includes(name)) {
          out.push(
            problem(loc, p, `unknown placeholder {{${name}}}; a custom server may use ${CUSTOM_SERVER_PLACEHOLDERS.map((x) => `{{${x}}}`).join(", ")}`, {
              found: false,
            }),
          );
        } else if ((name === "redis.url" || name === "postgres.url") && !needs.includes(name.split(".")[0])) {
          out.push(problem(loc, p, `{{${name}}} needs the ${name.split(".")[0]} backend: add it to needs`, { found: false }));
        }
      }
    };
    if (Array.isArray(def.args)) {
      for (const [j, a] of def.args.entries()) if (typeof a === "string") checkPlaceholders(a, ["servers", i, "args", j]);
    }
    if (def.env !== null && typeof def.env === "object")
      for (const [k, v] of Object.entries(def.env)) if (typeof v === "string") checkPlaceholders(v, ["servers", i, "env", k]);

    const command = def.command;
    if (typeof command !== "string" || command === "" || command === "node") return;
    const p: PathPart[] = ["servers", i, "command"];
    // {{tools}} is the project's .tools directory; the run's own dirs ({{sandbox}}, {{workdir}}) are empty when it starts.
    const expanded = command.replace(/\{\{\s*tools\s*\}\}/g, TOOLS_DIR);
    if (/\{\{/.test(expanded)) {
      out.push(problem(loc, p, "a command may use {{tools}} only (the run's own directories hold no programs)", { found: false }));
      return;
    }
    const envPath =
      def.env !== null && typeof def.env === "object" && typeof (def.env as Record<string, unknown>).PATH === "string"
        ? ((def.env as Record<string, unknown>).PATH as string)
        : (process.env.PATH ?? "");
    if (resolveExecutable(expanded, envPath, process.cwd()) !== undefined) return;
    if (expanded.includes("/")) {
      const full = path.resolve(process.cwd(), expanded);
      const st = statOrUndefined(full);
      const why =
        st === undefined
          ? "does not exist"
          : st.isDirectory()
            ? "is a directory"
            : !st.isFile()
              ? "is not a regular file"
              : "is not executable (no x permission)";
      out.push(
        problem(
          loc,
          p,
          `command ${JSON.stringify(command)} ${why}: ${full}${path.isAbsolute(expanded) ? "" : ` (relative to ${process.cwd()}, where the harness runs)`}`,
          { found: false },
        ),
      );
    } else {
      out.push(
        problem(
          loc,
          p,
          `command ${JSON.stringify(command)} is not an executable on PATH (${pathDirectories(envPath).length} directories searched); give its path, or "node" for the Node running the harness`,
          { found: false },
        ),
      );
    }
  });
  return out;
}

/** A host as --allow-hosts and a URL's hostname compare: lower case, IPv6 without brackets. */
export function hostKey(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
}

/**
 * A `url:` server must be reachable as written before anything runs: a well-formed http(s) URL
 * without credentials in it, a host on loopback or one the run allows, every environment variable
 * it names set, every TLS file readable and of the right kind, and a driver that speaks through the
 * harness's client. Nothing here quotes a value that may be a secret (a URL's query, a token, a key).
 */
function urlServerProblems(loc: Located, raw: unknown, opts: CheckOptions): string[] {
  const out: string[] = [];
  const servers = valueAt(raw, ["servers"]);
  if (!Array.isArray(servers)) return out;
  const allowed = new Set((opts.allowHosts ?? []).map(hostKey));
  const driverName = valueAt(raw, ["driver"]);
  const driver = typeof driverName === "string" && DRIVER_NAMES.includes(driverName) ? driverNamed(driverName) : undefined;
  const dir = path.dirname(path.resolve(loc.file));
  servers.forEach((ref: unknown, i) => {
    if (ref === null || typeof ref !== "object" || Array.isArray(ref) || !("url" in ref)) return;
    const at = (...p: PathPart[]): PathPart[] => ["servers", i, ...p];
    const text = valueAt(raw, at("url"));
    let url: URL | undefined;
    if (typeof text === "string") {
      try {
        url = new URL(text);
      } catch {
        out.push(
          problem(loc, at("url"), "expected a URL such as https://mcp.example.com/mcp, found text that is not one (not quoted: it may hold a token)", {
            found: false,
          }),
        );
      }
    }
    if (url) {
      const host = hostKey(url.hostname);
      if (url.protocol !== "http:" && url.protocol !== "https:")
        out.push(problem(loc, at("url"), `expected an http:// or https:// URL, found ${url.protocol}//`, { found: false }));
      else if (url.username !== "" || url.password !== "")
        out.push(
          problem(loc, at("url"), "expected no user:password@ in the URL (it would be shown wherever the URL is): use headers or auth", { found: false }),
        );
      else if (!isLoopbackHost(host) && !allowed.has(host))
        out.push(
          problem(
            loc,
            at("url"),
            `expected a loopback host (127.0.0.1, ::1, localhost), found "${host}": load goes off this machine only to hosts the run names with --allow-hosts ${host}`,
            { found: false },
          ),
        );
      if (valueAt(raw, at("tls")) !== undefined && url.protocol !== "https:")
        out.push(problem(loc, at("tls"), `TLS options need an https:// url, found ${url.protocol}//`, { found: false }));
    }
    // The authorization server gets the client secret: off loopback only where the run allows it, like the target.
    const issuer = valueAt(raw, at("auth", "oauth", "issuer"));
    if (typeof issuer === "string" && URL.canParse(issuer)) {
      const host = hostKey(new URL(issuer).hostname);
      if (!isLoopbackHost(host) && !allowed.has(host))
        out.push(
          problem(
            loc,
            at("auth", "oauth", "issuer"),
            `expected a loopback host, found "${host}": the client secret goes there only if the run names it with --allow-hosts ${host}`,
            {
              found: false,
            },
          ),
        );
    }
    const envAt = (p: PathPart[], what: string) => {
      const name = valueAt(raw, p);
      if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return; // the schema names it
      const value = process.env[name];
      if (value === undefined || value === "")
        out.push(
          problem(loc, p, `expected the environment variable ${name} (${what}) to be set, found it ${value === undefined ? "unset" : "empty"}`, {
            found: false,
          }),
        );
    };
    envAt(at("auth", "bearer", "env"), "the bearer token");
    envAt(at("auth", "oauth", "clientId", "env"), "the OAuth client id");
    envAt(at("auth", "oauth", "clientSecret", "env"), "the OAuth client secret");
    const pem = (field: "ca" | "cert" | "key") => {
      const f = valueAt(raw, at("tls", field));
      if (typeof f !== "string" || f === "") return undefined;
      const full = path.resolve(dir, f);
      let content: string;
      try {
        content = readFileSync(full, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        out.push(
          problem(loc, at("tls", field), `expected a readable PEM file (relative to the scenario file), found ${full} unreadable (${code})`, { found: false }),
        );
        return undefined;
      }
      try {
        if (field === "key") createPrivateKey(content);
        else new X509Certificate(content);
      } catch {
        const kind = field === "key" ? "a PEM private key" : "a PEM certificate";
        out.push(problem(loc, at("tls", field), `expected ${kind} in ${full}, found a file that is not one`, { found: false }));
      }
      return content;
    };
    pem("cert");
    const key = pem("key");
    pem("ca");
    const given = (field: string) => valueAt(raw, at("tls", field)) !== undefined;
    if (given("cert") !== given("key"))
      out.push(problem(loc, at("tls"), `a client certificate needs both cert and key, found ${given("cert") ? "cert" : "key"} alone`, { found: false }));
    // A key registered as soon as it is read: no later message may quote it.
    if (key !== undefined) registerRemoteSecrets({ protocol: "streamable-http", tls: { key } });
    if (driver?.ownSessions)
      out.push(
        problem(
          loc,
          at("url"),
          `the ${driver.name} driver writes its own requests to the harness's endpoints and cannot reach a url server (its headers, token, TLS and hop): use driver: sdk`,
          { found: false },
        ),
      );
  });
  return out;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Faults that would start after the window, stand-ins with p95 under their median. */
function timingProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const str = (p: PathPart[]) => {
    const v = valueAt(raw, p);
    return typeof v === "string" ? v : undefined;
  };
  const duration = str(["duration"]);
  // Only a window and times within their own bounds are compared (those out of bounds are reported as such).
  const inBounds = (text: string | undefined, bounds: DurationBounds) =>
    text !== undefined && durationProblem(text, bounds) === undefined ? parseDurationMs(text) : undefined;
  // With a load shape and no duration, the window is the stages' total (when every stage's duration is within its bounds).
  const stages = valueAt(raw, ["load", "stages"]);
  const stageMs = Array.isArray(stages) ? stages.map((_, i) => inBounds(str(["load", "stages", i, "duration"]), DURATION_BOUNDS.stage)) : [];
  const shapeMs = stageMs.length > 0 && stageMs.every((x): x is number => x !== undefined) ? stageMs.reduce((a, b) => a + b, 0) : undefined;
  const windowMs =
    valueAt(raw, ["count"]) === undefined && valueAt(raw, ["capacity"]) === undefined
      ? duration === undefined
        ? shapeMs
        : inBounds(duration, DURATION_BOUNDS.window)
      : undefined;
  const windowText = duration ?? `${formatDurationBound(windowMs ?? 0)}, the stages' total`;
  const faults = valueAt(raw, ["faults"]);
  (Array.isArray(faults) ? faults : []).forEach((_, i) => {
    const atMs = inBounds(str(["faults", i, "at"]), DURATION_BOUNDS.faultAt);
    // A fault that starts after the window ended never acts: the run would pass a stack that was never faulted.
    if (windowMs !== undefined && atMs !== undefined && atMs >= windowMs)
      out.push(problem(loc, ["faults", i, "at"], `expected a time before the end of the measurement window (duration: ${windowText})`));
  });
  const standIns = valueAt(raw, ["standIns"]);
  if (standIns !== null && typeof standIns === "object" && !Array.isArray(standIns)) {
    for (const api of Object.keys(standIns)) {
      const median = str(["standIns", api, "latency", "median"]);
      const p95 = str(["standIns", api, "latency", "p95"]);
      const [m, q] = [median && parseDurationMs(median), p95 && parseDurationMs(p95)];
      if (typeof m === "number" && typeof q === "number" && q < m)
        out.push(problem(loc, ["standIns", api, "latency", "p95"], `expected at least the median (${median})`));
    }
  }
  return out;
}

/**
 * The schema (compiling a valid file into its plan) and every other check. The plan is made only
 * when nothing is wrong; the plan's own stops for what the checks here already reported are not
 * said twice.
 */
function validateObject(
  loc: Located,
  raw: unknown,
  profile: string,
  reportedBefore: readonly string[],
  opts: CheckOptions,
): { value?: Scenario; problems: string[] } {
  const plan = scenarioPlan({
    file: loc.file,
    profile,
    sloSource: (index) => ({ document: path.relative(process.cwd(), loc.file) || loc.file, lines: String(lineOf(loc.doc, loc.lines, ["slos", index])) }),
  });
  const parsed = plan.safeParse(raw);
  const issues = parsed.success
    ? []
    : parsed.error.issues.filter((i) => !(i.code === "custom" && i.params?.reportedElsewhere === REPORTED_ELSEWHERE.reportedElsewhere));
  const problems = flattenIssues(issues).map((i) => problem(loc, i.path, i.message));
  problems.push(...semanticProblems(loc, raw), ...customServerProblems(loc, raw), ...urlServerProblems(loc, raw, opts), ...timingProblems(loc, raw));
  problems.sort((a, b) => lineNumber(a) - lineNumber(b));
  // A preset that could not be resolved is reported before the schema runs (resolvePresets), and stops the plan.
  if (!parsed.success && problems.length === 0 && reportedBefore.length === 0)
    throw new HarnessError("internal", `${printable(loc.file)}: the scenario compiled to no plan, and no check says why`, {
      details: parsed.error.issues.map((i) => i.message),
    });
  return parsed.success && problems.length === 0 ? { value: parsed.data, problems } : { problems };
}

async function readLocated(file: string): Promise<Located | { problems: string[] }> {
  return readYamlMapping(file, "a mapping of scenario fields", "scenario file");
}

/**
 * Presets resolved, then the schema and the semantic checks. A preset that cannot be resolved stays
 * as written (the schema accepts `{ preset }`), so the rest of the file is still checked.
 */
async function checkScenario(loc: Located, raw: unknown, profile: string, opts: CheckOptions): Promise<{ value?: Scenario; problems: string[] }> {
  const presetProblems = await resolvePresets(loc, raw);
  const checked = validateObject(loc, raw, profile, presetProblems, opts);
  // OpenSLO files (issue 17): their SLOs join the scenario's own; their problems name the OpenSLO file and the path in it.
  const openslo = await importOpenSloFiles(loc, raw, serverNamesOf(raw));
  if (presetProblems.length === 0 && openslo.problems.length === 0)
    return checked.value ? { ...checked, value: { ...checked.value, slos: [...checked.value.slos, ...openslo.slos] } } : checked;
  return { problems: [...presetProblems, ...checked.problems].sort((a, b) => lineNumber(a) - lineNumber(b)).concat(openslo.problems) };
}

function serverNamesOf(raw: unknown): string[] {
  const servers = valueAt(raw, ["servers"]);
  return (Array.isArray(servers) ? servers : [])
    .map((x: unknown) => (typeof x === "string" ? x : x !== null && typeof x === "object" ? (x as { name?: unknown }).name : undefined))
    .filter((n): n is string => typeof n === "string");
}

export const CHAOS_DIR = path.join(PROJECT_ROOT, "chaos");

async function presetNames(): Promise<string[]> {
  const entries = await readdir(CHAOS_DIR).catch(() => [] as string[]);
  return entries
    .filter((e) => e.endsWith(".yaml"))
    .map((e) => e.slice(0, -".yaml".length))
    .sort();
}

/**
 * Replaces each `{ preset: name, ...overrides }` fault by the fault of
 * chaos/<name>.yaml with the overrides applied, so the schema then checks the
 * merged fault like any other.
 */
async function resolvePresets(loc: Located, raw: unknown): Promise<string[]> {
  const faults = valueAt(raw, ["faults"]);
  if (!Array.isArray(faults)) return [];
  const problems: string[] = [];
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i] as Record<string, unknown> | null;
    if (f === null || typeof f !== "object" || typeof f.preset !== "string") continue;
    const name = f.preset;
    // The schema's rule for a preset name, checked before the name becomes a path: no "../" ever reaches the file system.
    if (!/^[a-z0-9-]+$/.test(name)) continue;
    const presetFile = path.join(CHAOS_DIR, `${name}.yaml`);
    const shownFile = path.relative(process.cwd(), presetFile) || presetFile;
    const read = await readYamlMapping(presetFile, "one fault (a mapping)", "preset file");
    if ("problems" in read) {
      const missing = read.problems.length === 1 && read.problems[0]!.endsWith("(ENOENT)");
      const known = missing ? await presetNames() : [];
      problems.push(
        missing
          ? problem(loc, ["faults", i, "preset"], `no preset "${name}" (no file ${shownFile}); the presets are ${known.join(", ") || "none"}`, { found: false })
          : problem(loc, ["faults", i, "preset"], `preset "${name}" cannot be used: ${read.problems.join("; ")}`, { found: false }),
      );
      continue;
    }
    const preset = read.raw;
    const { preset: _name, ...overrides } = f;
    const { description: _doc, ...fault } = preset as Record<string, unknown>;
    faults[i] = { ...fault, ...overrides };
  }
  return problems;
}

/** The profiles a file defines, as written (a mapping under `profiles`), whatever else is wrong with it. */
function profilesOf(raw: unknown): Record<string, unknown> {
  const profiles = valueAt(raw, ["profiles"]);
  return profiles !== null && typeof profiles === "object" && !Array.isArray(profiles) ? (profiles as Record<string, unknown>) : {};
}

/**
 * The file under one profile: its merged value, or the problems it has under that profile that the
 * base alone does not have (`baseProblems`, so nothing is said twice).
 */
async function underProfileChecked(
  loc: Located,
  name: string,
  baseProblems: readonly string[],
  opts: CheckOptions,
): Promise<{ value?: Scenario; problems: string[] }> {
  const override = profilesOf(loc.raw)[name];
  if (override === null || typeof override !== "object" || Array.isArray(override)) return { problems: [] }; // the schema names it
  const merged = structuredClone(deepMerge(loc.raw, override));
  const at: Located = { ...loc, raw: merged, profile: { name, override } };
  // A profile may bring its own faults, presets included.
  const checked = await checkScenario(at, merged, name, opts);
  const seen = new Set(baseProblems);
  const suffix = underProfile(name);
  // An OpenSLO file's problem reads the same under every profile (it names the OpenSLO file): said once.
  const problems = checked.problems.filter((p) => !seen.has(p) && !(p.endsWith(suffix) && seen.has(p.slice(0, -suffix.length))));
  return checked.value && problems.length === 0 ? { value: checked.value, problems } : { problems };
}

/** The profile names a scenario file defines, as written (empty when it cannot be read or has none). */
export async function definedProfiles(file: string): Promise<string[]> {
  const loc = await readLocated(file);
  return "problems" in loc ? [] : Object.keys(profilesOf(loc.raw));
}

/** Problems of the file as written and under each profile it defines (a profile's own mistakes are named as such). */
export async function validateScenarioFile(file: string, opts: CheckOptions = {}): Promise<string[]> {
  const loc = await readLocated(file);
  if ("problems" in loc) return loc.problems;
  const base = await checkScenario(loc, loc.raw, "(as written)", opts);
  const problems = [...base.problems];
  for (const name of Object.keys(profilesOf(loc.raw))) {
    if (!PROFILE_NAME_RE.test(name)) continue; // the schema names it
    problems.push(...(await underProfileChecked(loc, name, base.problems, opts)).problems);
  }
  return problems;
}

/** What the run allows beyond the file itself. */
export interface CheckOptions {
  /** Hosts a `url:` server may name besides loopback (the run's --allow-hosts), lower case. */
  allowHosts?: readonly string[];
}

export interface LoadOptions extends CheckOptions {
  /**
   * The profile was asked for by name (`--profile nightly`): a file that does not define it is a
   * mistake, not a reason to run its base silently. Without it (the CLI's default profile), a file
   * without that profile runs as written.
   */
  requireProfile?: boolean;
}

/** Loads one scenario under a profile: its plan, or a HarnessError("invalid_input") listing every problem. */
export async function loadScenario(file: string, profile: string, opts: LoadOptions = {}): Promise<Scenario> {
  if (!PROFILE_NAME_RE.test(profile)) {
    throw new HarnessError("invalid_input", `--profile: expected ${PROFILE_NAME_RULE}, got "${printable(profile)}"`);
  }
  const shown = printable(file);
  const loc = await readLocated(file);
  if ("problems" in loc) throw new HarnessError("invalid_input", `${shown} is not a valid scenario`, { details: loc.problems });
  const base = await checkScenario(loc, loc.raw, profile, opts);
  const defined = Object.keys(profilesOf(loc.raw));
  const problems = [...base.problems];
  if (opts.requireProfile && !defined.includes(profile)) {
    const where = defined.length ? `${shown}:${keyLine(loc, "profiles")}: profiles` : `${shown}:1: (top level)`;
    problems.push(
      `${where}: no profile "${profile}" (--profile ${profile}); ${defined.length ? `this file defines ${defined.map((d) => printable(d)).join(", ")}` : "this file defines no profiles: run it without --profile"}`,
    );
  }
  const checked = defined.includes(profile) ? await underProfileChecked(loc, profile, base.problems, opts) : base;
  problems.push(...(checked === base ? [] : checked.problems));
  if (problems.length || !checked.value) {
    throw new HarnessError("invalid_input", `${shown} is not valid${defined.includes(profile) ? ` under profile "${profile}"` : ""}`, { details: problems });
  }
  return checked.value;
}

/** One scenario per combination of the matrix settings; each is judged on its own. */
export function expandMatrix(s: Scenario): Scenario[] {
  const m = s.matrix;
  if (!m) return [s];
  let cells: Scenario[] = [s];
  const expand = <T>(key: string, values: readonly T[] | undefined, apply: (x: Scenario, v: T) => Scenario) => {
    if (!values) return;
    cells = cells.flatMap((c) =>
      values.map((v) => {
        const next = apply(c, v);
        const label = `${key}=${String(v)}`;
        return { ...next, variant: c.variant ? `${c.variant}, ${label}` : label };
      }),
    );
  };
  expand("redis.persistence", m["redis.persistence"], (x, v) => ({ ...x, backends: { ...x.backends, redis: { persistence: v } } }));
  expand("postgres.synchronousCommit", m["postgres.synchronousCommit"], (x, v) => ({ ...x, backends: { ...x.backends, postgres: { synchronousCommit: v } } }));
  expand("supervisor", m.supervisor, (x, v) => ({ ...x, recovery: x.recovery ? { ...x.recovery, supervisor: v } : x.recovery }));
  expand("resilience", m.resilience, (x, v) => (v ? x : { ...x, resilience: [] }));
  return cells;
}

/** A variant's settings: "redis.persistence=none, supervisor=true" -> ["redis.persistence=none", "supervisor=true"]. */
function settingsOf(label: string): string[] {
  return label
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/**
 * `mcp-slo run --variant`: only the matrix cells that have every setting of one of `labels` (each one or
 * more `key=value`, comma-separated, as results name cells), so one cell of a matrix can be rerun alone.
 * Scenarios without a matrix have one cell and run as they are. A label no cell has is refused (exit 2),
 * naming the cells there are: a typo must not run nothing, or everything.
 */
export function selectVariants(scenarios: readonly Scenario[], labels: readonly string[]): Scenario[] {
  if (labels.length === 0) return [...scenarios];
  const wanted = labels.map((label) => ({ label, settings: settingsOf(label) }));
  const malformed = wanted.filter((w) => w.settings.length === 0 || w.settings.some((s) => !/^[^=]+=[^=]+$/.test(s)));
  if (malformed.length)
    throw new HarnessError(
      "invalid_input",
      `--variant ${malformed.map((w) => printable(w.label)).join(", ")}: expected key=value, or several joined by commas`,
      {
        hint: "e.g. --variant resilience=true",
      },
    );
  const cells = scenarios.filter((s) => s.variant !== undefined);
  const has = (s: Scenario, settings: readonly string[]) => {
    const own = settingsOf(s.variant!);
    return settings.every((x) => own.includes(x));
  };
  const unmatched = wanted.filter((w) => !cells.some((s) => has(s, w.settings)));
  if (unmatched.length) {
    const there = [...new Set(cells.map((s) => `${s.name} [${s.variant}]`))];
    throw new HarnessError(
      "invalid_input",
      `--variant ${unmatched.map((w) => printable(w.label)).join(", ")}: no matrix cell of the scenarios given has ${unmatched.length > 1 ? "these settings" : "this setting"}`,
      { details: there.length ? there.map((x) => `a cell there is: ${x}`) : ["none of the scenarios given has a matrix"] },
    );
  }
  return scenarios.filter((s) => s.variant === undefined || wanted.some((w) => has(s, w.settings)));
}

function lineNumber(problemText: string): number {
  return Number(/:(\d+): /.exec(problemText)?.[1] ?? 0);
}

/** Loads every file under `profile`: every problem of every file at once, or the scenarios (matrix cells expanded). */
export async function loadAll(files: readonly string[], profile: string, opts: LoadOptions = {}): Promise<Scenario[]> {
  const details: string[] = [];
  const scenarios: Scenario[] = [];
  for (const file of files) {
    try {
      scenarios.push(...expandMatrix(await loadScenario(file, profile, opts)));
    } catch (err) {
      if (!(err instanceof HarnessError) || err.code !== "invalid_input") throw err;
      details.push(...(err.details.length ? err.details : [err.message]));
    }
  }
  if (details.length) throw new HarnessError("invalid_input", `${details.length} problem(s) in the scenario files`, { details });
  // Matrix cells share their scenario's name; two files must not.
  const fileOf = new Map<string, string>();
  for (const s of scenarios) {
    const other = fileOf.get(s.name);
    if (other !== undefined && other !== s.file)
      throw new HarnessError("invalid_input", `two scenario files use the name "${s.name}"`, { details: [other, s.file] });
    fileOf.set(s.name, s.file);
  }
  return scenarios;
}
