/**
 * `mcp-slo monitor` end to end: the CLI (a child process, as a person starts it) probes the
 * real local stack and serves metrics; a real Prometheus (Debian's package, on a free loopback
 * port, temp config and storage) scrapes it; a PromQL query over the HTTP API returns the probe
 * metric, and the design module's security metrics from the newest scan of the history it is given.
 * Both are stopped afterwards and nothing of either is left running.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { securityRunRecord } from "../../test/support/security-records.js";
import { SERVER_CATALOG } from "../catalog/servers.js";
import { DirectoryHistory } from "../history/directory-history.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { freeLoopbackPort } from "../stack/ports.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { startPrometheus } from "../testing/prometheus.js";
import { waitFor } from "../util/wait-for.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "bin", "mcp-slo.js");
const registry = new ResourceRegistry({ runId: `test-monitor-${process.pid}` });

afterAll(async () => {
  await registry.disposeAll();
});

function waitForLine(proc: ManagedProcess, re: RegExp, withinMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const fromTail = proc
      .stderrTail(50)
      .map((l) => re.exec(l))
      .find((m) => m);
    if (fromTail) return resolve(fromTail);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no line matching ${re} within ${withinMs} ms; output:\n${proc.stderrTail(30).join("\n")}`));
    }, withinMs);
    const off = proc.onLine((line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        off();
        resolve(m);
      }
    });
    void proc.exited.then(() => {
      clearTimeout(timer);
      off();
      reject(new Error(`exited (${JSON.stringify(proc.exitInfo)}) before printing ${re}; output:\n${proc.stderrTail(30).join("\n")}`));
    });
  });
}

interface PromVector {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe("mcp-slo monitor scraped by a real Prometheus", () => {
  it("answers a PromQL query for the probe metric, then leaves nothing running", async () => {
    const metricsPort = await freeLoopbackPort();
    // A history whose newest scan the monitor exports as the design module's security metrics.
    const history = await registry.makeTempDir("monitor-history");
    await new DirectoryHistory(history, { warn: () => {} }).add(securityRunRecord());
    const monitor = spawnManaged({
      name: "mcp-slo monitor",
      command: process.execPath,
      args: [CLI, "monitor", "--port", String(metricsPort), "--interval", "2s", "--duration", "90s", "--history", history],
      cwd: ROOT,
      env: { CI: "true" },
      registry,
    });
    const ready = await waitForLine(monitor, /serving metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics) \(monitor run id (\S+)\)/, 20_000);
    const monitorRunId = ready[2]!;
    await waitForLine(monitor, /first round: (\d+)\/(\d+) probes answered/, 60_000);

    const prometheus = await startPrometheus({
      registry,
      config: [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: [${JSON.stringify(path.join(ROOT, "monitoring", "prometheus", "rules", "mcp-slo.rules.yml"))}]`,
        "scrape_configs:",
        "  - job_name: mcp-slo",
        `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
        "",
      ].join("\n"),
    });
    const api = prometheus.url;

    const query = async (promql: string) => (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as PromVector;
    const answer = await waitFor(
      async () => {
        const r = await query("mcp_probe_success");
        return r.data.result.length >= SERVER_CATALOG.length ? r : undefined;
      },
      { what: "mcp_probe_success in Prometheus", timeoutMs: 30_000, intervalMs: 200 },
    );
    process.stdout.write(`PromQL mcp_probe_success ->\n${JSON.stringify(answer, null, 1)}\n`);
    expect(answer.status).toBe("success");
    expect(answer.data.resultType).toBe("vector");
    expect(new Set(answer.data.result.map((r) => r.metric.mcp_name))).toEqual(new Set(SERVER_CATALOG.map((d) => d.name)));
    for (const r of answer.data.result) {
      expect(r.metric.job).toBe("mcp-slo");
      expect(r.value[1]).toBe("1");
    }
    // The generated recording rules evaluate on what the monitor exports.
    const sli = await waitFor(
      async () => {
        const r = await query('mcp_slo:error_ratio:rate5m{slo_id="availability"}');
        // Until a probe has run between two scrapes the ratio is 0/0 (NaN): no events yet, not a value.
        return r.data.result.length > 0 && Number.isFinite(Number(r.data.result[0]!.value[1])) ? r : undefined;
      },
      { what: "a recorded SLO error ratio", timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Number(sli.data.result[0]!.value[1])).toBe(0);
    // The history's scan, as the record says: the vulnerable server's score capped at 3, github's advisories by severity.
    const scan = securityRunRecord().scenarios[0]!.security!;
    const overall = await query('mcp_security_validation_score{validation_type="overall"}');
    expect(new Map(overall.data.result.map((r) => [r.metric.mcp_name, Number(r.value[1])]))).toEqual(
      new Map(scan.servers.map((s) => [s.server, s.score.lower])),
    );
    const medium = await query('mcp_vulnerability_count{mcp_name="github",severity="medium"}');
    expect(medium.data.result.map((r) => r.value[1])).toEqual(["2"]);

    monitor.signal("SIGINT");
    const exit = await monitor.exited;
    expect(exit.code, monitor.stderrTail(20).join("\n")).toBe(0);
    await prometheus.stop();
    await registry.disposeAll();
    expect(await findProcessesOfRun(monitorRunId)).toEqual([]);
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });
});
