/**
 * OpenSLO both ways: what `mcp-slo slos --format openslo` writes validates against the official
 * OpenSLO v1 JSON Schema (test/fixtures/openslo/schema-v1, with its source and licence), and reading
 * it back gives the same SLOs. Objectives the harness cannot judge are refused, each with its reason.
 */
import { describe, expect, it } from "vitest";
import { openSloValidator } from "../../test/support/openslo-schema.js";
import type { ResolvedSlo } from "../contracts/plan.js";
import { ANNOTATION, fromOpenSlo, PER_RUN_TARGET, resolvedCatalog, toOpenSlo, type OpenSloDocument } from "./openslo.js";

const service = () => ({ name: "mcp-stack", displayName: "The MCP stack", description: "test" });
/** What a scenario judges: everything of an SLO but the order of its keys. */
const comparable = (s: ResolvedSlo) => ({ ...s, scope: { ...s.scope } });
const imported = (docs: readonly unknown[]) =>
  fromOpenSlo(docs, (issues) => issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message })));

describe("OpenSLO export", () => {
  const validate = openSloValidator();
  const catalog = resolvedCatalog();
  const out = toOpenSlo(catalog, (s) => ({
    name: s.scope.server === undefined || s.scope.server === "*" ? "mcp-stack" : s.scope.server,
    displayName: "x",
    description: "y",
  }));

  it("validates every document of the catalog against the OpenSLO v1 schema", () => {
    expect(out.documents.filter((d) => d.kind === "SLO")).toHaveLength(catalog.length - out.skipped.length);
    for (const d of out.documents) {
      const ok = validate(d);
      expect(ok ? [] : validate.errors, `${d.kind} ${d.metadata.name}`).toEqual([]);
    }
  });

  it("the schema check can fail: a harness id with '_' as a name, and a target of 1, are refused", () => {
    const slo = structuredClone(out.documents.find((d) => d.kind === "SLO")!) as OpenSloDocument & { spec: { objectives: { target: number }[] } };
    expect(validate({ ...slo, metadata: { ...slo.metadata, name: "server.response_time" } })).toBe(false);
    slo.spec.objectives[0]!.target = 1;
    expect(validate(slo)).toBe(false);
  });

  it("writes ids with '_' under an OpenSLO name and the id, objective and seed source in annotations", () => {
    const doc = out.documents.find((d) => d.metadata.annotations?.[ANNOTATION.id] === "server.response_time")!;
    expect(doc.metadata.name).toBe("server.response-time");
    expect(doc.metadata.annotations).toMatchObject({
      [ANNOTATION.objective]: "< 15ms",
      [ANNOTATION.sourceDocument]: "MCP Enterprise Guide (shared/seeds/003_ba5d8098385d04d0.txt)",
      [ANNOTATION.sourceLines]: "588, 1233",
      [ANNOTATION.sourceQuote]: "MCP Server Response Time: <15ms target",
    });
  });

  it("maps a percentile to op/value/target, a ratio to good/total, an error rate to bad/total, RTO to one value per run", () => {
    type Spec = {
      objectives: Record<string, unknown>[];
      indicator: { spec: { thresholdMetric?: { metricSource: { spec: Record<string, unknown> } }; ratioMetric?: Record<string, unknown> } };
    };
    const spec = (id: string) => out.documents.find((d) => d.metadata.annotations?.[ANNOTATION.id] === id)!.spec as Spec;
    expect(spec("redis.latency.p50").objectives).toEqual([{ displayName: "p50 < 0.8ms", op: "lt", value: 0.8, target: 0.5 }]);
    expect(spec("redis.latency.p50").indicator.spec.thresholdMetric!.metricSource.spec).toMatchObject({ metric: "latency", server: "redis", unit: "ms" });
    expect(spec("github.success_rate").objectives[0]!.target).toBe(0.998);
    expect(Object.keys(spec("github.success_rate").indicator.spec.ratioMetric!).sort()).toEqual(["counter", "good", "total"]);
    expect(spec("server.alert.error_rate").objectives[0]!.target).toBe(0.95);
    expect(Object.keys(spec("server.alert.error_rate").indicator.spec.ratioMetric!).sort()).toEqual(["bad", "counter", "total"]);
    expect(spec("filesystem.recovery").objectives).toEqual([{ displayName: "rto < 5min", op: "lt", value: 300000, target: PER_RUN_TARGET }]);
    expect(spec("recovery.audit.rpo").objectives[0]).toMatchObject({ op: "lte", value: 0 });
    expect(spec("coordination.throughput").objectives[0]).toMatchObject({ op: "gte", value: 10000 });
  });

  it("writes every SLO of the catalog: each one is measured (the fallback degradation as one figure per run)", () => {
    const spec = (id: string) => out.documents.find((d) => d.metadata.annotations?.[ANNOTATION.id] === id)!.spec as { objectives: unknown[] };
    expect(out.skipped).toEqual([]);
    expect(spec("fallback.degradation").objectives).toEqual([{ displayName: "degradation < 5%", op: "lt", value: 0.05, target: PER_RUN_TARGET }]);
  });

  it("reads the catalog back as the same SLOs (id, title, metric, objective, scope, seed source)", () => {
    const back = imported(out.documents);
    expect(back.problems).toEqual([]);
    const exported = catalog.filter((s) => !out.skipped.some((x) => x.id === s.id));
    expect(back.slos.map((s) => comparable(s.slo as ResolvedSlo))).toEqual(exported.map(comparable));
  });

  it("keeps '> 99%' apart from '>= 99%' through the objective annotation, and names collide never", () => {
    const strict = catalog.find((s) => s.id === "cache.hit_ratio")!;
    expect(strict.objectiveText).toBe("> 99%");
    const twins = toOpenSlo([strict, { ...strict, id: "cache-hit_ratio" }, { ...strict, id: "cache_hit-ratio" }], service);
    const names = twins.documents.filter((d) => d.kind === "SLO").map((d) => d.metadata.name);
    expect(new Set(names).size).toBe(3);
    const back = imported(twins.documents);
    expect(back.slos.map((s) => [s.slo.id, s.slo.threshold.op])).toEqual([
      ["cache.hit_ratio", ">"],
      ["cache-hit_ratio", ">"],
      ["cache_hit-ratio", ">"],
    ]);
  });
});

/** An SLO written by hand, as a team would (no harness annotations). */
function sloDoc(spec: Record<string, unknown>, name = "redis-fast"): Record<string, unknown> {
  return { apiVersion: "openslo/v1", kind: "SLO", metadata: { name }, spec: { service: "redis", budgetingMethod: "Occurrences", ...spec } };
}
const harness = (spec: Record<string, unknown>) => ({ metricSource: { type: "mcp-slo-harness", spec } });

describe("OpenSLO import", () => {
  it("reads a hand-written percentile, ratio (targetPercent) and referenced SLI without annotations", () => {
    const docs = [
      { apiVersion: "openslo/v1", kind: "SLI", metadata: { name: "redis-calls" }, spec: { thresholdMetric: harness({ metric: "latency", server: "redis" }) } },
      sloDoc({ indicatorRef: "redis-calls", objectives: [{ op: "lte", value: 2.5, target: 0.99 }] }),
      sloDoc(
        {
          indicator: { spec: { ratioMetric: { counter: true, good: harness({ metric: "success_rate" }), total: harness({ metric: "success_rate" }) } } },
          objectives: [{ targetPercent: 99.95, displayName: "strict" }, { target: 0.99 }],
        },
        "success",
      ),
    ];
    const back = imported(docs);
    expect(back.problems).toEqual([]);
    expect(back.slos.map((s) => [s.slo.id, s.slo.metricName, s.slo.objectiveText, s.slo.scope, s.slo.source])).toEqual([
      ["redis-fast", "latency.p99", "<= 2.5ms", { server: "redis" }, undefined],
      ["success.1", "success_rate", ">= 99.95%", {}, undefined],
      ["success.2", "success_rate", ">= 99%", {}, undefined],
    ]);
  });

  it("refuses what the harness cannot judge, every problem at once, each at its path", () => {
    const docs = [
      sloDoc(
        {
          indicator: { spec: { thresholdMetric: { metricSource: { type: "Prometheus", spec: { query: "x" } } } } },
          objectives: [{ op: "lt", value: 1, target: 0.99 }],
        },
        "prom",
      ),
      sloDoc({ indicator: { spec: { thresholdMetric: harness({ metric: "latency" }) } }, objectives: [{ op: "lt", value: 1, target: 0.9 }] }, "p90"),
      sloDoc(
        {
          budgetingMethod: "Timeslices",
          indicator: { spec: { thresholdMetric: harness({ metric: "latency" }) } },
          objectives: [{ op: "lt", value: 1, target: 0.99 }],
        },
        "slices",
      ),
      sloDoc(
        {
          indicator: { spec: { ratioMetric: { counter: true, raw: harness({ metric: "success_rate" }), rawType: "success" } } },
          objectives: [{ target: 0.99 }],
        },
        "raw",
      ),
      sloDoc({ indicatorRef: "nowhere", objectives: [{ target: 0.99 }] }, "lost"),
      sloDoc({ indicator: { spec: { thresholdMetric: harness({ metric: "rto" }) } }, objectives: [{ op: "lte", value: 1000, target: 0 }] }, "zero"),
    ];
    const back = imported(docs);
    expect(back.slos).toEqual([]);
    const said = back.problems.map((p) => [p.doc, p.path.join("."), p.message]);
    expect(said).toEqual([
      [0, "spec.indicator.spec.thresholdMetric.metricSource.type", expect.stringMatching(/expected metric source type mcp-slo-harness.*Prometheus/)],
      [1, "spec.objectives.0.target", expect.stringMatching(/p50, p95, p99 and p99.9 only.*not 0.9/)],
      [2, "spec.budgetingMethod", expect.stringMatching(/expected Occurrences.*Timeslices/)],
      [3, "spec.indicator.spec.ratioMetric.raw", expect.stringMatching(/precomputed \(raw\) ratio/)],
      [4, "spec.indicatorRef", expect.stringMatching(/no SLI named "nowhere"/)],
      [5, "spec.objectives.0.target", expect.stringMatching(/above 0/)],
    ]);
  });

  it("refuses an objective annotation that contradicts the fields", () => {
    const doc = sloDoc({ indicator: { spec: { thresholdMetric: harness({ metric: "latency" }) } }, objectives: [{ op: "lt", value: 5, target: 0.95 }] });
    (doc.metadata as Record<string, unknown>).annotations = { [ANNOTATION.objective]: "< 6ms" };
    const back = imported([doc]);
    expect(back.slos).toEqual([]);
    expect(back.problems[0]!.message).toMatch(/"< 6ms" contradicts the objective's fields \(< 5ms\)/);
  });
});
