import { describe, expect, it } from "vitest";
import { k6FailureKind } from "./k6-driver.js";

describe("k6FailureKind", () => {
  it("reads the kind of a failed k6 call from the reason the script tags it with", () => {
    expect(k6FailureKind("MCP error -32602: bad")).toBe("tool");
    expect(k6FailureKind("tool error: nope")).toBe("tool");
    expect(k6FailureKind("HTTP 503")).toBe("tool");
    expect(k6FailureKind("unreadable answer")).toBe("protocol");
    expect(k6FailureKind("no JSON-RPC answer")).toBe("protocol");
    expect(k6FailureKind("k6: dial tcp 127.0.0.1:1: connect: connection refused")).toBe("transport");
    expect(k6FailureKind("initialize: HTTP 503")).toBe("transport");
  });
});
