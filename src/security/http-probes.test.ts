import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  analyzeSessionIds,
  decodeProcAddress,
  estimateRandomBits,
  judgeBind,
  judgeForeignHost,
  judgeForeignOrigin,
  LISTEN_MARK,
  MIN_SESSION_ID_BITS,
  parseListenRequests,
  parseProcNetTcp,
} from "./http-probes.js";

describe("foreign Origin and Host", () => {
  it("passes Origin only on 403 (the spec's answer), a served request is high", () => {
    expect(judgeForeignOrigin(403).status).toBe("pass");
    expect(judgeForeignOrigin(400)).toMatchObject({ status: "fail", severity: "low", detail: expect.stringMatching(/asks for 403/) });
    expect(judgeForeignOrigin(200)).toMatchObject({ status: "fail", severity: "high", detail: expect.stringMatching(/served \(HTTP 200\)/) });
    expect(judgeForeignOrigin(500)).toMatchObject({ status: "fail", severity: "high" });
  });

  it("passes Host on any refusal (4xx)", () => {
    expect(judgeForeignHost(403).status).toBe("pass");
    expect(judgeForeignHost(421).status).toBe("pass");
    expect(judgeForeignHost(200)).toMatchObject({ status: "fail", severity: "high" });
  });
});

describe("/proc/net/tcp", () => {
  it("decodes IPv4 and IPv6 addresses as the kernel writes them (little-endian words)", () => {
    expect(decodeProcAddress("0100007F")).toBe("127.0.0.1");
    expect(decodeProcAddress("00000000")).toBe("0.0.0.0");
    expect(decodeProcAddress("00000000000000000000000000000000")).toBe("::");
    expect(decodeProcAddress("00000000000000000000000001000000")).toBe("::1");
    expect(decodeProcAddress("0000000000000000FFFF00000100007F")).toBe("::ffff:127.0.0.1");
  });

  it("keeps listening sockets only, with their inode and port", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1",
      "   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0",
    ].join("\n");
    expect(parseProcNetTcp(text)).toEqual([
      { inode: "4242", address: "127.0.0.1", port: 8080 },
      { inode: "4444", address: "0.0.0.0", port: 80 },
    ]);
  });
});

describe("loopback bind", () => {
  it("reads what each listen() asked for from the recorder's lines", () => {
    const lines = ["Starting server", `${LISTEN_MARK}{"host":null,"port":3001}`, `[x] ${LISTEN_MARK}{"host":"127.0.0.1","port":0}`, `${LISTEN_MARK}{torn`];
    expect(parseListenRequests(lines)).toEqual([
      { host: null, port: 3001 },
      { host: "127.0.0.1", port: 0 },
    ]);
  });

  it("judges a preloaded server by what it asked for, saying the preload hid it", () => {
    const wide = judgeBind([{ host: null, port: 3001 }], ["127.0.0.1:3001"], true);
    expect(wide.status).toBe("fail");
    expect(wide.detail).toMatch(/no address: every interface.*127\.0\.0\.1:3001 only because the harness preloads src\/stack\/loopback-only\.cjs/);
    expect(judgeBind([{ host: "0.0.0.0", port: 1 }], ["127.0.0.1:1"], true).status).toBe("fail");
    expect(judgeBind([{ host: "127.0.0.1", port: 1 }], ["127.0.0.1:1"], true).status).toBe("pass");
    expect(judgeBind([{ host: "::1", port: 1 }], ["[::1]:1"], true).status).toBe("pass");
    expect(judgeBind(undefined, ["127.0.0.1:1"], true).status).toBe("not_measured");
  });

  it("judges a server started without the preload by its sockets", () => {
    expect(judgeBind(undefined, ["127.0.0.1:8080", "[::1]:8080"], false).status).toBe("pass");
    const v = judgeBind(undefined, ["127.0.0.1:8080", "[::]:8080"], false);
    expect(v).toMatchObject({ status: "fail", detail: expect.stringMatching(/\[::\]:8080 is reachable from other machines/) });
    expect(judgeBind(undefined, [], false).status).toBe("not_measured");
    expect(judgeBind(undefined, undefined, false).status).toBe("not_measured");
  });
});

describe("session ids", () => {
  const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));

  it("passes random UUIDs (v4) and random tokens of enough entropy", () => {
    const v4 = analyzeSessionIds(many(50, () => randomUUID()));
    expect(v4.status).toBe("pass");
    expect(v4.detail).toMatch(/UUID version 4: 122 random bits/);
    expect(analyzeSessionIds(many(50, () => randomBytes(16).toString("base64url"))).status).toBe("pass");
    expect(analyzeSessionIds(many(50, () => randomBytes(16).toString("hex"))).status).toBe("pass");
  });

  it("fails a counter, however it is dressed", () => {
    const counter = analyzeSessionIds(many(50, (i) => `session-${1000 + i}`));
    expect(counter).toMatchObject({ status: "fail", severity: "high" });
    expect(counter.detail).toMatch(/guessable/);
    expect(counter.detail).toMatch(/in sequence/);
    const hexCounter = analyzeSessionIds(many(50, (i) => (0xabcdef000000 + i).toString(16).padStart(32, "0")));
    expect(hexCounter.status).toBe("fail");
  });

  it("fails time-based UUIDs (v1) although they look random at a glance", () => {
    // Same clock sequence and node, the timestamp's low bits advancing, as a v1 generator makes them.
    const v1 = many(50, (i) => `${(0x1e0f0000 + i * 37).toString(16).padStart(8, "0")}-8d6a-11ef-9c3b-0242ac120002`);
    const r = analyzeSessionIds(v1);
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/UUID version 1: time- or name-based/);
  });

  it("fails short random ids below the floor, reused ids, and characters outside visible ASCII", () => {
    const short = analyzeSessionIds(many(50, () => randomBytes(4).toString("hex")));
    expect(short.status).toBe("fail");
    expect(short.detail).toMatch(new RegExp(`below the ${MIN_SESSION_ID_BITS} bits`));
    const id = randomUUID();
    expect(analyzeSessionIds([id, id, randomUUID()]).detail).toMatch(/only 2 distinct ids in 3 sessions/);
    const spaced = analyzeSessionIds(many(50, () => `${randomUUID()} x`));
    expect(spaced).toMatchObject({ status: "fail", detail: expect.stringMatching(/outside visible ASCII/) });
  });

  it("is not applicable to a stateless server, and notes answers without an id", () => {
    expect(analyzeSessionIds([undefined, undefined]).status).toBe("not_applicable");
    const partial = analyzeSessionIds([...many(49, () => randomUUID()), undefined]);
    expect(partial).toMatchObject({ status: "fail", severity: "low", detail: expect.stringMatching(/1 of 50 initialize answers had no session id/) });
  });

  it("estimates random bits from the positions that vary like random draws", () => {
    const e = estimateRandomBits(many(50, () => randomBytes(8).toString("hex")));
    expect(e.alphabet).toBe("hex");
    expect(e.bits).toBeGreaterThanOrEqual(60);
    expect(e.bits).toBeLessThanOrEqual(64);
    // A fixed prefix counts nothing.
    expect(estimateRandomBits(many(50, () => `abcdef${randomBytes(4).toString("hex")}`)).bits).toBeLessThanOrEqual(32);
  });
});
