/**
 * Preloaded (`node --require`) by the security scan's bind probe (src/security/http-probes.ts) AFTER
 * src/stack/loopback-only.cjs: it writes to stderr what address each TCP listen() of the server asked
 * for, as one line `mcp-slo-listen-request {"host":...,"port":...}` (host null: none given, i.e. every
 * interface), then hands the call on unchanged, so loopback-only.cjs still binds it to 127.0.0.1. The
 * probe learns whether the server would bind every interface without ever letting it do so.
 */
"use strict";
const net = require("node:net");
const listen = net.Server.prototype.listen;
const MARK = "mcp-slo-listen-request ";
const isPort = (v) => typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isInteger(Number(v)));
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  let asked;
  if (isPort(first)) asked = { host: typeof args[1] === "string" ? args[1] : null, port: Number(first) };
  else if (first !== null && typeof first === "object" && !Array.isArray(first) && first.path === undefined && ("port" in first || "host" in first))
    asked = { host: typeof first.host === "string" ? first.host : null, port: Number(first.port ?? 0) };
  else if (args.length === 0 || typeof first === "function") asked = { host: null, port: 0 };
  if (asked !== undefined) {
    try {
      process.stderr.write(`${MARK}${JSON.stringify(asked)}\n`);
    } catch {
      /* a closed stderr must not stop the server from listening */
    }
  }
  return listen.apply(this, args);
};
