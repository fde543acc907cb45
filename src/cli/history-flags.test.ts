/** --tag parsing (every bad one at once) and the command line kept without a database password. */
import { describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { redactKnownSecrets } from "../telemetry/redact.js";
import { commandWithoutPasswords, parseTags } from "./history-flags.js";

describe("parseTags", () => {
  it("key=value pairs, the value may hold '=' and be empty", () => {
    expect(parseTags(["build=42", "release.train=2026-02", "expr=a=b", "note="])).toEqual({ build: "42", "release.train": "2026-02", expr: "a=b", note: "" });
    expect(parseTags(["a=1", "a=1"])).toEqual({ a: "1" });
    expect(parseTags([])).toEqual({});
  });

  it("every bad tag is named at once", () => {
    let err: unknown;
    try {
      parseTags(["nokey", "bad key=1", "=x", "ok=1", "ok=2", "ctl=a\u001b[31m"]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe("invalid_input");
    expect((err as HarnessError).message).toBe("5 bad --tag value(s)");
    expect((err as HarnessError).details).toEqual([
      "--tag nokey: expected key=value",
      "--tag bad key=1: the key must be 1 to 64 of A-Z a-z 0-9 _ . -",
      "--tag =x: the key must be 1 to 64 of A-Z a-z 0-9 _ . -",
      "--tag ok=2: ok is already 1",
      "--tag ctl=a\u001b[31m: the value must be at most 200 characters, none of them control characters",
    ]);
  });
});

describe("commandWithoutPasswords", () => {
  it("takes a postgres URL's password out of the command line, short or long, and registers it for redaction", () => {
    expect(commandWithoutPasswords(["run", "x.yaml", "--history", "postgres://slo:pw1@db.internal:5432/history", "--tag", "a=b"])).toEqual([
      "run",
      "x.yaml",
      "--history",
      "postgres://slo:[REDACTED]@db.internal:5432/history",
      "--tag",
      "a=b",
    ]);
    expect(commandWithoutPasswords(["--history=postgresql://u:Long%2FSecret-99@h/db"])).toEqual(["--history=postgresql://u:[REDACTED]@h/db"]);
    expect(redactKnownSecrets("error near Long/Secret-99 and Long%2FSecret-99")).toBe("error near [REDACTED] and [REDACTED]");
    expect(commandWithoutPasswords(["postgres://u@h/db", "reports/"])).toEqual(["postgres://u@h/db", "reports/"]);
  });
});
