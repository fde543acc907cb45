/**
 * The Prometheus metrics of `mcp-slo monitor` and of a run with --metrics-port,
 * on a registry of their own (prom-client's global one is shared by whatever
 * else is loaded in the process).
 *
 * Names the design module asks for ("Métriques MCP spécifiques", see
 * ../shared/slo-catalog.md) keep their names and labels:
 *   mcp_response_time_seconds{mcp_name,operation}, mcp_error_rate{mcp_name,error_type},
 *   mcp_installation_duration_seconds{mcp_name,source,environment},
 *   mcp_installation_success_total{mcp_name,source,result},
 *   mcp_security_validation_score{mcp_name,validation_type}, mcp_vulnerability_count{mcp_name,severity}.
 * The two security metrics come from a security scan (src/security, `mcp-slo scan` or a
 * `kind: security` scenario; security-metrics.ts says which samples a scan gives): a run's exporter
 * sets them when its scan scenario ends, the monitor reads them from the newest scan in the
 * history at each scrape. Without a scan they have no sample; an absent series is honest, a 0 would not be.
 * A run's fallbacks (the agents' resilience policies) give mcp_fallback_failover_seconds{mcp_name,fallback}
 * and mcp_fallback_degradation_ratio{mcp_name,figure} when their scenario ends (resilience-metrics.ts).
 * "Installation" here is a pre-installed package started to a ready MCP session
 * (source="node_modules"), the only install this harness performs.
 *
 * SLOs: every catalog SLO a call can count (slo-events.ts) gets
 * mcp_slo_events_total / mcp_slo_good_events_total, which the generated
 * recording rules turn into error ratios over the SRE workbook's windows, and
 * in-process gauges for people without Prometheus rules: compliance and
 * remaining error budget since the exporter started, burn rate over 5m and 1h.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Outcome, ScenarioResult, SecurityScanResult } from "../results/types.js";
import { FALLBACK_DEGRADATION_HELP, FALLBACK_FAILOVER_HELP, fallbackSamples } from "./resilience-metrics.js";
import { SECURITY_SCORE_HELP, securitySamples, VULNERABILITY_COUNT_HELP } from "./security-metrics.js";
import { classify, EVENT_SLOS, inScope, type EventSlo } from "./slo-events.js";

/** Buckets (seconds) around the guide's targets: 0.8 ms Redis, 2/5/7/12/15/25/35/45 ms, 120 ms, 5 s alert. */
export const RESPONSE_TIME_BUCKETS = [
  0.0005, 0.0008, 0.001, 0.002, 0.005, 0.007, 0.01, 0.012, 0.015, 0.025, 0.035, 0.045, 0.05, 0.1, 0.12, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** In-process windows for the burn-rate gauge; the long SRE windows (6h, 3d) are the Prometheus rules' job. */
export const LIVE_WINDOWS = [
  { label: "5m", ms: 5 * 60_000 },
  { label: "1h", ms: 60 * 60_000 },
] as const;
const SLOT_MS = 10_000;
const SLOTS = (60 * 60_000) / SLOT_MS;

/** Good/total counts in 10 s slots over the last hour: bounded memory whatever the uptime. */
class RollingCounts {
  readonly good = new Float64Array(SLOTS);
  readonly total = new Float64Array(SLOTS);
  readonly slotStart = new Float64Array(SLOTS).fill(-1);
  allGood = 0;
  allTotal = 0;

  add(nowMs: number, good: boolean): void {
    const slot = Math.floor(nowMs / SLOT_MS);
    const i = slot % SLOTS;
    if (this.slotStart[i] !== slot) {
      this.slotStart[i] = slot;
      this.good[i] = 0;
      this.total[i] = 0;
    }
    this.total[i]!++;
    this.allTotal++;
    if (good) {
      this.good[i]!++;
      this.allGood++;
    }
  }

  window(nowMs: number, ms: number): { good: number; total: number } {
    const last = Math.floor(nowMs / SLOT_MS);
    const first = last - Math.ceil(ms / SLOT_MS) + 1;
    let good = 0;
    let total = 0;
    for (let i = 0; i < SLOTS; i++) {
      const s = this.slotStart[i]!;
      if (s >= first && s <= last) {
        good += this.good[i]!;
        total += this.total[i]!;
      }
    }
    return { good, total };
  }
}

export interface McpMetricsOptions {
  /** Injected for tests; Date.now by default. */
  now?: () => number;
  /**
   * Where the security metrics come from at each scrape (the monitor: the newest scan of the history),
   * on top of the scans this process recorded (recordVerdicts); null: none.
   */
  securityScans?: () => Promise<readonly SecurityScanResult[] | null>;
  /** Constant labels on every series, e.g. { source: "monitor" }. */
  defaultLabels?: Record<string, string>;
}

export class McpMetrics {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #slos: readonly EventSlo[];
  readonly #counts = new Map<string, { slo: EventSlo; server: string; counts: RollingCounts }>();
  readonly #errors = new Map<string, RollingCounts>();
  /** The scans this process recorded, in order (a server scanned twice shows its last scan). */
  readonly #scans: SecurityScanResult[] = [];

  readonly responseTime: Histogram<"mcp_name" | "operation">;
  readonly errorRate: Gauge<"mcp_name" | "error_type">;
  readonly calls: Counter<"mcp_name" | "operation" | "outcome">;
  readonly installationDuration: Histogram<"mcp_name" | "source" | "environment">;
  readonly installationSuccess: Counter<"mcp_name" | "source" | "result">;
  readonly securityValidationScore: Gauge<"mcp_name" | "validation_type">;
  readonly vulnerabilityCount: Gauge<"mcp_name" | "severity">;
  readonly probeSuccess: Gauge<"mcp_name" | "probe">;
  readonly probeDuration: Histogram<"mcp_name" | "probe">;
  readonly probes: Counter<"mcp_name" | "probe" | "result">;
  readonly sloEvents: Counter<"slo_id" | "mcp_name">;
  readonly sloGoodEvents: Counter<"slo_id" | "mcp_name">;
  readonly sloVerdict: Gauge<"scenario" | "slo_id" | "verdict">;
  readonly faultEvents: Counter<"fault">;
  readonly fallbackFailover: Gauge<"mcp_name" | "fallback">;
  readonly fallbackDegradation: Gauge<"mcp_name" | "figure">;

  constructor(opts: McpMetricsOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#slos = EVENT_SLOS;
    if (opts.defaultLabels) this.registry.setDefaultLabels(opts.defaultLabels);
    const registers = [this.registry];
    this.responseTime = new Histogram({
      name: "mcp_response_time_seconds",
      help: "MCP tool-call response time (ok and timed-out calls), by server and tool",
      labelNames: ["mcp_name", "operation"],
      buckets: RESPONSE_TIME_BUCKETS,
      registers,
    });
    this.calls = new Counter({
      name: "mcp_calls_total",
      help: "MCP tool calls by outcome (ok, error, timeout)",
      labelNames: ["mcp_name", "operation", "outcome"],
      registers,
    });
    const errors = this.#errors;
    const now = this.#now;
    this.errorRate = new Gauge({
      name: "mcp_error_rate",
      help: "Share of MCP calls that failed over the last 5 minutes, by server and error type (error: the call failed or the tool reported an error; timeout: no answer by the deadline)",
      labelNames: ["mcp_name", "error_type"],
      registers,
      collect() {
        const t = now();
        for (const [key, c] of errors) {
          const [server, type] = key.split("\u0000") as [string, string];
          if (type !== "*") continue;
          const all = c.window(t, LIVE_WINDOWS[0].ms).total;
          // Both types for every server seen, so "no errors" is a 0, not a missing series.
          for (const errorType of ["error", "timeout"]) {
            const bad = errors.get(`${server}\u0000${errorType}`)?.window(t, LIVE_WINDOWS[0].ms).total ?? 0;
            this.set({ mcp_name: server, error_type: errorType }, all > 0 ? bad / all : 0);
          }
        }
      },
    });
    this.installationDuration = new Histogram({
      name: "mcp_installation_duration_seconds",
      help: "Cold install from a registry (source npm, pypi, go; environment cold), or, from the monitor, start of the pre-installed server to a ready session (source node_modules)",
      labelNames: ["mcp_name", "source", "environment"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.installationSuccess = new Counter({
      name: "mcp_installation_success_total",
      help: "Cold installs (source: the registry) or monitor starts (source node_modules) by result (success, failure)",
      labelNames: ["mcp_name", "source", "result"],
      registers,
    });
    const recordedScans = this.#scans;
    const scanSource = opts.securityScans;
    // Both gauges are refilled at each scrape: a server or a group no longer scanned disappears instead
    // of lingering with an old value. One read of the source serves both gauges of a scrape.
    let read: { at: number; scans: Promise<readonly SecurityScanResult[]> } | undefined;
    const samples = async () => {
      const t = performance.now();
      if (scanSource && (read === undefined || t - read.at > 1000)) {
        // A source that cannot be read counts as no scan (the monitor logs why); a scrape never fails over it.
        read = {
          at: t,
          scans: scanSource().then(
            (x) => x ?? [],
            () => [],
          ),
        };
      }
      return securitySamples([...((await read?.scans) ?? []), ...recordedScans]);
    };
    this.securityValidationScore = new Gauge({
      name: "mcp_security_validation_score",
      help: SECURITY_SCORE_HELP,
      labelNames: ["mcp_name", "validation_type"],
      registers,
      async collect() {
        this.reset();
        for (const x of (await samples()).scores) this.set(x.labels, x.value);
      },
    });
    this.vulnerabilityCount = new Gauge({
      name: "mcp_vulnerability_count",
      help: VULNERABILITY_COUNT_HELP,
      labelNames: ["mcp_name", "severity"],
      registers,
      async collect() {
        this.reset();
        for (const x of (await samples()).vulnerabilities) this.set(x.labels, x.value);
      },
    });
    this.probeSuccess = new Gauge({
      name: "mcp_probe_success",
      help: "1 when the last probe of this server answered as expected within its deadline, else 0",
      labelNames: ["mcp_name", "probe"],
      registers,
    });
    this.probeDuration = new Histogram({
      name: "mcp_probe_duration_seconds",
      help: "Probe call duration (a failed probe counts until it failed or hit its deadline)",
      labelNames: ["mcp_name", "probe"],
      buckets: RESPONSE_TIME_BUCKETS,
      registers,
    });
    this.probes = new Counter({
      name: "mcp_probes_total",
      help: "Probes run, by result (success, unexpected: answered but not as expected, error, timeout)",
      labelNames: ["mcp_name", "probe", "result"],
      registers,
    });
    this.sloEvents = new Counter({
      name: "mcp_slo_events_total",
      help: "Calls counted by a catalog SLO (its SLI's denominator)",
      labelNames: ["slo_id", "mcp_name"],
      registers,
    });
    this.sloGoodEvents = new Counter({
      name: "mcp_slo_good_events_total",
      help: "Calls that met a catalog SLO (its SLI's numerator)",
      labelNames: ["slo_id", "mcp_name"],
      registers,
    });
    this.sloVerdict = new Gauge({
      name: "mcp_slo_verdict",
      help: "Verdict of an SLO in a finished scenario of this run (1 for the verdict it got)",
      labelNames: ["scenario", "slo_id", "verdict"],
      registers,
    });
    this.faultEvents = new Counter({
      name: "mcp_fault_events_total",
      help: "Fault events (injected, healed) seen by the harness; the dashboard draws them as annotations",
      labelNames: ["fault"],
      registers,
    });
    this.fallbackFailover = new Gauge({
      name: "mcp_fallback_failover_seconds",
      help: FALLBACK_FAILOVER_HELP,
      labelNames: ["mcp_name", "fallback"],
      registers,
    });
    this.fallbackDegradation = new Gauge({
      name: "mcp_fallback_degradation_ratio",
      help: FALLBACK_DEGRADATION_HELP,
      labelNames: ["mcp_name", "figure"],
      registers,
    });

    const sloCounts = this.#counts;
    new Gauge({
      name: "mcp_slo_objective_ratio",
      help: "Share of good events a catalog SLO promises",
      labelNames: ["slo_id"],
      registers,
      collect() {
        for (const s of EVENT_SLOS) this.set({ slo_id: s.id }, s.objective);
      },
    });
    new Gauge({
      name: "mcp_slo_compliance_ratio",
      help: "Share of good events since the exporter started",
      labelNames: ["slo_id", "mcp_name"],
      registers,
      collect() {
        for (const { slo, server, counts } of sloCounts.values())
          if (counts.allTotal > 0) this.set({ slo_id: slo.id, mcp_name: server }, counts.allGood / counts.allTotal);
      },
    });
    new Gauge({
      name: "mcp_slo_error_budget_remaining_ratio",
      help: "Share of the error budget left since the exporter started (1 untouched, 0 spent, negative overspent)",
      labelNames: ["slo_id", "mcp_name"],
      registers,
      collect() {
        for (const { slo, server, counts } of sloCounts.values()) {
          if (counts.allTotal === 0) continue;
          const badShare = 1 - counts.allGood / counts.allTotal;
          this.set({ slo_id: slo.id, mcp_name: server }, 1 - badShare / slo.errorBudget);
        }
      },
    });
    new Gauge({
      name: "mcp_slo_burn_rate",
      help: "Error-budget burn rate (bad share / budget) over a trailing window; 1 spends the budget exactly by the end of the SLO period",
      labelNames: ["slo_id", "mcp_name", "window"],
      registers,
      collect() {
        const t = now();
        for (const { slo, server, counts } of sloCounts.values()) {
          for (const w of LIVE_WINDOWS) {
            const { good, total } = counts.window(t, w.ms);
            if (total > 0) this.set({ slo_id: slo.id, mcp_name: server, window: w.label }, (1 - good / total) / slo.errorBudget);
          }
        }
      },
    });
  }

  /** One finished MCP call (a probe or a run's measured call). */
  observeCall(server: string, tool: string, outcome: Outcome, latencyMs: number): void {
    const t = this.#now();
    this.calls.inc({ mcp_name: server, operation: tool, outcome });
    if (outcome !== "error") this.responseTime.observe({ mcp_name: server, operation: tool }, latencyMs / 1000);
    this.#errorCounts(server, "*").add(t, true);
    if (outcome !== "ok") this.#errorCounts(server, outcome).add(t, true);
    for (const slo of this.#slos) {
      if (!inScope(slo, server, tool)) continue;
      const kind = classify(slo, outcome, latencyMs);
      if (kind === "none") continue;
      const labels = { slo_id: slo.id, mcp_name: server };
      this.sloEvents.inc(labels);
      if (kind === "good") this.sloGoodEvents.inc(labels);
      const key = `${slo.id}\u0000${server}`;
      let entry = this.#counts.get(key);
      if (!entry) {
        entry = { slo, server, counts: new RollingCounts() };
        this.#counts.set(key, entry);
      }
      entry.counts.add(t, kind === "good");
    }
  }

  #errorCounts(server: string, type: string): RollingCounts {
    const key = `${server}\u0000${type}`;
    let c = this.#errors.get(key);
    if (!c) {
      c = new RollingCounts();
      this.#errors.set(key, c);
    }
    return c;
  }

  /** The verdicts of a finished scenario, for a run's live metrics; an install scenario's cold installs, a scan scenario's scores and the fallbacks' figures too. */
  recordVerdicts(result: ScenarioResult): void {
    if (result.security) this.recordSecurity(result.security);
    const fallbacks = fallbackSamples(result.resilience?.fallbacks ?? []);
    for (const x of fallbacks.failover) this.fallbackFailover.set(x.labels, x.value);
    for (const x of fallbacks.degradation) this.fallbackDegradation.set(x.labels, x.value);
    for (const slo of result.slos) {
      for (const v of ["pass", "fail", "inconclusive"] as const)
        this.sloVerdict.set({ scenario: result.name, slo_id: slo.id, verdict: v }, slo.verdict === v ? 1 : 0);
    }
    // The design module's installation metrics, from real cold installs (source: the registry; the
    // monitor records starts of the pre-installed copy under source "node_modules" instead).
    for (const i of result.install ?? []) {
      if (i.outcome === "installed") this.installationDuration.observe({ mcp_name: i.server, source: i.registry, environment: "cold" }, i.installMs / 1000);
      this.installationSuccess.inc({ mcp_name: i.server, source: i.registry, result: i.outcome === "installed" ? "success" : "failure" });
    }
  }

  /** A finished scan: mcp_security_validation_score and mcp_vulnerability_count of its servers from the next scrape on. */
  recordSecurity(scan: SecurityScanResult): void {
    this.#scans.push(scan);
    // Only the last scan of each server is shown: older ones need not be kept.
    if (this.#scans.length > 100) this.#scans.splice(0, this.#scans.length - 100);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
