import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { checkOutDir, prepareOutDir } from "./out-dir.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-out-dir-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(out: string): Promise<string> {
  const err = await checkOutDir(out).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${out} should be refused`).toBeInstanceOf(HarnessError);
  expect((err as HarnessError).code).toBe("invalid_input");
  return (err as HarnessError).message;
}

describe("checkOutDir", () => {
  const file = path.join(dir, "a-file");
  writeFileSync(file, "x");

  it("refuses a file, a path under a file, an empty path, an unwritable place", async () => {
    expect(await refusal(file)).toBe(`--out ${file}: it is a file, not a directory`);
    expect(await refusal(path.join(file, "sub", "dir"))).toBe(`--out ${path.join(file, "sub", "dir")}: cannot be created: ${file} is a file, not a directory`);
    expect(await refusal("")).toBe(`--out "": expected a directory path`);
    expect(await refusal("/dev/null/out")).toBe("--out /dev/null/out: cannot be created: /dev/null is a device, not a directory");
    expect(await refusal("/proc/self/mcp-slo-out")).toMatch(/^--out \/proc\/self\/mcp-slo-out: (cannot be created: \/proc\/self is not writable|.*)/);
  });

  it("accepts an existing directory and one that can be created, and creates nothing", async () => {
    await checkOutDir(dir);
    await checkOutDir(path.join(dir, "new", "deeper"));
    expect(existsSync(path.join(dir, "new"))).toBe(false);
  });
});

describe("prepareOutDir", () => {
  it("creates the directory; discard removes exactly what it created", async () => {
    mkdirSync(path.join(dir, "kept"));
    const prepared = await prepareOutDir(path.join(dir, "kept", "a", "b"));
    expect(existsSync(path.join(dir, "kept", "a", "b"))).toBe(true);
    writeFileSync(path.join(dir, "kept", "a", "b", "traces.jsonl"), "{}\n");
    await prepared.discard();
    expect(existsSync(path.join(dir, "kept", "a"))).toBe(false);
    expect(existsSync(path.join(dir, "kept"))).toBe(true);
  });

  it("a place where mkdir answers ENOENT (/proc) is refused, not retried forever", async () => {
    const err = await prepareOutDir("/proc/mcp-slo-out/deeper").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as HarnessError).message).toBe("--out /proc/mcp-slo-out/deeper: cannot be created: the file system refuses to create it there (ENOENT)");
  });

  it("discard leaves a directory that existed before", async () => {
    const prepared = await prepareOutDir(path.join(dir, "kept"));
    await prepared.discard();
    expect(existsSync(path.join(dir, "kept"))).toBe(true);
  });
});
