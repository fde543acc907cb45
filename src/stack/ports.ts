/**
 * Loopback port helpers.
 *
 * `freeLoopbackPort()` asks the kernel for a free port by listening on 127.0.0.1:0 and closing
 * again. Between that close and the real server's bind another process may grab the port, so
 * starters wrap their work in `withPortRetry()`, which picks a new port and tries again — but only
 * when the failure really was "address in use" (see `isAddressInUse`); any other failure is
 * reported at once.
 */
import { createServer } from "node:net";

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freeLoopbackPort: listening socket has no TCP address"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * The error a starter throws when the server it launched could not bind its port. Starters
 * detect this from the server's own log (redis: "Address already in use", postgres: "could not
 * bind ... Address already in use") and throw this so `withPortRetry` can tell it apart.
 */
export class AddressInUseError extends Error {
  readonly code = "EADDRINUSE";
  constructor(
    message: string,
    readonly port: number,
  ) {
    super(message);
    this.name = "AddressInUseError";
  }
}

/** True for an error whose `code` is "EADDRINUSE" (our AddressInUseError or a Node socket error). */
export function isAddressInUse(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EADDRINUSE";
}

/** Matches the "address in use" wording of server logs (redis, postgres, most others). */
export const ADDRESS_IN_USE_LOG = /address already in use|EADDRINUSE/i;

/**
 * Calls `start(port)` with a fresh free port; when it fails with an address-in-use error
 * (`isAddressInUse`), tries again with another port, up to `attempts` times in all. Other errors
 * propagate immediately. The starter is responsible for cleaning up what a failed attempt started.
 */
export async function withPortRetry<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await start(port);
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * A server that did not become ready: stops it and throws an error naming it,
 * its port and its last log lines, or an AddressInUseError when its log says
 * the port was taken (so withPortRetry tries another).
 */
export async function failReadiness(readiness: {
  what: string;
  port: number;
  why: string;
  stop: () => Promise<void>;
  logTail: () => string[];
}): Promise<never> {
  await readiness.stop();
  const tail = readiness.logTail();
  const message = `${readiness.what} on 127.0.0.1:${readiness.port} ${readiness.why}${tail.length > 0 ? `; last log lines:\n  ${tail.join("\n  ")}` : "; it logged nothing"}`;
  if (tail.some((l) => ADDRESS_IN_USE_LOG.test(l))) throw new AddressInUseError(message, readiness.port);
  throw new Error(message);
}

/** How a process that should still be running went away: "could not be started: ..." or "exited (code 1)". */
export function describeGone(info: unknown, before: string): string {
  if (info instanceof Error) return `could not be started: ${info.message}`;
  const exit = info as { code: number | null; signal: string | null };
  return `exited (${exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`}) ${before}`;
}
