import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pathDirectories, resolveExecutable } from "./executable.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-executable-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("PATH lookup", () => {
  it("pathDirectories lists PATH's directories in order, without empty entries", () => {
    expect(pathDirectories(["/usr/local/bin", "", "/usr/bin", ""].join(path.delimiter))).toEqual(["/usr/local/bin", "/usr/bin"]);
    expect(pathDirectories("")).toEqual([]);
  });

  it("resolveExecutable takes the first executable regular file on PATH, skipping what cannot run", () => {
    const first = path.join(dir, "first");
    const second = path.join(dir, "second");
    const third = path.join(dir, "third");
    for (const d of [first, second, third]) mkdirSync(d);
    writeFileSync(path.join(first, "tool"), "not executable\n");
    mkdirSync(path.join(second, "tool"));
    writeFileSync(path.join(third, "tool"), "#!/bin/sh\n");
    chmodSync(path.join(third, "tool"), 0o755);
    const pathEnv = [first, "", second, third].join(path.delimiter);
    expect(resolveExecutable("tool", pathEnv, undefined)).toBe(path.join(third, "tool"));
    expect(resolveExecutable("no-such-tool", pathEnv, undefined)).toBeUndefined();
    // A command with a slash is a path (relative to cwd), never looked up on PATH.
    expect(resolveExecutable("third/tool", "", dir)).toBe(path.join(third, "tool"));
    expect(resolveExecutable("first/tool", pathEnv, dir)).toBeUndefined();
  });
});
