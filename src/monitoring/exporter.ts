/**
 * Serves McpMetrics at /metrics for Prometheus. Loopback only unless the
 * caller explicitly allows another address: the metrics name servers, tools
 * and error texts of a private stack, and the exporter has no authentication.
 */
import { createServer, type Server } from "node:http";
import { HarnessError } from "../errors.js";
import { isLoopbackHost } from "../util/loopback.js";
import type { McpMetrics } from "./metrics.js";

export const DEFAULT_METRICS_HOST = "127.0.0.1";
export const DEFAULT_METRICS_PORT = 9464;

export interface ExporterListenOptions {
  host: string;
  port: number;
  /** Without it a non-loopback host is refused. */
  allowNonLoopback: boolean;
}

export interface MetricsExporter {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Throws the CLI's invalid-input error (exit 2) for a non-loopback host not explicitly allowed. */
export function checkListenAddress(opts: ExporterListenOptions, flag = "--host"): void {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new HarnessError("invalid_input", `metrics port must be an integer 0..65535, got ${opts.port}`);
  }
  if (!opts.allowNonLoopback && !isLoopbackHost(opts.host)) {
    throw new HarnessError(
      "invalid_input",
      `refusing to serve metrics on ${opts.host}: it is not a loopback address, so anyone who can reach this machine could read them (there is no authentication)`,
      {
        hint: `use ${flag} 127.0.0.1 (the default), or add --allow-non-loopback if you really mean to expose them on ${opts.host}`,
      },
    );
  }
}

export async function startMetricsExporter(metrics: McpMetrics, opts: ExporterListenOptions): Promise<MetricsExporter> {
  checkListenAddress(opts);
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (url === "/metrics") {
      metrics.text().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`collecting metrics failed: ${String(err)}\n`),
      );
      return;
    }
    if (url === "/" || url === "/-/healthy") {
      res.writeHead(200, { "content-type": "text/plain" }).end("mcp-slo metrics exporter: GET /metrics\n");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at /metrics\n");
  });
  // A scrape must never keep the harness from exiting.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new HarnessError(
          err.code === "EADDRINUSE" || err.code === "EACCES" ? "invalid_input" : "environment",
          `cannot serve metrics on ${opts.host}:${opts.port}: ${err.code === "EADDRINUSE" ? "the port is in use" : err.message}`,
          {
            hint: err.code === "EADDRINUSE" ? "pick another port (--metrics-port / --port)" : undefined,
            cause: err,
          },
        ),
      );
    });
    server.listen({ host: opts.host, port: opts.port, exclusive: true }, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  const hostInUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostInUrl}:${port}/metrics`,
    host: opts.host,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
