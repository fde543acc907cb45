/**
 * What counts as loopback, in one place: every listener the harness opens (the metrics exporter, the
 * HTTP bridge, the stand-ins) and every hop it routes must agree, or one of them lets a private
 * stack out onto the network.
 */
import { isIP } from "node:net";

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x) and "localhost", with or without brackets. "0.0.0.0" and "::" are every interface: not loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(h);
  return false;
}

/** The host of a "host:port" address ("127.0.0.1:6379", "[::1]:8080", "redis:6379") is loopback. */
export function isLoopbackAddress(hostPort: string): boolean {
  return isLoopbackHost(hostPort.replace(/:\d+$/, ""));
}
