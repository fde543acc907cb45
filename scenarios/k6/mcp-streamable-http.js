// k6 script: MCP tool calls over Streamable HTTP, the load of a mcp-slo-harness scenario.
//
// The harness runs it with `driver: k6` (src/drivers/k6-driver.ts); the k6 operator runs the same
// file unchanged (deploy/k6-operator/testrun.yaml). Everything scenario-specific comes from
// environment variables holding JSON:
//
//   MCP_SLO_URLS             {"redis": "http://127.0.0.1:41234/mcp", ...}   server -> MCP endpoint
//   MCP_SLO_MIX              [{"server": "redis", "tool": "get", "weight": 3, "args": {"key": "k:{{agent}}"}}, ...]
//   MCP_SLO_CALL_TIMEOUT_MS  5000            a call without an answer by then is a timeout
//   MCP_SLO_START_TIMEOUT_MS 30000           opening a session (initialize) may take this long
//   MCP_SLO_SCENARIO         a k6 scenario (executor, vus, duration, rate, ...) named "mcp"
//   MCP_SLO_THRESHOLDS       k6 thresholds mirroring the scenario's SLOs (optional)
//   MCP_SLO_THINK_TIME_MS    closed model: pause after each call (default 0)
//   MCP_SLO_RUN_ID, MCP_SLO_SEED, MCP_SLO_SANDBOX   for {{run}}, the random choices, {{sandbox}}
//   MCP_SLO_PROTOCOL_VERSION the MCP protocol version initialize asks for (default 2025-11-25)
//   MCP_SLO_START_GATE       (the harness only) a URL setup() waits at, once the sessions are open,
//                            until the harness answers it: the moment its measurement window opens
//
// Each VU is one agent: setup() opens one MCP session per agent to each server of the mix
// (initialize, then notifications/initialized) before the clock starts, and each iteration sends
// one tools/call, picked from the mix by weight, with arguments from the templates. VUs beyond the
// initial ones (open model) share the agents' sessions; a lost session is opened again.
//
// Split over several k6 instances (the k6 operator's `parallelism`: each runner gets
// --execution-segment and --execution-segment-sequence), every instance runs setup() itself, so
// setup() opens sessions only for the agents whose VUs this instance runs (its execution segment),
// not for the whole test's: 4 runners of 64 agents open 64 sessions per server between them, not 256.
//
// Remote writing (K6_PROMETHEUS_RW_SERVER_URL set), the run must carry a unique `testid` tag
// (--tag testid=...): two runs writing series with the same labels collide in Prometheus (samples
// rejected as out of order, an earlier run's last value taken as this run's start), and
// `mcp-slo evaluate` can then only say the counts are broken. setup() refuses to start without one,
// or with the manifest's placeholder (deploy/k6-operator/testrun.yaml).
// Metrics, each tagged server, tool (and outcome):
//   mcp_call_duration  Trend, ms: the call's latency (a timeout counts at its deadline); failed
//                      calls also carry mcp_error, a short reason
//   mcp_calls          Counter: calls, by outcome ok | error | timeout
//   checks             Rate: the call was ok
//   mcp_sessions       Counter: sessions opened, tagged with the session id (so they can be ended)
//   mcp_start_gate     Counter (the harness only): one point, added by setup() the moment the start
//                      gate answered; its time is k6's own time of the window's t0, so the harness
//                      maps every point's time from it without crossing clocks
import http from "k6/http";
import { check, sleep } from "k6";
import exec from "k6/execution";
import { Counter, Trend } from "k6/metrics";

// The MCP protocol version asked for at initialize. The harness hands over its own (the SDK's
// LATEST_PROTOCOL_VERSION, as its other drivers send): a server may answer versions differently (the
// reference server's 2025-11-25 answer waits on a timer before its first byte), and drivers that
// asked for different versions would measure different server paths. The default is the same version.
const PROTOCOL_VERSION = __ENV.MCP_SLO_PROTOCOL_VERSION || "2025-11-25";
const REQUEST_TIMEOUT_CODE = 1050; // k6's error_code for a request that hit its timeout

function envJson(name, fallback) {
  const text = __ENV[name];
  if (text === undefined || text === "") {
    if (fallback !== undefined) return fallback;
    throw new Error(`environment variable ${name} (JSON) is required`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`environment variable ${name} is not valid JSON: ${e}`);
  }
}

const URLS = envJson("MCP_SLO_URLS");
const MIX = envJson("MCP_SLO_MIX");
const CALL_TIMEOUT_MS = Number(__ENV.MCP_SLO_CALL_TIMEOUT_MS || 5000);
const START_TIMEOUT_MS = Number(__ENV.MCP_SLO_START_TIMEOUT_MS || 30000);
const RUN_ID = __ENV.MCP_SLO_RUN_ID || "k6";
const SEED = Number(__ENV.MCP_SLO_SEED || 1);
const SANDBOX = __ENV.MCP_SLO_SANDBOX || "";
const THINK_TIME_MS = Number(__ENV.MCP_SLO_THINK_TIME_MS || 0);

const SCENARIO = envJson("MCP_SLO_SCENARIO", { executor: "constant-vus", vus: 1, duration: "10s" });

export const options = {
  scenarios: { mcp: SCENARIO },
  thresholds: envJson("MCP_SLO_THRESHOLDS", {}),
  // Sub-millisecond latencies matter (Redis through MCP is ~1 ms): keep the summary precise.
  summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"],
  // Behind the harness's start gate, setup() also waits for the harness's t0 (its steady-state check
  // before the window): the harness bounds that wait itself, and stops k6 if it gives up.
  setupTimeout: __ENV.MCP_SLO_START_GATE ? "1h" : "120s",
  // setup() opens every agent's sessions with http.batch: all at once, not 6 per host.
  batch: 100,
  batchPerHost: 100,
  teardownTimeout: "30s",
};

const callDuration = new Trend("mcp_call_duration", true);
const calls = new Counter("mcp_calls");
const sessionsOpened = new Counter("mcp_sessions");
const startGatePassed = new Counter("mcp_start_gate");

// ---- randomness and argument templates (the harness's placeholders, src/workloads/template.ts) ----

// The same generator as src/util/random.ts, copied because k6's JavaScript runtime cannot import
// the harness's TypeScript; keep the two in step so a seed means the same choices in both.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(rng) {
  const hex = [];
  for (let i = 0; i < 16; i++) hex.push(Math.floor(rng() * 256));
  hex[6] = (hex[6] & 0x0f) | 0x40;
  hex[8] = (hex[8] & 0x3f) | 0x80;
  const h = hex.map((b) => (b < 16 ? "0" : "") + b.toString(16)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function zipfSampler(n, s) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += 1 / Math.pow(k, s);
    cdf[k - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  return (rng) => {
    const u = rng();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

function compilePlaceholder(expr) {
  const parts = expr.split(/\s+/);
  const name = parts[0];
  const params = parts.slice(1);
  switch (name) {
    case "agent":
      return (c) => c.agent;
    case "seq":
      return (c) => c.seq;
    case "run":
      return () => RUN_ID;
    case "sandbox":
      return () => SANDBOX;
    case "now":
      return () => Date.now();
    case "uuid":
      return (c) => uuid(c.rng);
    case "rand": {
      const lo = Number(params[0]);
      const hi = Number(params[1]);
      return (c) => lo + Math.floor(c.rng() * (hi - lo + 1));
    }
    case "zipf": {
      const sample = zipfSampler(Number(params[0]), params[1] === undefined ? 1 : Number(params[1]));
      return (c) => sample(c.rng);
    }
    case "pick": {
      const choices = params.join(" ").split("|");
      return (c) => choices[Math.floor(c.rng() * choices.length)];
    }
    default:
      throw new Error(`unknown placeholder {{${expr}}}`);
  }
}

function compileString(text) {
  const pieces = [];
  let last = 0;
  PLACEHOLDER.lastIndex = 0;
  for (let m = PLACEHOLDER.exec(text); m !== null; m = PLACEHOLDER.exec(text)) {
    if (m.index > last) pieces.push(text.slice(last, m.index));
    pieces.push(compilePlaceholder(m[1]));
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  if (pieces.length === 0) return () => "";
  // A value that is exactly one placeholder keeps its type (a number stays a number).
  if (pieces.length === 1) return typeof pieces[0] === "string" ? () => pieces[0] : pieces[0];
  return (c) => pieces.map((p) => (typeof p === "string" ? p : String(p(c)))).join("");
}

function compileTemplate(value) {
  if (typeof value === "string") return compileString(value);
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate);
    return (c) => items.map((f) => f(c));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).map((k) => [k, compileTemplate(value[k])]);
    return (c) => {
      const out = {};
      for (const [k, f] of entries) out[k] = f(c);
      return out;
    };
  }
  return () => value;
}

const CALLS = MIX.map((c) => ({ server: c.server, tool: c.tool, weight: c.weight, args: compileTemplate(c.args || {}) }));
const TOTAL_WEIGHT = CALLS.reduce((a, c) => a + c.weight, 0);
const CUMULATIVE = (() => {
  let sum = 0;
  return CALLS.map((c) => (sum += c.weight / TOTAL_WEIGHT));
})();

function pickCall(rng) {
  const u = rng();
  for (let i = 0; i < CUMULATIVE.length; i++) if (u < CUMULATIVE[i]) return CALLS[i];
  return CALLS[CALLS.length - 1];
}

// ---- MCP over Streamable HTTP ----

/**
 * The JSON-RPC message answering `id` in a JSON or SSE (`event: message\ndata: {...}`) body.
 * SSE parsed by hand here: k6 runs this file in its own JavaScript runtime, which loads no npm
 * package (the harness's drivers use eventsource-parser).
 */
export function parseAnswer(body, contentType, id) {
  if (typeof body !== "string" || body === "") return undefined;
  if (!String(contentType || "").includes("text/event-stream")) {
    const msg = JSON.parse(body);
    if (Array.isArray(msg)) return msg.find((m) => m && m.id === id);
    return msg;
  }
  let data = [];
  const events = [];
  for (const line of body.split(/\r?\n/)) {
    if (line === "") {
      if (data.length) events.push(data.join("\n"));
      data = [];
    } else if (line.startsWith("data:")) data.push(line.slice(line.charAt(5) === " " ? 6 : 5));
  }
  if (data.length) events.push(data.join("\n"));
  let last;
  for (const e of events) {
    try {
      const msg = JSON.parse(e);
      if (msg && msg.id === id) return msg;
      last = msg;
    } catch (_) {
      /* not JSON: a comment or keep-alive */
    }
  }
  return last && (last.result !== undefined || last.error !== undefined) ? last : undefined;
}

// Per VU (each VU has its own copy of these module variables).
let rng;
let agent;
let nextId = 1;
const sessions = {}; // server -> { id, protocol }

function baseHeaders(session) {
  const h = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
  if (session) {
    if (session.id) h["Mcp-Session-Id"] = session.id;
    h["MCP-Protocol-Version"] = session.protocol;
  }
  return h;
}

function initializeRequest(server, forAgent, id) {
  return {
    method: "POST",
    url: URLS[server],
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "mcp-slo-k6", version: "1.0.0" } },
    }),
    params: {
      headers: Object.assign(baseHeaders(), { "x-mcp-slo-agent": String(forAgent) }),
      timeout: `${START_TIMEOUT_MS}ms`,
      tags: { server, mcp_method: "initialize" },
    },
  };
}

/** The session an initialize answer opened, or an error message. */
function sessionFrom(res, id) {
  if (res.status !== 200) return `initialize: ${res.error || `HTTP ${res.status}`}`;
  let msg;
  try {
    msg = parseAnswer(res.body, res.headers["Content-Type"], id);
  } catch (e) {
    return `initialize: unreadable answer: ${e}`;
  }
  if (!msg || msg.error) return `initialize: ${msg && msg.error ? msg.error.message : "no answer"}`;
  return { id: res.headers["Mcp-Session-Id"], protocol: (msg.result && msg.result.protocolVersion) || PROTOCOL_VERSION };
}

function initializedRequest(server, session) {
  return {
    method: "POST",
    url: URLS[server],
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    params: { headers: baseHeaders(session), timeout: `${START_TIMEOUT_MS}ms`, tags: { server, mcp_method: "notifications/initialized" } },
  };
}

/**
 * Opens sessions for the given agents to every server of the mix, all at once (http.batch), before
 * the scenario's clock starts: a server that takes seconds to start a session (the harness's
 * stdio bridge starts one child per session) then does not eat into the measured load.
 * Returns agent -> server -> session; a session that failed to open is left out (its VU retries).
 */
function openSessions(agents) {
  const servers = Object.keys(URLS).filter((srv) => CALLS.some((c) => c.server === srv));
  const pairs = [];
  for (const a of agents) for (const server of servers) pairs.push({ agent: a, server, id: nextId++ });
  const out = {};
  for (const a of agents) out[a] = {};
  if (pairs.length === 0) return out;
  const answers = http.batch(pairs.map((p) => initializeRequest(p.server, p.agent, p.id)));
  const opened = [];
  pairs.forEach((p, i) => {
    const session = sessionFrom(answers[i], p.id);
    if (typeof session === "string") console.warn(`agent ${p.agent}, ${p.server}: ${session}`);
    else opened.push(Object.assign({ session }, p));
  });
  if (opened.length === 0) return out;
  const notes = http.batch(opened.map((p) => initializedRequest(p.server, p.session)));
  opened.forEach((p, i) => {
    if (notes[i].status >= 300) return;
    sessionsOpened.add(1, { server: p.server, session: p.session.id || "" });
    out[p.agent][p.server] = p.session;
  });
  return out;
}

/** Opens this VU's session to `server` (when setup's did not exist or was lost); returns it, or an error message. */
function openSession(server) {
  if (!URLS[server]) return `no URL for server "${server}" in MCP_SLO_URLS`;
  const id = nextId++;
  const req = initializeRequest(server, agent, id);
  const session = sessionFrom(http.post(req.url, req.body, req.params), id);
  if (typeof session === "string") return session;
  const note = initializedRequest(server, session);
  const res = http.post(note.url, note.body, note.params);
  if (res.status >= 300) return `notifications/initialized: ${res.error || `HTTP ${res.status}`}`;
  sessionsOpened.add(1, { server, session: session.id || "" });
  sessions[server] = session;
  return session;
}

/**
 * VUs the scenario starts with, over the whole test (all instances): agents 0..n-1. A ramping-vus
 * scenario (a load shape of the closed model) initializes as many as its highest stage, and each of
 * them is an agent whose sessions setup() opens before the start gate.
 */
function initialVus() {
  if (SCENARIO.executor === "ramping-vus") return Math.max(1, Number(SCENARIO.startVUs || 0), ...(SCENARIO.stages || []).map((s) => Number(s.target) || 0));
  return Math.max(1, Number(SCENARIO.vus || SCENARIO.preAllocatedVUs || 1));
}

// ---- execution segments: which agents this instance runs ----

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** k6 gives segments back in its canonical form ("0", "1", "1/4"): [numerator, denominator], reduced. */
function ratio(text) {
  const [n, d = "1"] = String(text).split("/");
  const num = Number(n);
  const den = Number(d);
  if (!Number.isInteger(num) || !Number.isInteger(den) || den <= 0) throw new Error(`unexpected execution segment value ${JSON.stringify(text)}`);
  const g = gcd(num, den) || 1;
  return [num / g, den / g];
}

const sameRatio = (a, b) => a[0] * b[1] === b[0] * a[1];

/**
 * Which positions of each LCD-long cycle of VUs the instance's segment owns: a copy of k6's striping
 * (lib/execution_segment.go, NewExecutionSegmentSequenceWrapper, k6 v1.4.2), because k6 tells the
 * script its segment and sequence (exec.test.options) but not which global VU ids they give it.
 * Returns { owned: boolean[lcd] }; checked against exec.vu.idInTest by the harness's tests.
 */
export function segmentStripes(segmentText, sequenceText) {
  if (!segmentText) return { owned: [true] };
  const segment = segmentText.split(":").map(ratio);
  const points = sequenceText ? sequenceText.split(",").map(ratio) : segment.slice();
  if (!sameRatio(points[0], [0, 1])) points.unshift([0, 1]);
  if (!sameRatio(points[points.length - 1], [1, 1])) points.push([1, 1]);
  const lengths = [];
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const num = b[0] * a[1] - a[0] * b[1];
    const den = a[1] * b[1];
    const g = gcd(num, den) || 1;
    lengths.push([num / g, den / g]);
  }
  const lcd = lengths.reduce((l, [, den]) => (l * den) / gcd(l, den), 1);
  const sorted = lengths.map(([num, den], index) => ({ norm: num * (lcd / den), index })).sort((x, y) => y.norm - x.norm); // Array.prototype.sort is stable, as Go's sort.SliceStable
  const mine = points.findIndex((p, i) => i + 1 < points.length && sameRatio(p, segment[0]) && sameRatio(points[i + 1], segment[1]));
  if (mine < 0) throw new Error(`execution segment ${segmentText} is not part of the sequence ${sequenceText}`);
  const chosen = sorted.map(() => 0);
  const owned = new Array(lcd).fill(false);
  for (let i = 0; i < lcd; i++) {
    for (let s = 0; s < sorted.length; s++) {
      const num = chosen[s] * lcd;
      const den = sorted[s].norm;
      const q = Math.floor(num / den);
      if (i > q || (i === q && num % den === 0)) {
        chosen[s]++;
        owned[i] = sorted[s].index === mine;
        break;
      }
    }
  }
  return { owned };
}

/** The first `count` global VU ids (1-based, exec.vu.idInTest) of the segment. */
export function segmentVuIds(segmentText, sequenceText, count) {
  const { owned } = segmentStripes(segmentText, sequenceText);
  const ids = [];
  // Bounded: each cycle of owned.length positions holds at least one owned position.
  for (let i = 0; ids.length < count && i < count * owned.length; i++) if (owned[i % owned.length]) ids.push(i + 1);
  return ids;
}

/** The testid a remote-writing run must carry; undefined when it has a usable one. */
function testIdProblem(tags) {
  if (!__ENV.K6_PROMETHEUS_RW_SERVER_URL) return undefined;
  const id = tags && tags.testid;
  if (!id) return "no testid tag: give every run a unique one (k6 run --tag testid=<unique>), so its series never share labels with another run's";
  if (/^@.*@$/.test(id)) return `testid is still the placeholder ${id}: substitute a unique value (README, "Beyond one machine")`;
  return undefined;
}

export function setup() {
  const options = exec.test.options;
  const problem = testIdProblem(options.tags);
  // The URL itself is not quoted: it may carry credentials.
  if (problem) throw new Error(`remote writing (K6_PROMETHEUS_RW_SERVER_URL is set) with ${problem}`);
  // This instance's share of the agents: the global ids of the VUs it initialized (all of them
  // without segments). The VUs beyond the initial ones (open model) get ids after these.
  const n = initialVus();
  const mine = segmentVuIds(options.executionSegment, options.executionSegmentSequence, exec.instance.vusInitialized)
    .map((id) => id - 1)
    .filter((agent) => agent < n);
  const data = { agents: n, sessions: openSessions(mine) };
  waitAtStartGate();
  return data;
}

/**
 * Run by the harness, k6 waits here with every session open until the harness opens its measurement
 * window: the load starts at the harness's t0, the one its fault timeline runs on, and k6's own
 * start-up is never part of the window.
 */
function waitAtStartGate() {
  const gate = __ENV.MCP_SLO_START_GATE;
  if (!gate) return;
  const res = http.get(gate, { timeout: "1h", tags: { mcp_method: "start-gate" } });
  if (res.status !== 200) throw new Error(`the harness did not open its measurement window (start gate: ${res.error || `HTTP ${res.status}`})`);
  // Right after the answer, before any VU starts: this point's time is when the load may begin, on
  // the same (k6's) clock as every call's point, which the harness maps onto its own from here.
  startGatePassed.add(1);
}

/** Ends the sessions setup() opened (k6 has no per-VU teardown; the harness ends the others). */
export function teardown(data) {
  const reqs = [];
  const opened = (data && data.sessions) || {};
  for (const agent of Object.keys(opened)) {
    const byServer = opened[agent];
    for (const server of Object.keys(byServer)) {
      const session = byServer[server];
      if (session.id)
        reqs.push({ method: "DELETE", url: URLS[server], params: { headers: baseHeaders(session), timeout: "2s", tags: { server, mcp_method: "delete" } } });
    }
  }
  if (reqs.length) http.batch(reqs);
}

export default function (data) {
  mcpCall(data);
  if (THINK_TIME_MS > 0) sleep(THINK_TIME_MS / 1000);
}

function mcpCall(data) {
  if (rng === undefined) {
    // VU ids are unique across the instances of a distributed (k6 operator) test too: a VU of the
    // initial ones is agent idInTest - 1, whose sessions this instance's setup() opened. VUs the
    // open model adds beyond them share this instance's agents' sessions, as the harness's own
    // driver sends many calls in flight over the agents' sessions.
    const opened = (data && data.sessions) || {};
    const mine = Object.keys(opened)
      .map(Number)
      .sort((a, b) => a - b);
    const id = exec.vu.idInTest;
    agent = id - 1;
    if (opened[agent] === undefined && mine.length > 0 && id > ((data && data.agents) || 0)) agent = mine[(id - 1) % mine.length];
    if (opened[agent]) Object.assign(sessions, opened[agent]);
    // The same per-agent seed as the harness's own driver (src/workloads/mix.ts).
    rng = mulberry32(SEED * 1000003 + agent);
  }
  const call = pickCall(rng);
  const args = call.args({ agent, seq: __ITER, rng });
  const tags = { server: call.server, tool: call.tool };

  let session = sessions[call.server];
  if (session === undefined) {
    const opened = openSession(call.server);
    if (typeof opened === "string") {
      record(tags, "error", 0, opened);
      return;
    }
    session = opened;
  }

  const id = nextId++;
  const res = http.post(URLS[call.server], JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: call.tool, arguments: args } }), {
    headers: baseHeaders(session),
    timeout: `${CALL_TIMEOUT_MS}ms`,
    tags: Object.assign({ mcp_method: "tools/call" }, tags),
  });
  const t = res.timings;
  // From asking for a connection to the answer's last byte. k6's `blocked` (getConn to gotConn,
  // lib/netext/httpext/tracer.go in k6 v1.4.2) already holds a new connection's connecting and TLS
  // handshake: adding them again made a VU's first call longer than it was, and so start before it did.
  const ms = t.blocked + t.sending + t.waiting + t.receiving;
  if (res.error_code === REQUEST_TIMEOUT_CODE) {
    record(tags, "timeout", CALL_TIMEOUT_MS, `no answer within ${CALL_TIMEOUT_MS} ms`);
    return;
  }
  if (res.status !== 200) {
    // 404: the server forgot the session; open a new one next time.
    if (res.status === 404) delete sessions[call.server];
    record(tags, "error", ms, res.status === 0 ? `k6: ${res.error}` : `HTTP ${res.status}`);
    return;
  }
  let msg;
  try {
    msg = parseAnswer(res.body, res.headers["Content-Type"], id);
  } catch (_unreadable) {
    record(tags, "error", ms, "unreadable answer");
    return;
  }
  if (!msg) record(tags, "error", ms, "no JSON-RPC answer");
  else if (msg.error) record(tags, "error", ms, `MCP error ${msg.error.code}: ${String(msg.error.message).slice(0, 120)}`);
  else if (msg.result && msg.result.isError === true) {
    const text = (msg.result.content || [])
      .filter((c) => c.type === "text")
      .map((c) => c.text)
      .join("\n");
    record(tags, "error", ms, `tool error: ${text.slice(0, 120) || "(no text)"}`);
  } else record(tags, "ok", ms);
}

function record(tags, outcome, ms, error) {
  const withOutcome = Object.assign({ outcome }, tags);
  callDuration.add(ms, error === undefined ? withOutcome : Object.assign({ mcp_error: error }, withOutcome));
  calls.add(1, withOutcome);
  check(outcome, { "call ok": (o) => o === "ok" }, tags);
}
