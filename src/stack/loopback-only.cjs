/**
 * Preloaded (`node --require`) into MCP servers that run their own HTTP listener but offer no
 * way to choose the address (server-everything calls `app.listen(PORT)`, i.e. every interface):
 * a TCP listen() without a host is bound to 127.0.0.1, so the harness never exposes a server
 * beyond the machine. Listens that name a host, a path (Unix socket) or a handle are untouched.
 */
"use strict";
const net = require("node:net");
const listen = net.Server.prototype.listen;
const isPort = (v) => typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isInteger(Number(v)));
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (isPort(first) && typeof args[1] !== "string") {
    args.splice(1, 0, "127.0.0.1");
  } else if (first !== null && typeof first === "object" && !Array.isArray(first) && "port" in first && first.host === undefined && first.path === undefined) {
    args[0] = { ...first, host: "127.0.0.1" };
  } else if (args.length === 0 || typeof first === "function") {
    args.splice(0, 0, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
