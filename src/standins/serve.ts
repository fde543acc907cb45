/**
 * Serves a stand-in API (src/standins/api.ts) over HTTP on loopback, with the behaviour a nightly
 * run wants to dial in: a latency distribution (log-normal from a median and a p95, the usual
 * shape of a SaaS API's response times) and an error rate, both drawn from a seeded RNG so a run
 * repeats. It counts what it answered, so the report can say how many upstream calls a scenario
 * made and whether any went unanswered (a route the stand-in does not know is logged once and
 * answered 404: an MCP server calling something new shows up instead of hiding).
 *
 * Written on node:http rather than a framework: the whole job is one request handler with a
 * delay in front, and it runs in its own process beside load tests, where a lean handler matters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seededRng, type Rng } from "../util/random.js";
import type { StandInStats } from "../stack/started.js";
import type { StandInApi, StandInRequest, StandInResponse, StandInRoute } from "./api.js";

export interface StandInBehaviour {
  /** Added response time: log-normal with this median and 95th percentile (ms). Omitted: none. */
  latency?: { medianMs: number; p95Ms: number };
  /** Share of requests (0..1) answered with `errorStatus` instead of the route's answer. */
  errorRate?: number;
  /** Default 503: what an overloaded SaaS front end says. */
  errorStatus?: number;
  /**
   * Injected errors quote the request's credentials back (Authorization and any token or key
   * header), as a careless upstream or proxy might. Only for the canary-token test: it makes a
   * token flow into error messages, so the test can prove the harness redacts it everywhere.
   */
  reflectCredentials?: boolean;
  seed?: number;
}

/** The line the stand-in process prints on stdout once listening, followed by JSON (src/standins/main.ts). */
export const READY_PREFIX = "MCP-SLO-STANDIN ";

/** Requests under this prefix are the harness's, never the API's. */
export const CONTROL_PREFIX = "/__standin";

interface CompiledRoute {
  route: StandInRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: StandInRoute): CompiledRoute {
  const names: string[] = [];
  const body = route.path
    .split("/")
    .map((segment) => {
      if (segment === "*") {
        names.push("*");
        return "(.*)";
      }
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      return segment.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { route, pattern: new RegExp(`^${body}/?$`), names };
}

/** Standard normal by Box-Muller (one draw per call; the second value is not worth keeping). */
function normal(rng: Rng): number {
  const u = Math.max(rng(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A log-normal sampler from median and p95: mu = ln(median), sigma = (ln(p95) - mu) / z(0.95). */
export function logNormalSampler(medianMs: number, p95Ms: number, rng: Rng): () => number {
  if (!(medianMs > 0) || !(p95Ms >= medianMs)) throw new Error(`stand-in latency: expected 0 < median <= p95, got median ${medianMs} ms, p95 ${p95Ms} ms`);
  const mu = Math.log(medianMs);
  const sigma = (Math.log(p95Ms) - mu) / 1.6448536;
  return () => Math.exp(mu + sigma * normal(rng));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text && /json/i.test(req.headers["content-type"] ?? "")) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function send(res: ServerResponse, answer: StandInResponse, method: string): void {
  const status = answer.status ?? 200;
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string | Buffer | undefined;
  if (answer.body === undefined) payload = undefined;
  else if (typeof answer.body === "string" || Buffer.isBuffer(answer.body)) payload = answer.body;
  else {
    payload = JSON.stringify(answer.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(status, headers);
  res.end(method === "HEAD" ? undefined : payload);
}

export function createStandInServer(
  api: StandInApi,
  behaviour: StandInBehaviour = {},
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): { server: Server; stats: () => StandInStats } {
  const routes = api.routes.map(compile);
  const rng = seededRng(behaviour.seed ?? 1);
  const delay = behaviour.latency ? logNormalSampler(behaviour.latency.medianMs, behaviour.latency.p95Ms, rng) : undefined;
  const errorRate = behaviour.errorRate ?? 0;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new Error(`stand-in error rate: expected a share between 0 and 1, got ${errorRate}`);
  const stats: StandInStats = { requests: 0, byStatus: {}, injectedErrors: 0, unmatched: [] };
  const basePath = (api.basePath ?? "").replace(/\/$/, "");

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === `${CONTROL_PREFIX}/stats`) return send(res, { body: stats }, method);
    stats.requests++;
    const answer = await answerFor(req, url, method);
    stats.byStatus[String(answer.status ?? 200)] = (stats.byStatus[String(answer.status ?? 200)] ?? 0) + 1;
    send(res, answer, method);
  };

  const answerFor = async (req: IncomingMessage, url: URL, method: string): Promise<StandInResponse> => {
    const body = await readBody(req);
    // Drawn before routing, so the sequence of delays does not depend on which routes were hit.
    const wait = delay?.() ?? 0;
    const fail = errorRate > 0 && rng() < errorRate;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (fail) {
      stats.injectedErrors++;
      const quoted = behaviour.reflectCredentials
        ? Object.entries(req.headers)
            .filter(([k]) => /authorization|token|key/i.test(k))
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join("; ")
        : "";
      return {
        status: behaviour.errorStatus ?? 503,
        body: { message: `stand-in: injected upstream error${quoted ? ` (request had ${quoted})` : ""}`, documentation_url: "mcp-slo-harness stand-in" },
      };
    }
    const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || "/" : url.pathname;
    for (const { route, pattern, names } of routes) {
      if (route.method !== "*" && route.method !== method && !(method === "HEAD" && route.method === "GET")) continue;
      const m = pattern.exec(path);
      if (!m) continue;
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
      const request: StandInRequest = { method, path, params, query: url.searchParams, headers: req.headers, body };
      try {
        return await route.respond(request);
      } catch (err) {
        log(`stand-in ${api.name}: route ${route.method} ${route.path} threw: ${(err as Error).message}`);
        return { status: 500, body: { message: `stand-in ${api.name}: ${(err as Error).message}` } };
      }
    }
    const key = `${method} ${url.pathname}`;
    if (!stats.unmatched.includes(key) && stats.unmatched.length < 50) {
      stats.unmatched.push(key);
      log(`stand-in ${api.name}: no route for ${key} (answered 404)`);
    }
    return { status: 404, body: { message: "Not Found", documentation_url: `stand-in ${api.name} has no route for ${key}` } };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`stand-in ${api.name}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, { status: 500, body: { message: "stand-in failure" } }, "GET");
      else res.destroy();
    });
  });
  // MCP servers keep connections alive; a generous keep-alive avoids reconnect noise in latency.
  server.keepAliveTimeout = 65_000;
  return { server, stats: () => stats };
}

/** Listens on host:port (0: a free port) and resolves with the bound port. */
export async function listenStandIn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
