/**
 * The files under monitoring/ and docker-compose.yml (which nobody runs in CI: no container engine)
 * stay consistent with the code: every metric the dashboard uses is one the exporter or the
 * generated rules produce, and the compose file publishes nothing beyond loopback. The tools'
 * own checks (promtool, docker-compose): monitoring-files.integration.test.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { McpMetrics } from "./metrics.js";
import { RECORDING_WINDOWS, errorRatioRecord } from "./prometheus-rules.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");

async function knownSeries(): Promise<Set<string>> {
  const text = await new McpMetrics().text();
  const names = new Set<string>(["ALERTS"]);
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m[1]! + s);
  }
  for (const w of RECORDING_WINDOWS) names.add(errorRatioRecord(w));
  return names;
}

describe("monitoring files", () => {
  it("the dashboard only queries series the exporter or the rules produce, and shows faults", async () => {
    const dashboard = JSON.parse(read("monitoring/grafana/dashboards/mcp-slo.json")) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
      annotations: { list: { name: string; expr: string }[] };
      templating: { list: { query: { query: string } }[] };
    };
    expect(dashboard.uid).toBe("mcp-slo");
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.annotations.list.map((a) => a.expr),
      ...dashboard.templating.list.map((t) => t.query.query),
    ];
    const known = await knownSeries();
    const labels = new Set(["mcp_name"]);
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(mcp_[a-z0-9_:]+|ALERTS)\b/g)].map((m) => m[1]!)).filter((n) => !labels.has(n)));
    expect([...used].filter((n) => !known.has(n))).toEqual([]);
    for (const wanted of [
      "mcp_slo_compliance_ratio",
      "mcp_slo:error_ratio:rate1h",
      "mcp_response_time_seconds_bucket",
      "mcp_error_rate",
      "mcp_fault_events_total",
      "mcp_security_validation_score",
      "mcp_vulnerability_count",
    ])
      expect(used).toContain(wanted);
    expect(dashboard.annotations.list.map((a) => a.name)).toContain("Faults");
  });

  it("docker-compose.yml pins its images and exposes nothing beyond loopback", () => {
    type Service = { image: string; ports?: string[]; profiles?: string[]; command?: string[]; environment?: Record<string, string> };
    // Services share settings through YAML merge keys (<<: *harness).
    const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> };
    const monitoring = Object.entries(compose.services)
      .filter(([, s]) => s.profiles?.includes("monitoring"))
      .map(([n]) => n)
      .sort();
    expect(monitoring).toEqual(["grafana", "jaeger", "prometheus"]);
    expect(compose.services.prometheus!.image).toMatch(/^prom\/prometheus:v2\.\d+\.\d+$/);
    expect(compose.services.grafana!.image).toMatch(/^grafana\/grafana:11\.\d+\.\d+$/);
    expect(compose.services.jaeger!.image).toMatch(/^jaegertracing\/all-in-one:1\.\d+\.\d+$/);
    for (const [name, s] of Object.entries(compose.services)) {
      // Pinned: a tag that names a version, never latest.
      expect(s.image, `${name} image`).toMatch(/:[\w.-]*\d[\w.-]*$/);
      for (const p of s.ports ?? []) expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:/);
    }
    expect(compose.services.prometheus!.command).toContain("--web.listen-address=127.0.0.1:9090");
    expect(compose.services.grafana!.environment?.GF_SERVER_HTTP_ADDR).toBe("127.0.0.1");
  });
});
