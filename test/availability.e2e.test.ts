/**
 * Availability and success rate that see a stall, a dead session noticed and not hammered, and
 * the three kinds of failed call, end to end: the real CLI on fixture scenarios whose server is a
 * real stdio MCP server written for these tests (test/fixtures/mcp-fixture-server.mjs, the SDK's
 * McpServer + StdioServerTransport) that hangs, crashes or answers badly on purpose.
 *
 * The bands asserted follow from the fixture's own timing: its processes stop answering (or exit)
 * H ms after their own first tools/call, which with no warm-up is the start of the window. So an
 * agent's good time is H, plus however late the fixture's timer fired; its observed time is the
 * window as measured (results.json), less however late its first call came. Hence
 * H / window <= availability <= (H + slack) / window, with slack for a loaded machine.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import type { ScenarioResult } from "../src/results/types.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

afterEach(removeOutDirs);

const GUARD = { timeoutMs: 150_000 };
/** How late the fixture's trouble may start, and its first call come, on a loaded 2-core machine. */
const SLACK_MS = 1000;

/** H: the fixture's "after" argument, read from the scenario file itself. */
async function troubleAfterMs(file: string): Promise<number> {
  const doc = parseYaml(await readFile(path.join(ROOT, file), "utf8")) as { servers: { args: string[] }[] };
  return Number(doc.servers[0]!.args[2]);
}

const slo = (s: ScenarioResult, id: string) => {
  const found = s.slos.find((x) => x.id === id);
  expect(found, `SLO ${id} in ${s.slos.map((x) => x.id).join(", ")}`).toBeDefined();
  return found!;
};

describe("a server that stops answering tools/call halfway through the window (2 agents, closed model, callTimeout 2s)", () => {
  it("fails availability and success rate and exits 1; availability is the share of the window before the hang", async () => {
    const file = "test/fixtures/e2e-server-hangs.yaml";
    const hangAfter = await troubleAfterMs(file);
    const out = await newOutDir();
    const r = await runCli(["run", file, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(1);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("completed");
    const windowMs = s.load!.measuredMs;

    const availability = slo(s, "availability");
    expect(availability.verdict).toBe("fail");
    const low = hangAfter / windowMs;
    const high = (hangAfter + SLACK_MS) / windowMs;
    expect(
      availability.measured!,
      `availability ${availability.measured} outside [${low}, ${high}] (hang after ${hangAfter} ms of a ${windowMs} ms window)`,
    ).toBeGreaterThanOrEqual(low - 0.01);
    expect(availability.measured!).toBeLessThanOrEqual(high);
    const figure = s.availability!.figures.find((f) => f.server === "stalls")!;
    expect(figure.judgedBy).toBe("load");
    // Both agents' timelines, each about the window long.
    expect(figure.load!.goodMs + figure.load!.badMs).toBeGreaterThan(2 * (windowMs - SLACK_MS));

    // The raw count hides the stall (a handful of timeouts among thousands of calls); the corrected one does not.
    const calls = s.calls!.find((c) => c.tool === "work")!;
    expect(calls.timeouts).toBeGreaterThan(0);
    expect(calls.failed.transport).toBe(calls.timeouts);
    expect(calls.successRate.raw!).toBeGreaterThan(0.99);
    expect(calls.missed).toBeGreaterThan(calls.ok / 2);
    expect(calls.successRate.corrected!).toBeLessThan(high + 0.05);
    expect(slo(s, "stalls.success_rate").verdict).toBe("fail");

    // The probe (its own session and process, which hangs H after the first probe) sees the same, independently.
    const probe = figure.probe!;
    expect(probe.source).toBe("availability-probe");
    expect(probe.tool).toBe("work");
    expect(probe.probes).toBeGreaterThanOrEqual(Math.floor(windowMs / probe.intervalMs) - 1);
    expect(probe.ok).toBeGreaterThanOrEqual(Math.floor(hangAfter / probe.intervalMs) - 1);
    expect(probe.ok).toBeLessThanOrEqual(Math.ceil((hangAfter + SLACK_MS) / probe.intervalMs) + 1);
    expect(probe.probes - probe.ok).toBeGreaterThan(0);

    await expectNothingLeft(record.runId);
  }, 160_000);
});

describe("a server that crashes mid-window (no supervisor)", () => {
  it("exits 1, not 3, shows the exit code and stderr in results.json, report.html and junit.xml, and does not hammer the dead session", async () => {
    const file = "test/fixtures/e2e-server-crashes.yaml";
    const crashAfter = await troubleAfterMs(file);
    const out = await newOutDir();
    const r = await runCli(["run", file, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(1);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("completed");
    const windowMs = s.load!.measuredMs;

    // Both agents' processes (and the probe's) exited with the fixture's code and said why.
    const exits = s.serverExits ?? [];
    expect(exits.filter((x) => x.session === "crashes#0" || x.session === "crashes#1").length).toBe(2);
    for (const x of exits) {
      expect(x.code).toBe(3);
      expect(x.stderr.join("\n")).toMatch(/fixture: simulated crash after \d+ calls/);
      expect(x.atMs).toBeGreaterThanOrEqual(crashAfter - 100);
    }
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain("exit code 3");
    expect(html).toMatch(/fixture: simulated crash after \d+ calls/);
    const junit = await readFile(path.join(out, "junit.xml"), "utf8");
    const failure = /<testcase name="availability(?: \[[^"]*\])?"[^>]*>\s*<failure message="([^"]*)"/.exec(junit)?.[1];
    expect(failure, junit).toBeDefined();
    expect(failure).toMatch(/crashes#\d exited \(exit code 3\) at [\d.]+ s; last stderr: fixture: simulated crash after \d+ calls/);

    // Noticed, not hammered: after the first crash, the agents send fewer than 100 calls a second
    // to the dead sessions (every call then fails at the transport; the timeline counts them per interval).
    const crashedAt = Math.min(...exits.map((x) => x.atMs));
    const calls = s.calls!.find((c) => c.tool === "work")!;
    const deadSeconds = (windowMs - crashedAt) / 1000;
    expect(deadSeconds).toBeGreaterThan(1);
    expect(
      calls.failed.transport / deadSeconds,
      `${calls.failed.transport} transport failures in the ${deadSeconds.toFixed(1)} s after the crash`,
    ).toBeLessThan(100);
    const perSecond = 1000 / s.timeline.intervalMs;
    for (const p of s.timeline.points.filter((x) => x.server === "crashes" && x.t >= crashedAt + s.timeline.intervalMs)) {
      expect(p.ok, `calls answered at ${p.t} ms, after the crash`).toBe(0);
      expect((p.error + p.timeout) * perSecond, `failed calls per second in the interval at ${p.t} ms`).toBeLessThan(100);
    }
    expect(s.errors.every((e) => e.kind === "transport")).toBe(true);

    // The backoff is unavailable time: availability is the share of the window before the crash.
    const availability = slo(s, "availability");
    expect(availability.verdict).toBe("fail");
    expect(availability.measured!).toBeGreaterThanOrEqual(crashAfter / windowMs - 0.01);
    expect(availability.measured!).toBeLessThanOrEqual((crashAfter + SLACK_MS) / windowMs);
    expect(calls.missed, "the backoff stands for the calls the agents could not send").toBeGreaterThan(0);
    expect(slo(s, "crashes.success_rate").verdict).toBe("fail");

    await expectNothingLeft(record.runId);
  }, 160_000);
});

describe("the three kinds of failed call", () => {
  it("a result that breaks the schema, and an answer frame cut short, are protocol errors, counted at once; isError is a tool error", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", "test/fixtures/e2e-server-misbehaves.yaml", "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(1);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    const byTool = new Map((s.calls ?? []).map((c) => [c.tool, c]));

    const work = byTool.get("work")!;
    expect(work.ok).toBeGreaterThan(0);
    expect(work.failed).toEqual({ tool: 0, protocol: 0, transport: 0 });

    const refuse = byTool.get("refuse")!;
    expect(refuse.failed.tool).toBeGreaterThan(0);
    expect([refuse.ok, refuse.failed.protocol, refuse.failed.transport]).toEqual([0, 0, 0]);

    for (const tool of ["schema-break", "garbled"]) {
      const c = byTool.get(tool)!;
      expect(c.failed.protocol, tool).toBeGreaterThan(0);
      expect([c.ok, c.failed.tool, c.failed.transport, c.timeouts], tool).toEqual([0, 0, 0, 0]);
      // Ended when the broken answer came, not at the 5 s deadline.
      const latency = s.latency.find((l) => l.tool === tool && l.outcome === "error")!;
      expect(latency.max, `${tool}: slowest failed call`).toBeLessThan(2500);
    }
    for (const e of s.errors) expect(e.kind, `${e.tool}: ${e.message}`).toBe(e.tool === "refuse" ? "tool" : "protocol");
    expect(s.errors.find((e) => e.tool === "schema-break")!.message).toMatch(/breaks the MCP result schema/);

    const md = await readFile(path.join(out, "summary.md"), "utf8");
    expect(md).toMatch(/\| misbehaves \| schema-break \| 0 \| 0 \| [1-9]\d* \| 0 \|/);
    expect(md).toContain("| protocol error |");

    await expectNothingLeft(record.runId);
  }, 160_000);
});
