import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { SERVER_CATALOG } from "../catalog/servers.js";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { loadProbeFile, unexpectedAnswer, validateProbeFile } from "./probes.js";

const DEFAULT = fileURLToPath(new URL("../../probes/default.yaml", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-probes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("probe files", () => {
  it("probes/default.yaml is valid and probes every catalog server", async () => {
    const plan = await loadProbeFile(DEFAULT);
    expect(plan.intervalMs).toBe(5000);
    expect(plan.probes.map((p) => p.server.name).sort()).toEqual(SERVER_CATALOG.map((d) => d.name).sort());
    for (const p of plan.probes) expect(p.timeoutMs).toBeLessThanOrEqual(plan.intervalMs);
  });

  it("lists every problem at once with file:line: path", async () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      [
        "interval: 1s",
        "probes:",
        "  - server: redis",
        "    tool: fetch", // line 4: no such tool
        "    timeout: 5s", // line 5: longer than the interval
        "  - server: nosuch", // line 6: unknown server; its default 2s timeout exceeds the interval
        "    tool: get",
        "  - server: memory",
        "    tool: read_graph",
        "    expect: { matches: '(' }", // line 10: bad regex
        "    colour: blue", // line 11: unknown field
        "    timeout: 500ms",
        "",
      ].join("\n"),
    );
    const { problems } = await validateProbeFile(file);
    // With a schema error (unknown field), the checks that need a parsed file wait; unknown servers and tools are named at once.
    expect(problems).toEqual([
      `${file}:4: probes[0].tool: server "redis" has no tool "fetch"; its tools are set, get, delete, list`,
      expect.stringMatching(new RegExp(`^${file}:6: probes\\[1\\]\\.server: unknown server "nosuch"`)),
      `${file}:11: probes[2].colour: unknown field "colour", found "blue"`,
    ]);
    writeFileSync(
      file,
      readLines(file)
        .filter((l) => !l.includes("colour"))
        .join("\n"),
    );
    const second = await validateProbeFile(file);
    expect(second.problems).toEqual([
      `${file}:4: probes[0].tool: server "redis" has no tool "fetch"; its tools are set, get, delete, list`,
      `${file}:5: probes[0].timeout: 5s must not exceed the interval (1s): rounds would overlap`,
      expect.stringMatching(new RegExp(`^${file}:6: probes\\[1\\]\\.server: unknown server "nosuch"`)),
      `${file}:6: probes[1].timeout: 2s (the default) must not exceed the interval (1s): rounds would overlap`,
      expect.stringMatching(new RegExp(`^${file}:10: probes\\[2\\]\\.expect\\.matches: not a valid regular expression`)),
    ]);
    await expect(loadProbeFile(file)).rejects.toBeInstanceOf(HarnessError);
  });

  it("judges an answer by isError, contains and matches", async () => {
    const plan = await loadProbeFile(DEFAULT);
    const pg = plan.probes.find((p) => p.server.name === "postgres")!;
    expect(unexpectedAnswer(pg, { isError: false, text: '[{ "probe_ok": 1 }]' })).toBeUndefined();
    expect(unexpectedAnswer(pg, { isError: false, text: "[]" })).toMatch(/does not match/);
    expect(unexpectedAnswer(pg, { isError: true, text: "connection refused" })).toMatch(/reported an error: connection refused/);
  });
});

function readLines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n");
}
