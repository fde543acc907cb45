import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyFileAtomic, writeFileAtomic } from "./atomic-file.js";

const root = await mkdtemp(path.join(tmpdir(), "mcp-slo-atomic-"));
afterAll(() => rm(root, { recursive: true, force: true }));

describe("writeFileAtomic / copyFileAtomic", () => {
  it("replaces the target whole and leaves no temp file beside it", async () => {
    const dir = path.join(root, "w");
    await mkdir(dir);
    const file = path.join(dir, "a.json");
    await writeFile(file, "old");
    await writeFileAtomic(file, "new text");
    expect(await readFile(file, "utf8")).toBe("new text");
    await writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(await readFile(file, "utf8")).toBe("hi");
    await copyFileAtomic(file, path.join(dir, "b.json"));
    expect(await readFile(path.join(dir, "b.json"), "utf8")).toBe("hi");
    expect((await readdir(dir)).sort()).toEqual(["a.json", "b.json"]);
  });

  it("on an error the old file stays and no temp file is left", async () => {
    const dir = path.join(root, "e");
    await mkdir(dir);
    const file = path.join(dir, "target");
    // A directory at the target's name: the rename fails after the temp file was written.
    await mkdir(file);
    await writeFile(path.join(file, "inside"), "x");
    await expect(writeFileAtomic(file, "new")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
    await expect(copyFileAtomic(path.join(dir, "missing"), path.join(dir, "c"))).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual(["target"]);
  });
});
