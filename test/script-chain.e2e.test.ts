/**
 * End to end: chained steps (workload kind script) through the CLI against the real Memory server.
 * scenarios/memory-chain.yaml creates an entity, searches for the name the server answered and opens
 * the node the search found, checking every chained value; its per-step counts must add up and agree
 * with the recorder's own per-tool counts. A read of a field the tool's declared output schema rules out
 * stops the run at start (exit 3) naming the path; a driver that sends a plain mix refuses a script.
 * About 20 s on 2 cores.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterAll(removeOutDirs);

describe("script: chained steps against the Memory server", () => {
  it("runs create -> search -> open with every chained value checked: tasks complete, no chain breaks, counts add up", async () => {
    const out = await newOutDir("mcp-slo-script-e2e-");
    const r = await runCli(["run", "scenarios/memory-chain.yaml", "--profile", "smoke", "--out", out, "--trace-sample", "0"], { timeoutMs: 120_000 });
    const log = transcript(r);
    // 0 or 1: the latency SLOs judge the machine as well; the chain is what this test is about.
    expect([0, 1], log).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, log).toBe("completed");
    const script = s.script!;
    expect(script, log).toBeDefined();
    expect(script.tasks.completed, log).toBeGreaterThan(0);
    expect(script.steps.map((st) => st.name)).toEqual(["create", "search", "open"]);
    for (const st of script.steps) {
      expect([st.name, st.failed, st.broken, st.unexpected, st.examples], log).toEqual([st.name, 0, 0, 0, []]);
      expect(st.calls).toBe(st.ok);
    }
    // Every pass begins with create; a step is called when the one before it was ok; a task completes when open was.
    expect(script.steps[0]!.calls).toBe(script.tasks.started);
    expect(script.steps[1]!.calls).toBe(script.steps[0]!.ok);
    expect(script.steps[2]!.calls).toBe(script.steps[1]!.ok);
    expect(script.tasks.completed).toBe(script.steps[2]!.ok);
    // The recorder counted the same calls, tool by tool, in the same window.
    for (const st of script.steps) {
      const counted = s.calls!.find((c) => c.server === st.server && c.tool === st.tool);
      expect(counted?.ok, `${st.tool} in results.calls`).toBe(st.ok);
    }
    expect(s.slos.map((x) => x.id)).toContain("memory-chain.open.success");
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expect(summary).toContain(`Agent tasks (script): ${script.tasks.completed} of ${script.tasks.started} completed.`);
    const report = await readFile(path.join(out, "report.html"), "utf8");
    expect(report).toContain("Agent tasks (script)");
    await expectNothingLeft(record.runId);
  }, 150_000);

  it("a read of a field the declared output schema rules out stops the run at start with exit 3, naming the path", async () => {
    const out = await newOutDir("mcp-slo-script-e2e-");
    const r = await runCli(["run", "test/fixtures/e2e-script-schema.yaml", "--out", out, "--trace-sample", "0"], { timeoutMs: 90_000 });
    const log = transcript(r);
    expect(r.code, log).toBe(3);
    const named =
      'workload.steps[1].args.query: {{steps.create.result.entitys[0].name}}: the output schema memory/create_entities declares (step "create") rules out entitys[0].name: the answer has no field "entitys" (its fields: entities)';
    expect(r.stdout, log).toContain(named);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, log).toBe("error");
    expect(s.error, log).toContain(named);
    // Refused before the load: no call was sent, no task begun.
    expect(s.script, log).toBeUndefined();
    expect(s.calls ?? [], log).toEqual([]);
    await expectNothingLeft(record.runId);
  }, 120_000);

  it("the k6 and autocannon drivers refuse a script before anything starts", async () => {
    for (const driver of ["k6", "autocannon"]) {
      const out = await newOutDir("mcp-slo-script-e2e-");
      const r = await runCli(["run", "scenarios/memory-chain.yaml", "--profile", "smoke", "--driver", driver, "--out", out], { timeoutMs: 60_000 });
      expect(r.code, transcript(r)).toBe(2);
      expect(r.stderr, transcript(r)).toContain(`--driver ${driver} runs a mix of tool calls; the script workload needs the sdk driver`);
    }
  }, 120_000);
});
