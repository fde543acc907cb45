/**
 * One stand-in API as a process of its own:
 *   node --import tsx src/standins/main.ts <api> [--host 127.0.0.1] [--port 0]
 *        [--latency-median MS --latency-p95 MS] [--error-rate SHARE] [--error-status CODE] [--seed N]
 *        [--reflect-credentials]  (the canary-token test only: errors quote the request's token)
 * A process rather than a server inside the harness: the stand-in's work (JSON, delays) must not
 * share an event loop with the load generator whose latencies it would then distort, and in the
 * container stack it is a service like any other.
 *
 * Prints one line `MCP-SLO-STANDIN {json}` on stdout once listening (the port, the API's title and
 * where its payloads come from); exits on SIGTERM/SIGINT after closing the server.
 */
import { parseArgs } from "node:util";
import { isLoopbackHost } from "../util/loopback.js";
import type { StandInApi } from "./api.js";
import { loadStandInApi, STAND_IN_APIS } from "./apis/index.js";
import { createStandInServer, listenStandIn, READY_PREFIX, type StandInBehaviour } from "./serve.js";

function fail(message: string): never {
  process.stderr.write(`stand-in: ${message}\n`);
  process.exit(2);
}

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name}: expected a number, found "${value}"`);
  return n;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    "latency-median": { type: "string" },
    "latency-p95": { type: "string" },
    "error-rate": { type: "string" },
    "error-status": { type: "string" },
    seed: { type: "string" },
    "reflect-credentials": { type: "boolean", default: false },
    // Containers listen on their own network namespace's 0.0.0.0 and publish on the host's loopback.
    "allow-non-loopback": { type: "boolean", default: false },
  },
});
const name = positionals[0];
if (!name) fail(`expected the API to stand in for (one of ${STAND_IN_APIS.join(", ")})`);
const host = values.host!;
if (!values["allow-non-loopback"] && !isLoopbackHost(host)) fail(`--host ${host}: stand-ins listen on loopback only (--allow-non-loopback is for containers)`);
const median = num("latency-median", values["latency-median"]);
const p95 = num("latency-p95", values["latency-p95"]);
if ((median === undefined) !== (p95 === undefined)) fail("--latency-median and --latency-p95 go together");
const errorRate = num("error-rate", values["error-rate"]);
const errorStatus = num("error-status", values["error-status"]);
const seed = num("seed", values.seed);
const behaviour: StandInBehaviour = {
  ...(median !== undefined && p95 !== undefined && { latency: { medianMs: median, p95Ms: p95 } }),
  ...(errorRate !== undefined && { errorRate }),
  ...(errorStatus !== undefined && { errorStatus }),
  ...(seed !== undefined && { seed }),
  ...(values["reflect-credentials"] && { reflectCredentials: true }),
};

let api: StandInApi;
try {
  api = await loadStandInApi(name);
} catch (err) {
  fail((err as Error).message);
}
const { server } = createStandInServer(api, behaviour);
const port = await listenStandIn(server, host, num("port", values.port) ?? 0);
process.stdout.write(`${READY_PREFIX}${JSON.stringify({ api: api.name, port, title: api.title, payloads: api.payloads })}\n`);
const close = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  // Bounded: an in-flight delayed answer must not hold the process past its stop.
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGTERM", close);
process.on("SIGINT", close);
