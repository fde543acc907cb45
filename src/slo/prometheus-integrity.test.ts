/**
 * The checks on counts read from Prometheus, on sample series shaped like the ones a real k6 and a
 * real Prometheus produced (see prometheus-source.integration.test.ts for the real thing): one k6
 * writes its heartbeat once a second, two at once interleave, a rerun leaves a silence.
 */
import { describe, expect, it } from "vitest";
import type { ResolvedSlo } from "../contracts/plan.js";
import { parseThreshold } from "../contracts/units.js";
import { parseMetric } from "../contracts/metric-names.js";
import {
  checkBaseline,
  checkHeartbeatGaps,
  checkHeartbeatWriters,
  checkMismatch,
  counterDecreases,
  heartbeatsOf,
  rejectedProblem,
  runSpans,
  seriesText,
  silenceThreshold,
  warningLines,
  type CountProblem,
  type Heartbeat,
} from "./prometheus-integrity.js";
import { PrometheusMeasurements, evaluateFromPrometheus } from "./prometheus-source.js";

const T0 = 1_800_000_000;
const RUN = { __name__: "k6_vus", testid: "nightly-42" };
const CALLS_OK = { __name__: "k6_mcp_calls_total", testid: "nightly-42", server: "memory", tool: "read_graph", outcome: "ok" };

/** One k6's heartbeat: a sample a second from `start` for `seconds`, each delayed by up to `jitter` s. */
function beat(start: number, seconds: number, jitter = 0.02, labels = RUN): Heartbeat {
  const times: number[] = [];
  for (let i = 0; i < seconds; i++) times.push(start + i + (((i * 7919) % 100) / 100) * jitter);
  return { labels, times };
}

function merged(...hs: Heartbeat[]): Heartbeat {
  return { labels: hs[0]!.labels, times: hs.flatMap((h) => h.times).sort((a, b) => a - b) };
}

describe("seriesText", () => {
  it("names a series the PromQL way, values quoted as JSON so control characters stay escaped", () => {
    expect(seriesText(CALLS_OK)).toBe('k6_mcp_calls_total{outcome="ok",server="memory",testid="nightly-42",tool="read_graph"}');
    expect(seriesText({ __name__: "x", tool: "\u001b]0;owned\u0007" })).toBe('x{tool="\\u001b]0;owned\\u0007"}');
  });
});

describe("silenceThreshold", () => {
  it("is three push intervals, and at least five seconds more than one", () => {
    expect(silenceThreshold(1)).toBe(6);
    expect(silenceThreshold(5)).toBe(15);
    expect(silenceThreshold(10)).toBe(30);
  });
});

describe("checkBaseline: a sample before --from", () => {
  const from = T0 + 100;

  it("is the window's start when the same run wrote on through --from", () => {
    const h = beat(T0, 200);
    expect(checkBaseline(CALLS_OK, [from - 0.4, "500"], [from + 0.6, "510"], [h])).toBeUndefined();
  });

  it("belongs to an earlier run when k6 wrote nothing in between (a rerun a minute later)", () => {
    const h = merged(beat(T0, 30), beat(T0 + 90, 30));
    const p = checkBaseline(CALLS_OK, [T0 + 29, "201"], [T0 + 91, "262"], [h]) as CountProblem;
    expect(p).toMatchObject({ kind: "earlier_run", series: CALLS_OK, breaksCounts: true });
    expect(p.detail).toMatch(/value 201.*k6 wrote nothing for 6\d s/);
  });

  it("belongs to an earlier run also when starved k6 runs pushed their heartbeat only a few times (the silence is not the push interval)", () => {
    // What a CI machine gave: a 1 s run pushed once, the rerun 16 s later twice before it ended.
    const h: Heartbeat = { labels: RUN, times: [T0, T0 + 16, T0 + 17] };
    const p = checkBaseline(CALLS_OK, [T0, "16"], [T0 + 16, "40"], [h]) as CountProblem;
    expect(p).toMatchObject({ kind: "earlier_run", series: CALLS_OK, breaksCounts: true });
    expect(p.detail).toMatch(/k6 wrote nothing for 16 s/);
  });

  it("cannot be vouched for without a heartbeat of the series' run labels", () => {
    const other = beat(T0, 200, 0.02, { __name__: "k6_vus", testid: "another-run" });
    expect(checkBaseline(CALLS_OK, [from - 1, "5"], [from + 1, "9"], [other])?.detail).toMatch(/no k6 heartbeat/);
  });

  it("is judged by its own run's heartbeat, not an untagged k6's that every series' labels cover", () => {
    const untagged = beat(T0 + 150, 10, 0.02, { __name__: "k6_vus" } as typeof RUN);
    expect(heartbeatsOf(CALLS_OK, [beat(T0, 200), untagged]).map((h) => h.labels.testid)).toEqual(["nightly-42"]);
    expect(checkBaseline(CALLS_OK, [from - 0.4, "500"], [from + 0.6, "510"], [beat(T0, 200), untagged])).toBeUndefined();
  });

  it("needs no check when the series has nothing in the window or nothing before it", () => {
    expect(checkBaseline(CALLS_OK, undefined, [from + 1, "9"], [])).toBeUndefined();
    expect(checkBaseline(CALLS_OK, [from - 1, "9"], undefined, [])).toBeUndefined();
  });
});

describe("runSpans: a run already writing at the start of what was fetched", () => {
  it("is seen when the heartbeat starts at the range's start and runs through --from", () => {
    expect(runSpans(beat(T0, 600), T0, T0 + 300)).toBe(true);
    expect(runSpans(beat(T0 + 100, 500), T0, T0 + 300)).toBe(false); // began inside the range
    expect(runSpans(beat(T0, 100), T0, T0 + 300)).toBe(false); // ended before --from
  });
});

describe("counterDecreases", () => {
  it("lists only drops into the window: one k6 never writes one", () => {
    const values = [
      [T0, "90"],
      [T0 + 1, "10"],
      [T0 + 2, "20"],
      [T0 + 3, "35"],
      [T0 + 4, "30"],
    ] as const;
    expect(counterDecreases(values, T0 + 2)).toEqual([{ t: T0 + 4, from: 35, to: 30 }]);
    expect(counterDecreases(values, T0 + 3.5)).toEqual([{ t: T0 + 4, from: 35, to: 30 }]);
    expect(
      counterDecreases(
        [
          [T0, "1"],
          [T0 + 1, "2"],
        ],
        T0 - 1,
      ),
    ).toEqual([]);
  });
});

describe("checkMismatch: calls counter and latency histogram count the same calls", () => {
  const failed = { ...CALLS_OK, outcome: "error" };
  const hist = (labels: Record<string, string>, count: number) => ({ labels: { ...labels, __name__: "k6_mcp_call_duration_seconds" }, count });

  it("agree when the histograms with the counter's labels (failed ones also carry mcp_error) sum to its increase", () => {
    const problems = checkMismatch(
      [
        { labels: CALLS_OK, increase: 2000 },
        { labels: failed, increase: 7 },
      ],
      [hist(CALLS_OK, 2000), hist({ ...failed, mcp_error: "HTTP 500" }, 4), hist({ ...failed, mcp_error: "tool error: x" }, 3)],
    );
    expect(problems).toEqual([]);
  });

  it("name the series when they differ, either way", () => {
    const problems = checkMismatch([{ labels: CALLS_OK, increase: 1000 }], [hist(CALLS_OK, 2000), hist({ ...CALLS_OK, tool: "open_nodes" }, 5)]);
    expect(problems.map((p) => [p.kind, p.series?.tool, p.breaksCounts])).toEqual([
      ["mismatch", "read_graph", true],
      ["mismatch", "open_nodes", true],
    ]);
    expect(problems[0]!.detail).toMatch(/counts 1000 calls .* counts 2000/);
  });

  it("has nothing to compare without native histograms (trend stats only)", () => {
    expect(checkMismatch([{ labels: CALLS_OK, increase: 10 }], [])).toEqual([]);
  });
});

describe("checkHeartbeatWriters: one k6 writes its heartbeat about once a second", () => {
  it("one writer, with scheduling jitter and a tick delivered 0.4 s late, is one writer", () => {
    const h = beat(T0, 60, 0.08);
    h.times[30] = h.times[30]! + 0.4;
    expect(checkHeartbeatWriters(h, T0 - 1, T0 + 100)).toBeUndefined();
  });

  it("a 5 s push interval is still one writer", () => {
    const h: Heartbeat = { labels: RUN, times: Array.from({ length: 20 }, (_, i) => T0 + 5 * i + 0.01 * (i % 3)) };
    expect(checkHeartbeatWriters(h, T0 - 1, T0 + 100)).toBeUndefined();
  });

  it("two writers of the same labels interleave, a fraction of a second apart", () => {
    const h = merged(beat(T0, 6), beat(T0 + 0.37, 6));
    expect(checkHeartbeatWriters(h, T0 - 1, T0 + 10)).toMatchObject({ kind: "writers", series: RUN, breaksCounts: true });
    // Almost in step: still two samples per second.
    expect(checkHeartbeatWriters(merged(beat(T0, 6), beat(T0 + 0.02, 6)), T0 - 1, T0 + 10)?.kind).toBe("writers");
  });
});

describe("checkHeartbeatGaps: k6 silent inside the window", () => {
  it("is found when no sample came for longer than the threshold", () => {
    const h = merged(beat(T0, 20), beat(T0 + 40, 20));
    expect(checkHeartbeatGaps(h, T0 - 1, T0 + 100)?.detail).toMatch(/no sample for 2\d s/);
  });

  it("a busy machine's few seconds of delay are not a silence", () => {
    const h = beat(T0, 30);
    h.times.splice(10, 3); // four seconds without a push
    expect(checkHeartbeatGaps(h, T0 - 1, T0 + 100)).toBeUndefined();
  });

  it("the silence before a window (the previous run) is not inside it", () => {
    const h = merged(beat(T0, 20), beat(T0 + 80, 20));
    expect(checkHeartbeatGaps(h, T0 + 70, T0 + 120)).toBeUndefined();
  });
});

describe("rejectedProblem", () => {
  const series = { __name__: "prometheus_http_requests_total", code: "400", handler: "/api/v1/write" };

  it("rejections in the window break every count", () => {
    const p = rejectedProblem({ increases: [{ series, increase: 2 }], source: "its self-scrape", localized: true }, T0, T0 + 60)!;
    expect(p).toMatchObject({ kind: "rejected", breaksCounts: true });
    expect(p.series).toBeUndefined();
    expect(p.detail).toMatch(/between .* 2 prometheus_http_requests_total\{code="400"/);
  });

  it("totals since Prometheus started cannot be dated, so they break the counts too, saying how to date them", () => {
    expect(rejectedProblem({ increases: [{ series, increase: 1 }], source: "/metrics", localized: false }, T0, T0 + 60)!.detail).toMatch(
      /since it started .* scrape job/,
    );
  });

  it("none rejected: nothing to say; no counters at all: a caveat, the verdicts stand", () => {
    expect(rejectedProblem({ increases: [{ series, increase: 0 }], source: "x", localized: true }, T0, T0 + 60)).toBeUndefined();
    expect(rejectedProblem(undefined, T0, T0 + 60)).toMatchObject({ kind: "unchecked", breaksCounts: false });
  });
});

describe("warningLines", () => {
  it("one line per kind, naming the series, the first six and then how many more", () => {
    const problems: CountProblem[] = Array.from({ length: 8 }, (_, i) => ({
      kind: "earlier_run",
      series: { ...CALLS_OK, tool: `t${i}` },
      detail: "before",
      breaksCounts: true,
    }));
    problems.push({ kind: "unchecked", detail: "not checked", breaksCounts: false });
    const lines = warningLines(problems);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^samples of an earlier run with the same labels \(the counts of these series are not trusted/);
    expect(lines[0]).toContain('tool="t5"');
    expect(lines[0]).not.toContain('tool="t6"');
    expect(lines[0]).toMatch(/and 2 more series$/);
    expect(lines[1]).toMatch(/^rejected writes not checked \(the verdicts stand\): not checked$/);
  });
});

describe("evaluateFromPrometheus with broken counts", () => {
  function slo(id: string, metric: string, objective: string, scope: ResolvedSlo["scope"]): ResolvedSlo {
    return {
      id,
      title: id,
      metricName: metric,
      metric: parseMetric(metric)!,
      threshold: parseThreshold(objective)!,
      objectiveText: objective,
      scope,
      source: { document: "test", lines: "1" },
    };
  }
  const other = { ...CALLS_OK, server: "redis", tool: "get" };
  const calls = [
    { labels: CALLS_OK, value: 5000 },
    { labels: other, value: 5000 },
  ];
  const slos = [
    slo("memory", "success_rate", ">= 99%", { server: "memory" }),
    slo("redis", "success_rate", ">= 99%", { server: "redis" }),
    slo("all", "throughput", ">= 10/s", {}),
  ];
  const opts = { url: "http://127.0.0.1:1", fromMs: T0 * 1000, toMs: (T0 + 60) * 1000 };

  it("makes inconclusive, with no figure, exactly the verdicts whose scope holds a broken series", () => {
    const m = new PrometheusMeasurements(opts, calls, [], [], 0, [{ kind: "writers", series: CALLS_OK, detail: "went down", breaksCounts: true }]);
    const byId = new Map(evaluateFromPrometheus(slos, m).map((r) => [r.id, r]));
    expect(byId.get("redis")!.verdict).toBe("pass");
    for (const id of ["memory", "all"]) {
      expect(byId.get(id)).toMatchObject({ verdict: "inconclusive", measured: null, samples: 0 });
      expect(byId.get(id)!.reason).toMatch(/series written by more than one k6/);
    }
  });

  it("a problem of every series (rejected writes) reaches every verdict; a caveat reaches none", () => {
    const broken = new PrometheusMeasurements(opts, calls, [], [], 0, [{ kind: "rejected", detail: "rejected", breaksCounts: true }]);
    expect(evaluateFromPrometheus(slos, broken).map((r) => r.verdict)).toEqual(["inconclusive", "inconclusive", "inconclusive"]);
    const caveat = new PrometheusMeasurements(opts, calls, [], [], 0, [{ kind: "unchecked", detail: "not checked", breaksCounts: false }]);
    expect(evaluateFromPrometheus(slos, caveat).map((r) => r.verdict)).toEqual(["pass", "pass", "pass"]);
    expect(caveat.warnings()).toHaveLength(1);
  });
});
