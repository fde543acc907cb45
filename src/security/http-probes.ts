/**
 * The `probe.http` live probes (issue 14, item 4, its Streamable HTTP part): what a server's own HTTP
 * endpoint lets a web page or a neighbour on the network do.
 *
 *  - http.origin / http.host: a request whose Origin, or whose Host, names another site is refused.
 *    The transports spec (2025-11-25, "Security Warning"): servers MUST validate the Origin header
 *    of every incoming connection, and answer an invalid one with 403 Forbidden; without it a web
 *    page whose name resolves to 127.0.0.1 drives the server from the user's browser (DNS
 *    rebinding). The security best practices add the Host check for the same attack.
 *  - http.loopback-bind: a local server SHOULD bind 127.0.0.1 only, not every interface (same
 *    section). The harness starts a Node server that cannot be told its address with
 *    src/stack/loopback-only.cjs preloaded, which binds its listen() to 127.0.0.1: the sockets of
 *    the running process therefore show the harness's confinement, not the server's choice. So the
 *    probe starts one more instance with src/security/listen-recorder.cjs preloaded after it, which
 *    records the address each listen() ASKED for and still lets the preload bind loopback; the
 *    verdict is on what the server asked for, and both are said. A server not started with the
 *    preload (not Node) is judged by the listening sockets of its process (/proc).
 *  - http.session-ids: ~50 sessions are opened (and ended); their ids must be visible ASCII (spec:
 *    MUST), all different, and unguessable: a UUID of a random version, or at least 64 bits of
 *    estimated randomness (OWASP's floor for session ids) with no sequence between consecutive ids
 *    (security best practices: "secure, non-deterministic session IDs").
 *
 * A stdio server reached through the harness's bridge (src/stack/http-bridge.ts) has no HTTP
 * endpoint of its own: its probe.http is not applicable. probeBridge runs the same probes against
 * the bridge, for the harness's own report; those are never the server's score.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { PROJECT_ROOT } from "../project-root.js";
import type { SecuritySeverity } from "../results/types.js";
import type { HttpEndpoint } from "../stack/http-endpoint.js";
import { spawnManaged } from "../stack/managed-process.js";
import { type StackEndpoints, serverLaunch } from "../stack/mcp-session.js";
import { freeLoopbackPort } from "../stack/ports.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { printable } from "../util/control-chars.js";
import { isLoopbackHost } from "../util/loopback.js";
import type { ProbeOutcome } from "./model.js";

export const LISTEN_RECORDER = fileURLToPath(new URL("./listen-recorder.cjs", import.meta.url));
const LOOPBACK_PRELOAD = fileURLToPath(new URL("../stack/loopback-only.cjs", import.meta.url));
/** The line listen-recorder.cjs writes before each listen(). */
export const LISTEN_MARK = "mcp-slo-listen-request ";
/** A site that is not this machine, for Host and Origin. */
export const FOREIGN_HOST = "evil.example.com";
/** Sessions opened to judge session ids. */
export const SESSION_SAMPLES = 50;
/** OWASP Session Management Cheat Sheet: session ids need at least 64 bits of entropy. */
export const MIN_SESSION_ID_BITS = 64;
const REQUEST_TIMEOUT_MS = 10_000;
/** The session-id probe stops sampling after this long (a slow server is judged on the ids it gave, if enough). */
const SESSION_PROBE_MS = 60_000;
/** How much of an answer's body is read (only the status and headers matter). */
const MAX_BODY_BYTES = 64 * 1024;

const TRANSPORTS_SPEC = "MCP 2025-11-25 basic/transports.mdx, Security Warning";
const PRACTICES_SPEC = "MCP 2025-11-25 basic/security_best_practices.mdx";

type Outcome = ProbeOutcome & { check: "probe.http" };

const outcome = (probe: string, status: Outcome["status"], detail: string, finding?: Outcome["finding"]): Outcome => ({
  probe,
  check: "probe.http",
  status,
  detail,
  ...(finding !== undefined && { finding }),
});

// ---------------------------------------------------------------------------------------------
// Requests

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

const initializeBody = (client: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: client, version: "1" } },
});

/**
 * One request with node:http (fetch may not set Host). Resolves with the status and headers once the
 * answer ended, its first MAX_BODY_BYTES were read, or REQUEST_TIMEOUT_MS passed with headers in
 * hand (an SSE stream may stay open); rejects when no answer came in time.
 */
export function sendRaw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let answer: RawAnswer | undefined;
    const req = request(
      url,
      {
        method: opts.method ?? "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...opts.headers },
      },
      (res) => {
        answer = { status: res.statusCode ?? 0, headers: res.headers };
        let bytes = 0;
        const done = () => {
          clearTimeout(timer);
          res.destroy();
          resolve(answer!);
        };
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (bytes >= MAX_BODY_BYTES) done();
        });
        res.on("end", done);
        res.on("error", done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      if (answer) resolve(answer);
      else reject(new Error(`no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(err);
    });
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

const sessionIdOf = (a: RawAnswer): string | undefined => {
  const v = a.headers["mcp-session-id"];
  return typeof v === "string" ? v : undefined;
};

/** Ends a session a probe opened (with proper headers); best effort. */
async function endSession(url: string, id: string): Promise<void> {
  await sendRaw(url, { method: "DELETE", headers: { "mcp-session-id": id, "mcp-protocol-version": LATEST_PROTOCOL_VERSION } }).catch(() => undefined);
}

const curl = (url: string, headers: Record<string, string>) =>
  `curl -si -X POST '${url}' ${Object.entries({ "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers })
    .map(([k, v]) => `-H '${k}: ${v}'`)
    .join(" ")} -d '${JSON.stringify(initializeBody("curl"))}'`;

// ---------------------------------------------------------------------------------------------
// Foreign Origin and Host

/** The verdict on a request whose Origin names another site: 403 is what the spec says. */
export function judgeForeignOrigin(status: number): { status: "pass" | "fail"; detail: string; severity?: SecuritySeverity } {
  if (status === 403) return { status: "pass", detail: `a request with Origin http://${FOREIGN_HOST} was refused with 403` };
  if (status >= 400 && status < 500)
    return {
      status: "fail",
      severity: "low",
      detail: `a request with Origin http://${FOREIGN_HOST} was refused, but with ${status}; the spec asks for 403 Forbidden`,
    };
  return { status: "fail", severity: "high", detail: `a request with Origin http://${FOREIGN_HOST} was served (HTTP ${status}): the Origin is not validated` };
}

/** The verdict on a request whose Host names another site: any 4xx refuses it. */
export function judgeForeignHost(status: number): { status: "pass" | "fail"; detail: string; severity?: SecuritySeverity } {
  if (status >= 400 && status < 500) return { status: "pass", detail: `a request with Host ${FOREIGN_HOST} was refused with ${status}` };
  return { status: "fail", severity: "high", detail: `a request with Host ${FOREIGN_HOST} was served (HTTP ${status}): the Host is not validated` };
}

async function probeForeignHeaders(url: string, label: string): Promise<Outcome[]> {
  const valid = new URL(url);
  const control = await sendRaw(url, { body: initializeBody("mcp-slo-scan-control") }).catch((err: Error) => err);
  if (control instanceof Error || control.status !== 200) {
    const why = control instanceof Error ? control.message : `HTTP ${control.status}`;
    const detail = `not measured: a plain initialize from 127.0.0.1 was not served (${why}), so a refusal would prove nothing`;
    return [outcome(`${label}.origin`, "not_measured", detail), outcome(`${label}.host`, "not_measured", detail)];
  }
  const controlId = sessionIdOf(control);
  if (controlId !== undefined) await endSession(url, controlId);
  const cases: { probe: string; headers: Record<string, string>; judge: typeof judgeForeignOrigin; title: string }[] = [
    { probe: `${label}.origin`, headers: { origin: `http://${FOREIGN_HOST}` }, judge: judgeForeignOrigin, title: "Foreign Origin served" },
    { probe: `${label}.host`, headers: { host: FOREIGN_HOST }, judge: judgeForeignHost, title: "Foreign Host served" },
  ];
  const out: Outcome[] = [];
  for (const c of cases) {
    const answer = await sendRaw(url, { headers: c.headers, body: initializeBody("mcp-slo-scan-rebinding") }).catch((err: Error) => err);
    if (answer instanceof Error) {
      out.push(outcome(c.probe, "not_measured", `not measured: the request failed: ${answer.message}`));
      continue;
    }
    const id = sessionIdOf(answer);
    if (id !== undefined) await endSession(url, id);
    const v = c.judge(answer.status);
    const headers = Object.fromEntries(Object.entries(c.headers).map(([k, val]) => [k === "host" ? "Host" : "Origin", val]));
    out.push(
      outcome(
        c.probe,
        v.status,
        v.detail,
        v.status === "fail"
          ? {
              ruleId: `probe.${c.probe}`,
              severity: v.severity ?? "high",
              title: c.title,
              message: `${v.detail}. A web page whose name resolves to 127.0.0.1 (DNS rebinding) can then call this server from the user's browser.`,
              evidence: `POST ${valid.origin}${valid.pathname} initialize with ${Object.entries(headers)
                .map(([k, val]) => `${k}: ${val}`)
                .join(
                  ", ",
                )} -> HTTP ${answer.status}${id !== undefined ? " and a session id (a session was opened)" : ""}; a plain request from 127.0.0.1 -> HTTP ${control.status}`,
              reproduce: curl(url, headers),
              source: c.probe.endsWith(".origin") ? TRANSPORTS_SPEC : `${PRACTICES_SPEC} (DNS rebinding); ${TRANSPORTS_SPEC}`,
            }
          : undefined,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Loopback bind

/** "0100007F" -> "127.0.0.1"; 32 hex digits -> an IPv6 address (/proc/net/tcp6 writes each 32-bit word in host order, little-endian here). */
export function decodeProcAddress(hex: string): string {
  const le = (word: string) => (word.match(/../g) ?? []).reverse().join("");
  if (hex.length === 8) return (le(hex).match(/../g) ?? []).map((b) => Number.parseInt(b, 16)).join(".");
  const bytes = (hex.match(/.{8}/g) ?? []).map(le).join("");
  const groups = (bytes.match(/.{4}/g) ?? []).map((g) => Number.parseInt(g, 16).toString(16));
  const v6 = groups.join(":");
  if (v6 === "0:0:0:0:0:ffff:7f00:1" || /^0:0:0:0:0:ffff:/.test(v6)) {
    const b = bytes.slice(24);
    return `::ffff:${(b.match(/../g) ?? []).map((x) => Number.parseInt(x, 16)).join(".")}`;
  }
  if (v6 === "0:0:0:0:0:0:0:0") return "::";
  if (v6 === "0:0:0:0:0:0:0:1") return "::1";
  return v6;
}

/** Listening sockets of /proc/net/tcp or tcp6: inode, address and port. */
export function parseProcNetTcp(text: string): { inode: string; address: string; port: number }[] {
  const out: { inode: string; address: string; port: number }[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (cols.length < 10 || cols[3] !== "0A") continue;
    const [addr, port] = (cols[1] ?? "").split(":");
    if (addr === undefined || port === undefined) continue;
    out.push({ inode: cols[9]!, address: decodeProcAddress(addr), port: Number.parseInt(port, 16) });
  }
  return out;
}

/** `pid` and its descendants (bounded: a server that forks without end is not walked for ever). */
function processTree(pid: number, max = 64): number[] {
  const seen: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && seen.length < max) {
    const p = queue.shift()!;
    if (seen.includes(p)) continue;
    seen.push(p);
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (kids !== "") queue.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return seen;
}

/**
 * The TCP addresses the process `pid` (and what it forked) listens on, as "address:port", read
 * from /proc (Linux): a hand-written reader because `ss -ltnp` needs its output parsed anyway and is
 * not on every machine; /proc/net/tcp's format is the kernel's ABI. Undefined where /proc is not there.
 */
export function listeningAddresses(pid: number): string[] | undefined {
  const inodes = new Set<string>();
  for (const p of processTree(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  const tables = ["tcp", "tcp6"].map((t) => {
    try {
      return readFileSync(`/proc/${pid}/net/${t}`, "utf8");
    } catch {
      return "";
    }
  });
  if (tables.every((t) => t === "")) return undefined;
  return tables
    .flatMap(parseProcNetTcp)
    .filter((s) => inodes.has(s.inode))
    .map((s) => (s.address.includes(":") ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`));
}

/** The recorder's lines: what each listen() asked for (host null: every interface). */
export function parseListenRequests(lines: readonly string[]): { host: string | null; port: number }[] {
  const out: { host: string | null; port: number }[] = [];
  for (const line of lines) {
    const at = line.indexOf(LISTEN_MARK);
    if (at < 0) continue;
    try {
      const v = JSON.parse(line.slice(at + LISTEN_MARK.length)) as { host?: unknown; port?: unknown };
      out.push({ host: typeof v.host === "string" ? v.host : null, port: Number(v.port) });
    } catch {
      /* a torn line: not a request */
    }
  }
  return out;
}

const hostOf = (address: string) => address.replace(/:\d+$/, "");

/**
 * The verdict on where a server listens. `asked`: what its listen() calls asked for (undefined when
 * not recorded); `actual`: the listening sockets of the harness's running instance; `preloaded`:
 * whether that instance ran with the harness's loopback preload (its sockets then say nothing of the server).
 */
export function judgeBind(
  asked: readonly { host: string | null; port: number }[] | undefined,
  actual: readonly string[] | undefined,
  preloaded: boolean,
): { status: "pass" | "fail" | "not_measured"; detail: string } {
  const actualText = actual === undefined ? "its sockets could not be read (/proc)" : `it listens on ${actual.join(", ") || "nothing"}`;
  if (preloaded) {
    if (asked === undefined || asked.length === 0)
      return {
        status: "not_measured",
        detail: `not measured: the instance started with the listen recorder reported no listen(); in the run ${actualText} (with the harness's loopback preload)`,
      };
    const wide = asked.filter((a) => a.host === null || !isLoopbackHost(a.host));
    const said = asked.map((a) => `listen(${a.host === null ? `port ${a.port}, no address: every interface` : `${a.host}:${a.port}`})`).join(", ");
    if (wide.length > 0)
      return {
        status: "fail",
        detail: `the server asks for ${said}; in the run ${actualText} only because the harness preloads src/stack/loopback-only.cjs, which binds an address-less listen() to 127.0.0.1`,
      };
    return { status: "pass", detail: `the server asks for ${said}; in the run ${actualText}` };
  }
  if (actual === undefined) return { status: "not_measured", detail: `not measured: ${actualText}` };
  if (actual.length === 0) return { status: "not_measured", detail: "not measured: the server's process has no listening TCP socket" };
  const wide = actual.filter((a) => !isLoopbackHost(hostOf(a)));
  if (wide.length > 0) return { status: "fail", detail: `${actualText}: ${wide.join(", ")} is reachable from other machines` };
  return { status: "pass", detail: `${actualText}, loopback only` };
}

/** Starts one more instance of a Node server with the listen recorder, and reads what its listen() asked for. */
async function recordListen(
  def: ServerDefinition & { http: NonNullable<ServerDefinition["http"]> },
  endpoints: StackEndpoints,
  registry: ResourceRegistry,
  timeoutMs: number,
): Promise<{ asked: { host: string | null; port: number }[] | string; commandLine: string }> {
  const port = await freeLoopbackPort();
  const { env, args, command, cwd, passEnv } = serverLaunch(def, endpoints, "bind-probe", def.http.args);
  env[def.http.portEnv] = String(port);
  const proc = spawnManaged({
    name: `${def.name}#bind-probe`,
    command,
    args: ["--require", LOOPBACK_PRELOAD, "--require", LISTEN_RECORDER, ...args],
    env,
    passEnv,
    cwd,
    registry,
  });
  const rel = (a: string) => (a.startsWith(`${PROJECT_ROOT}/`) ? path.relative(PROJECT_ROOT, a) : a);
  const commandLine = `${def.http.portEnv}=<port> ${command} --require src/stack/loopback-only.cjs --require src/security/listen-recorder.cjs ${args.map(rel).join(" ")}`;
  const lines: string[] = [];
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const off = proc.onLine((line) => {
        if (line.includes(LISTEN_MARK)) {
          lines.push(line);
          // Other listen() calls follow at once if any; give them a moment.
          setTimeout(finish, 300);
        }
      });
      void proc.exited.then(finish, finish);
      function finish() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
    lines.push(...proc.stderrTail(50).filter((l) => l.includes(LISTEN_MARK) && !lines.includes(l)));
    if (lines.length === 0) {
      const asked = proc.isRunning()
        ? `the instance started with the listen recorder made no listen() within ${Math.round(timeoutMs / 1000)} s`
        : `the instance started with the listen recorder exited (${JSON.stringify(proc.exitInfo)}): ${printable(proc.stderrTail(3).join(" | "))}`;
      return { asked, commandLine };
    }
    return { asked: parseListenRequests(lines), commandLine };
  } finally {
    await proc.stop({ graceMs: 1000 });
  }
}

async function probeBind(
  def: ServerDefinition,
  endpoint: HttpEndpoint,
  endpoints: StackEndpoints,
  registry: ResourceRegistry,
  timeoutMs: number,
): Promise<Outcome> {
  const running = endpoint.processFor("");
  const actual = running === undefined ? undefined : listeningAddresses(running.pid);
  // NativeHttpServer preloads loopback-only.cjs into a server whose command is node (src/stack/http-bridge.ts).
  const preloaded = def.command === "node";
  let asked: { host: string | null; port: number }[] | undefined;
  let why = "";
  let commandLine = "ss -ltnp (the server's listening sockets)";
  if (preloaded && def.http !== undefined) {
    const r = await recordListen(def as ServerDefinition & { http: NonNullable<ServerDefinition["http"]> }, endpoints, registry, timeoutMs);
    commandLine = `${r.commandLine}: the line "${LISTEN_MARK.trim()}" on stderr shows what listen() asked for`;
    if (typeof r.asked === "string") why = r.asked;
    else asked = r.asked;
  }
  const v = judgeBind(asked, actual, preloaded);
  const detail = why === "" ? v.detail : `${v.detail} (${why})`;
  if (v.status !== "fail") return outcome("http.loopback-bind", v.status, detail);
  return outcome("http.loopback-bind", "fail", detail, {
    ruleId: "probe.http.loopback-bind",
    severity: "medium",
    title: "Listens on every interface",
    message: `${def.name} binds its Streamable HTTP endpoint to every network interface, with no option to choose the address: anyone who can reach this machine can call it. Local servers SHOULD bind 127.0.0.1 only.`,
    evidence: detail,
    reproduce: commandLine,
    source: TRANSPORTS_SPEC,
  });
}

// ---------------------------------------------------------------------------------------------
// Session ids

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Random bits of a UUID by version (RFC 9562): v4 122, v7 74 (plus a millisecond clock), v8 vendor-defined. */
const UUID_RANDOM_BITS: Record<string, number> = { "4": 122, "7": 74 };

/** Characters of a class, smallest first: an id's alphabet is the smallest class holding all its characters. */
const CLASSES: { name: string; size: number; test: RegExp }[] = [
  { name: "decimal", size: 10, test: /^[0-9]*$/ },
  { name: "hex", size: 16, test: /^[0-9a-f]*$/ },
  { name: "HEX", size: 16, test: /^[0-9A-F]*$/ },
  { name: "base36", size: 36, test: /^[0-9a-z]*$/ },
  { name: "alphanumeric", size: 62, test: /^[0-9A-Za-z]*$/ },
  { name: "base64url", size: 64, test: /^[0-9A-Za-z_-]*$/ },
  { name: "base64", size: 64, test: /^[0-9A-Za-z+/=]*$/ },
  { name: "visible ASCII", size: 94, test: /^[\x21-\x7e]*$/ },
];

/**
 * A lower estimate of the random bits of ids drawn by one generator: a position counts when it took
 * at least half the distinct values `n` uniform draws from the alphabet would show (a clock's high
 * digits or a counter's prefix do not), each counting log2(alphabet size). Separators and fixed
 * characters count nothing.
 */
export function estimateRandomBits(ids: readonly string[]): { bits: number; alphabet: string; positions: number } {
  const joined = ids.join("").replace(/-/g, "");
  const cls = CLASSES.find((c) => c.test.test(joined)) ?? { name: "any", size: 256 };
  const n = ids.length;
  const expected = cls.size * (1 - ((cls.size - 1) / cls.size) ** n);
  const len = Math.min(...ids.map((id) => id.length));
  let positions = 0;
  for (let i = 0; i < len; i++) {
    const seen = new Set(ids.map((id) => id[i]));
    if (seen.size === 1 && seen.has("-")) continue;
    if (seen.size >= expected / 2) positions++;
  }
  return { bits: Math.round(positions * Math.log2(cls.size)), alphabet: cls.name, positions };
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The verdict on the session ids of `SESSION_SAMPLES` initializes (undefined: no id came back). */
export function analyzeSessionIds(samples: readonly (string | undefined)[]): {
  status: "pass" | "fail" | "not_applicable";
  detail: string;
  severity?: SecuritySeverity;
} {
  const ids = samples.filter((s): s is string => s !== undefined);
  if (ids.length === 0)
    return { status: "not_applicable", detail: `no session id in ${samples.length} initialize answers: a stateless server has none to guess` };
  const problems: { severity: SecuritySeverity; text: string }[] = [];
  if (ids.length < samples.length)
    problems.push({ severity: "low", text: `${samples.length - ids.length} of ${samples.length} initialize answers had no session id` });
  const invisible = ids.filter((id) => !/^[\x21-\x7e]+$/.test(id));
  if (invisible.length > 0)
    problems.push({
      severity: "medium",
      text: `${invisible.length} ids hold characters outside visible ASCII 0x21-0x7E (spec: MUST), e.g. ${JSON.stringify(printable(invisible[0]!))}`,
    });
  const distinct = new Set(ids).size;
  if (distinct < ids.length) problems.push({ severity: "high", text: `only ${distinct} distinct ids in ${ids.length} sessions: ids are reused` });
  const uuids = ids.map((id) => UUID.exec(id)?.[1]);
  const allUuid = uuids.every((v) => v !== undefined);
  const versions = [...new Set(uuids)];
  const estimate = estimateRandomBits(ids);
  let bits = estimate.bits;
  let how = `estimated ${estimate.bits} random bits (${estimate.positions} varying ${estimate.alphabet} positions over ${ids.length} ids)`;
  if (allUuid) {
    const known = versions.map((v) => UUID_RANDOM_BITS[v!]);
    if (known.every((b) => b !== undefined)) {
      bits = Math.min(...(known as number[]));
      how = `UUID version ${versions.join("/")}: ${bits} random bits by RFC 9562 (${how})`;
    } else {
      // Time- or name-based UUIDs (v1, v3, v5, v6): whatever varies is a clock or a hash of a known name.
      bits = Math.min(bits, 0);
      how = `UUID version ${versions.join("/")}: time- or name-based, not random (RFC 9562)`;
    }
  }
  if (bits < MIN_SESSION_ID_BITS)
    problems.push({ severity: "high", text: `guessable: ${how}, below the ${MIN_SESSION_ID_BITS} bits OWASP asks of a session id` });
  const len = Math.min(...ids.map((id) => id.length));
  const sequential = ids.slice(1).filter((id, i) => commonPrefix(ids[i]!, id) >= Math.max(1, len - 4)).length;
  if (ids.length > 2 && sequential >= (ids.length - 1) / 2)
    problems.push({
      severity: "high",
      text: `in sequence: ${sequential} of ${ids.length - 1} consecutive ids differ only in their last 4 characters or fewer`,
    });
  const sample = `e.g. ${ids
    .slice(0, 2)
    .map((id) => JSON.stringify(printable(id)))
    .join(", ")}`;
  if (problems.length === 0) return { status: "pass", detail: `${ids.length} distinct session ids, ${how}, no sequence (${sample})` };
  const order: SecuritySeverity[] = ["critical", "high", "medium", "low", "info"];
  const severity = order.find((s) => problems.some((p) => p.severity === s))!;
  return { status: "fail", severity, detail: `${problems.map((p) => p.text).join("; ")} (${sample})` };
}

async function probeSessionIds(url: string, label: string, samples: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const ids: (string | undefined)[] = [];
  let failures = 0;
  let lastError = "";
  const deadline = performance.now() + SESSION_PROBE_MS;
  for (let i = 0; i < samples; i++) {
    if (signal?.aborted) throw signal.reason;
    if (performance.now() > deadline) {
      lastError = `the probe's ${SESSION_PROBE_MS / 1000} s were up`;
      break;
    }
    const a = await sendRaw(url, { body: initializeBody("mcp-slo-scan-sessions") }).catch((err: Error) => err);
    if (a instanceof Error || a.status !== 200) {
      failures++;
      lastError = a instanceof Error ? a.message : `HTTP ${a.status}`;
      // A server that stops answering is not sampled to the end: a few failures say enough.
      if (failures >= 3) break;
      continue;
    }
    const id = sessionIdOf(a);
    ids.push(id);
    if (id !== undefined) await endSession(url, id);
  }
  if (ids.length < Math.min(samples, 10))
    return outcome(
      `${label}.session-ids`,
      "not_measured",
      `not measured: only ${ids.length} of ${samples} initialize requests were answered (last: ${lastError})`,
    );
  const v = analyzeSessionIds(ids);
  if (v.status !== "fail") return outcome(`${label}.session-ids`, v.status, v.detail);
  return outcome(`${label}.session-ids`, "fail", v.detail, {
    ruleId: `probe.${label}.session-ids`,
    severity: v.severity ?? "high",
    title: "Guessable or malformed session ids",
    message: `Session ids of ${ids.length} sessions: ${v.detail}. Whoever guesses a live session id can act in that session (session hijacking).`,
    evidence: v.detail,
    reproduce: `${curl(url, {})} (repeat, compare the Mcp-Session-Id headers)`,
    source: `${PRACTICES_SPEC} (Session Hijacking: secure, non-deterministic session ids); ${TRANSPORTS_SPEC.replace(", Security Warning", "")} (Session Management)`,
  });
}

// ---------------------------------------------------------------------------------------------
// Entry points

export interface HttpProbeOptions {
  def: ServerDefinition;
  /** The server's endpoint as startHttpEndpoints started it (native, or the bridge for a stdio server). */
  endpoint: HttpEndpoint;
  /** The stack's endpoints (to start the one extra instance the bind probe needs). */
  endpoints: StackEndpoints;
  registry: ResourceRegistry;
  signal?: AbortSignal;
  /** Sessions opened to judge ids; default SESSION_SAMPLES. */
  sessions?: number;
  /** Deadline of the bind probe's extra instance to call listen(); default 20 s. */
  timeoutMs?: number;
}

/** The probe.http outcomes of one server: four for a server with its own HTTP endpoint, one not_applicable for a bridged stdio server. */
export async function probeHttp(opts: HttpProbeOptions): Promise<ProbeOutcome[]> {
  if (opts.endpoint.kind === "bridge") {
    return [
      outcome(
        "http",
        "not_applicable",
        `${opts.def.name} speaks stdio only: its HTTP endpoint is the harness's bridge (src/stack/http-bridge.ts), the harness's code, not the server's (probeBridge reports on it apart)`,
      ),
    ];
  }
  const url = opts.endpoint.directUrl;
  const out: ProbeOutcome[] = [];
  const step = async (f: () => Promise<Outcome | Outcome[]>) => {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const r = await f();
    out.push(...(Array.isArray(r) ? r : [r]));
  };
  await step(() => probeForeignHeaders(url, "http"));
  await step(() => probeBind(opts.def, opts.endpoint, opts.endpoints, opts.registry, opts.timeoutMs ?? 20_000));
  await step(() => probeSessionIds(url, "http", opts.sessions ?? SESSION_SAMPLES, opts.signal));
  return out;
}

/**
 * The same Origin, Host and session-id probes against the harness's own bridge in front of a stdio
 * server: for the harness's report, NEVER the server's score. `sessions` is small by default: each
 * bridge session is a server process.
 */
export async function probeBridge(endpoint: HttpEndpoint, opts: { sessions?: number; signal?: AbortSignal } = {}): Promise<ProbeOutcome[]> {
  if (endpoint.kind !== "bridge") throw new Error(`probeBridge: ${endpoint.server}'s endpoint is not the harness's bridge`);
  const out: ProbeOutcome[] = [...(await probeForeignHeaders(endpoint.directUrl, "bridge"))];
  if (opts.signal?.aborted) throw opts.signal.reason;
  out.push(await probeSessionIds(endpoint.directUrl, "bridge", opts.sessions ?? 12, opts.signal));
  return out;
}
