import { describe, expect, it } from "vitest";
import { isLoopbackAddress, isLoopbackHost } from "./loopback.js";

describe("isLoopbackHost", () => {
  it("knows loopback from every-interface and external addresses", () => {
    for (const h of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com", "::ffff:10.0.0.1", ""]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("is not fooled by a name that only starts like a loopback address", () => {
    for (const h of ["127.0.0.1.example.com", "localhost.example.com", "::1x"]) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe("isLoopbackAddress", () => {
  it("judges the host of host:port, IPv6 in brackets", () => {
    for (const a of ["127.0.0.1:6379", "localhost:80", "[::1]:8080", "127.0.0.1"]) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ["redis:6379", "mcp-slo-redis-1:6379", "10.88.0.4:5432", "0.0.0.0:8666", "[::]:8666"]) expect(isLoopbackAddress(a), a).toBe(false);
  });
});
