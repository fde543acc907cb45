/**
 * Turns measurements into verdicts, following ../shared/measurement.md:
 * a verdict must be supported by the data, not by a point estimate. Pure:
 * everything it needs comes in through `Measurements`.
 */
import type { ResolvedSlo } from "../contracts/plan.js";
import { ABSOLUTE_FLOORS, compare, formatThreshold, formatValue, type Comparator, type Threshold } from "../contracts/units.js";
import type { FallbackMeasurement, FaultResult, RpoResult, SloResult, Verdict } from "../results/types.js";
import { judgeChange } from "./degradation.js";
import { countBelow, maxMs, meanMs, newHistogram, percentileMs, stdDevMs, type Histogram } from "../metrics/histogram.js";
import { METRIC_FAMILIES, QUANTILE_OF, type Statistic } from "../contracts/metric-names.js";
import { INITIALIZE_METHOD } from "../contracts/sessions.js";
import { meanInterval, minimumTrialsToProve, wilsonInterval } from "./statistics.js";

export interface Scope {
  server?: string;
  tool?: string;
  /** An MCP method; initialize: the session setups of session churn, apart from the calls. */
  method?: string;
}

/**
 * Latency known by bucket counts instead of samples (Prometheus native
 * histograms, src/slo/prometheus-source.ts): enough for the same rules.
 * Every figure must be conservative: countBelow counts a bucket only when
 * all of it lies below the threshold.
 */
export interface LatencyCounts {
  kind: "counts";
  totalCount: number;
  /** Samples known to be below (inclusive: at or below) the threshold; undefined when only point estimates exist. */
  countBelow(thresholdMs: number, inclusive: boolean): number | undefined;
  /** Estimate of a percentile (0..100) in ms, reported beside the verdict, never the basis of one. */
  percentileMs(percentile: number): number | undefined;
  mean: { ms: number; stdDevMs: number } | undefined;
  /** The slowest sample lies in [lowMs, highMs]. */
  max: { lowMs: number; highMs: number } | undefined;
  /** Why a statistic cannot be judged from this source, when it cannot. */
  limitation?: string;
}

/**
 * Availability in a scope by its two independent measures (../shared/measurement.md,
 * "Availability and success rate"). Either may be missing.
 */
export interface AvailabilityMeasure {
  /** From the load: good and bad time of the agents' timelines, and the corrected count of intended calls in scope. */
  load: { goodMs: number; badMs: number; trials: number } | undefined;
  /** From the always-on probe (or the fault experiment's): ok probes of the probes sent in the window. */
  probe: { ok: number; probes: number; tool: string; intervalMs: number } | undefined;
}

/** What the evaluator may ask of a scenario's measurements. */
export interface Measurements {
  servers: readonly string[];
  /** Latency of ok and timed-out calls in scope (a timeout counts at its deadline). */
  latency(scope: Scope): Histogram | LatencyCounts;
  /**
   * Calls in scope: ok, failed (any kind), and `missed`: in the closed model, calls the agents would
   * have sent while stuck on a timed-out call or backing off from a lost session (all failures).
   */
  calls(scope: Scope): { ok: number; failed: number; missed?: number };
  /** Time-based availability; absent for sources that keep no timeline of the calls (Prometheus). */
  availability?(scope: Scope): AvailabilityMeasure;
  /**
   * The harness's own event-loop delay p99 over the window (ms): the most a latency sample can be
   * too long by. Undefined when unknown (samples not timed by the harness: k6, Prometheus).
   */
  harnessDelayMs?(): number | undefined;
  /** Completed ok calls per second over the window, and why the generator could not be trusted, if so. */
  throughput(scope: Scope): { okCalls: number; windowMs: number; generatorLimit: string | undefined };
  coordination(): Histogram | undefined;
  cache(): { hits: number; misses: number } | undefined;
  concurrentAgents(): { held: number; agents: number } | undefined;
  peakConcurrency(server: string): { peak: number; failed: number };
  startTimeMs(server: string): { max: number; sessions: number } | undefined;
  /** Servers whose upstream is a local stand-in of a SaaS API. */
  standIn(server: string | undefined): boolean;
  /** Injected faults and their recovery, when the scenario injects faults. */
  recovery?(): readonly FaultResult[] | undefined;
  /** Data loss per store, when the scenario runs RPO writers. */
  rpo?(): readonly RpoResult[] | undefined;
  /** Cold install of a server, when the scenario is an install scenario (src/install); undefined when not measured. */
  installTime?(server: string): { ms: number; finished: boolean; limitMs: number; from: string } | undefined;
  /** The agents' fallbacks during faults and what they cost (src/resilience/measure.ts); undefined when the scenario has no fallback policy. */
  fallbacks?(): readonly FallbackMeasurement[] | undefined;
  /**
   * The session setups (method initialize) of the window in scope, when sessions churn: latency of
   * ok and timed-out setups (a timeout at the start timeout), and counts. Undefined: none were measured.
   */
  initialize?(scope: Scope): { latency: Histogram; ok: number; failed: number } | undefined;
  /** A server's security score (src/security/score.ts), when the scenario is a security scan; undefined when it was not scanned. */
  securityScore?(server: string): { lower: number; upper: number; measuredShare: number; checks: number; cap?: string; error?: string } | undefined;
}

/** Measurements of a window in which nothing was called: the base for sources that measure other things (installs, tests). */
export function noCallMeasurements(servers: readonly string[]): Measurements {
  const empty = newHistogram();
  return {
    servers,
    latency: () => empty,
    calls: () => ({ ok: 0, failed: 0 }),
    throughput: () => ({ okCalls: 0, windowMs: 0, generatorLimit: undefined }),
    coordination: () => undefined,
    cache: () => undefined,
    concurrentAgents: () => undefined,
    peakConcurrency: () => ({ peak: 0, failed: 0 }),
    startTimeMs: () => undefined,
    standIn: () => false,
  };
}

/** Decides against a 95 % interval [low, high] of the measured statistic. */
export function judgeInterval(op: Comparator, target: number, low: number, high: number): Verdict {
  switch (op) {
    case ">=":
      return low >= target ? "pass" : high < target ? "fail" : "inconclusive";
    case ">":
      return low > target ? "pass" : high <= target ? "fail" : "inconclusive";
    case "<":
      return high < target ? "pass" : low >= target ? "fail" : "inconclusive";
    case "<=":
      return high <= target ? "pass" : low > target ? "fail" : "inconclusive";
  }
}

/** Positive when the measured value has room to spare. */
function marginOf(t: Threshold, measured: number): number {
  return t.op === "<" || t.op === "<=" ? t.value - measured : measured - t.value;
}

function marginText(t: Threshold, measured: number): string {
  const m = marginOf(t, measured);
  const size = formatValue(Math.abs(m), t.unit);
  if (m === 0) return "exactly at the target";
  const good = m > 0;
  const word = t.op === "<" || t.op === "<=" ? (good ? "under" : "over") : good ? "above" : "below";
  return `${size} ${word} the target`;
}

type Draft = Omit<SloResult, "id" | "title" | "metric" | "objective" | "source" | "scope" | "standIn">;

function noData(reason: string, unit: SloResult["unit"]): Draft {
  return { measured: null, unit, measuredText: "not measured", samples: 0, interval: null, margin: null, marginText: "", verdict: "inconclusive", reason };
}

function objectiveText(slo: ResolvedSlo): string {
  const stat = slo.metric.statistic;
  const fam = slo.metric.family.replace(/_/g, " ");
  return `${fam}${stat ? ` ${stat === "p99_9" ? "p99.9" : stat}` : ""} ${formatThreshold(slo.threshold)}`;
}

function judgeRatio(t: Threshold, successes: number, trials: number, of: string): Draft {
  if (trials === 0) return noData("no calls in scope during the measurement window", "ratio");
  const ratio = successes / trials;
  const { low, high } = wilsonInterval(successes, trials);
  const verdict = judgeInterval(t.op, t.value, low, high);
  const need = minimumTrialsToProve(t.value);
  const reason =
    verdict === "pass"
      ? `the whole 95 % interval [${formatValue(low, "ratio")}, ${formatValue(high, "ratio")}] meets the target`
      : verdict === "fail"
        ? `the whole 95 % interval [${formatValue(low, "ratio")}, ${formatValue(high, "ratio")}] misses the target`
        : `the 95 % interval [${formatValue(low, "ratio")}, ${formatValue(high, "ratio")}] straddles the target` +
          (trials < need && (t.op === ">=" || t.op === ">")
            ? `; even with no failure, proving ${formatValue(t.value, "ratio")} takes at least ${need} trials (had ${trials})`
            : "");
  return {
    measured: ratio,
    unit: "ratio",
    measuredText: `${formatValue(ratio, "ratio")} (${successes}/${trials})`,
    samples: trials,
    interval: { low, high, kind: "wilson95", of },
    margin: marginOf(t, ratio),
    marginText: marginText(t, ratio),
    verdict,
    reason,
  };
}

/**
 * pN < T is true exactly when more than N % of the samples are below T: judge
 * the fraction below T with the Wilson rule, report the percentile beside it.
 */
function judgePercentile(t: Threshold, stat: Exclude<Statistic, "mean" | "max">, h: Histogram, label: string): Draft {
  const n = h.totalCount;
  if (n === 0) return noData(`no ${label} samples in the measurement window`, "ms");
  const q = QUANTILE_OF[stat];
  return judgeShare(t, stat, n, countBelow(h, t.value, t.op === "<=" || t.op === ">"), percentileMs(h, q * 100));
}

/** The percentile rule from counts alone: `below` of `n` samples below the threshold. */
function judgeShare(t: Threshold, stat: Exclude<Statistic, "mean" | "max">, n: number, below: number, measured: number): Draft {
  const q = QUANTILE_OF[stat];
  const upper = t.op === "<" || t.op === "<=";
  const m = upper ? below : n - below;
  const need = upper ? q : 1 - q;
  const { low, high } = wilsonInterval(m, n);
  const verdict = judgeInterval(">=", need, low, high);
  const share = `${formatValue(m / n, "ratio")} of ${n} samples ${upper ? "within" : "beyond"} ${formatValue(t.value, "ms")}`;
  const minimum = minimumTrialsToProve(need);
  const reason =
    verdict === "pass"
      ? `${share}; the 95 % interval of that share stays above ${formatValue(need, "ratio")}`
      : verdict === "fail"
        ? `${share}; the 95 % interval of that share stays below ${formatValue(need, "ratio")}`
        : `${share}; its 95 % interval [${formatValue(low, "ratio")}, ${formatValue(high, "ratio")}] straddles ${formatValue(need, "ratio")}` +
          (n < minimum ? ` (a ${stat} can be proven only from ${minimum} samples)` : "");
  return {
    measured,
    unit: "ms",
    measuredText: formatValue(measured, "ms"),
    samples: n,
    interval: { low, high, kind: "wilson95", of: `share of samples ${upper ? "within" : "beyond"} ${formatValue(t.value, "ms")}` },
    margin: marginOf(t, measured),
    marginText: marginText(t, measured),
    verdict,
    reason,
  };
}

function judgeMean(t: Threshold, h: Histogram, label: string): Draft {
  const n = h.totalCount;
  if (n < 2) return noData(`${n} ${label} samples: a mean needs at least 2`, "ms");
  return judgeMeanOf(t, meanMs(h), stdDevMs(h), n);
}

function judgeMeanOf(t: Threshold, mean: number, stdDev: number, n: number): Draft {
  const { low, high } = meanInterval(mean, stdDev, n);
  const verdict = judgeInterval(t.op, t.value, low, high);
  return {
    measured: mean,
    unit: "ms",
    measuredText: formatValue(mean, "ms"),
    samples: n,
    interval: { low, high, kind: "mean95", of: "mean latency" },
    margin: marginOf(t, mean),
    marginText: marginText(t, mean),
    verdict,
    reason: `95 % interval of the mean [${formatValue(low, "ms")}, ${formatValue(high, "ms")}] ${verdict === "pass" ? "meets" : verdict === "fail" ? "misses" : "straddles"} the target`,
  };
}

/** A value with no sampling uncertainty of its own (a maximum, a count, a rate over a window). */
function judgeExact(t: Threshold, measured: number, samples: number, unit: SloResult["unit"], why: string): Draft {
  const ok = compare(t.op, measured, t.value);
  return {
    measured,
    unit,
    measuredText: formatValue(measured, unit === "s" ? "s" : unit),
    samples,
    interval: null,
    margin: marginOf(t, measured),
    marginText: marginText(t, measured),
    verdict: ok ? "pass" : "fail",
    reason: why,
  };
}

function judgeCounts(t: Threshold, stat: Statistic, c: LatencyCounts, label: string): Draft {
  const n = c.totalCount;
  const limited = (what: string) => noData(`${what}${c.limitation ? `: ${c.limitation}` : ""}`, "ms");
  if (n === 0) return noData(`no ${label} samples in the measurement window`, "ms");
  if (stat === "mean") {
    if (n < 2) return noData(`${n} ${label} samples: a mean needs at least 2`, "ms");
    return c.mean ? judgeMeanOf(t, c.mean.ms, c.mean.stdDevMs, n) : limited("no mean in this source");
  }
  if (stat === "max") {
    if (!c.max) return limited("no maximum in this source");
    const { lowMs, highMs } = c.max;
    const verdict = judgeInterval(t.op, t.value, lowMs, highMs);
    return {
      ...judgeExact(t, highMs, n, "ms", `slowest of ${n} samples lies in [${formatValue(lowMs, "ms")}, ${formatValue(highMs, "ms")}] (bucket bounds)`),
      measuredText: `<= ${formatValue(highMs, "ms")}`,
      verdict,
    };
  }
  const below = c.countBelow(t.value, t.op === "<=" || t.op === ">");
  const estimate = c.percentileMs(QUANTILE_OF[stat] * 100);
  if (below === undefined) {
    // A point estimate, however close to the target, proves nothing.
    const d = limited(`no counts below ${formatValue(t.value, "ms")}, only a point estimate`);
    return estimate === undefined ? d : { ...d, measured: estimate, measuredText: `${formatValue(estimate, "ms")} (point estimate)`, samples: n };
  }
  return judgeShare(t, stat, n, below, estimate ?? NaN);
}

/**
 * ../shared/measurement.md, "Harness timing error": a sample timed by the harness's event loop can
 * only be too long, by at most the loop's delay. So for "latency < T" a pass stands, and a fail
 * stands only if it still fails against T raised by that delay; otherwise the harness's own delay
 * could account for the miss and the verdict is inconclusive. For "latency > T" (rare) it is the
 * pass that must survive the raised threshold. The measured value and margin stay those against T.
 */
function allowForHarnessDelay(t: Threshold, judge: (threshold: Threshold) => Draft, delayMs: number | undefined): Draft {
  const d = judge(t);
  const upper = t.op === "<" || t.op === "<=";
  const atStake = upper ? d.verdict === "fail" : d.verdict === "pass";
  if (!atStake) return d;
  if (delayMs === undefined) return { ...d, reason: `${d.reason}; the harness's own timing delay is not known for this source, so it is not allowed for` };
  if (delayMs <= 0) return d;
  const raised = { ...t, value: t.value + delayMs };
  const again = judge(raised);
  const delay = `the harness's own event-loop delay (p99 ${formatValue(delayMs, "ms")} over this window)`;
  if (again.verdict === d.verdict) return { ...d, reason: `${d.reason}; it stands against ${formatValue(raised.value, "ms")}, the target raised by ${delay}` };
  return {
    ...d,
    verdict: "inconclusive",
    reason: `${d.reason}; but ${delay} could account for the ${upper ? "miss" : "pass"}: against ${formatValue(raised.value, "ms")} it is ${again.verdict === "pass" ? "a pass" : again.verdict}`,
  };
}

function pctText(x: number): string {
  return formatValue(x, "ratio");
}

function secondsText(ms: number): string {
  return ms < 1000 ? formatValue(ms, "ms") : `${+(ms / 1000).toFixed(ms >= 100_000 ? 0 : 2)} s`;
}

/**
 * Availability: the load's good time / observed time judges whenever the load called the scope;
 * the probe's ok / sent judges a scope the load never called; both are stated.
 * The Wilson rule needs trials: the load's are the corrected count of intended calls in scope
 * (raw calls plus the calls a stall or a backoff kept the agents from sending), with
 * availability x trials successes; the probe's are its probes.
 */
function judgeAvailability(t: Threshold, scope: Scope, m: Measurements): Draft {
  const a = m.availability?.(scope);
  if (!a) {
    const c = m.calls(scope);
    const d = judgeRatio(t, c.ok, c.ok + c.failed + (c.missed ?? 0), "share of ok calls");
    return { ...d, reason: `${d.reason}; counted by calls: this source keeps no timeline of the calls, so no time-based availability` };
  }
  const probeText = a.probe
    ? a.probe.probes > 0
      ? `probe (${a.probe.tool} every ${secondsText(a.probe.intervalMs)}): ${a.probe.ok} of ${a.probe.probes} ok, ${pctText(a.probe.ok / a.probe.probes)}`
      : `probe (${a.probe.tool}): no probe in the window`
    : "no probe";
  const load = a.load;
  const observed = load ? load.goodMs + load.badMs : 0;
  if (load && observed > 0 && load.trials > 0) {
    const ratio = load.goodMs / observed;
    // Not rounded: a good share of 99.99 % over 3000 calls must not count as 3000 successes.
    const d = judgeRatio(t, ratio * load.trials, load.trials, "time-based availability, over the corrected count of intended calls");
    return {
      ...d,
      measured: ratio,
      measuredText: `${pctText(ratio)} of ${secondsText(observed)} observed`,
      margin: marginOf(t, ratio),
      marginText: marginText(t, ratio),
      reason: `judged on the load: good ${secondsText(load.goodMs)} of ${secondsText(observed)} of the agents' time, over ${load.trials} intended calls; ${d.reason}. Beside it, ${probeText}`,
    };
  }
  if (a.probe && a.probe.probes > 0) {
    const d = judgeRatio(t, a.probe.ok, a.probe.probes, "share of ok probes");
    return { ...d, reason: `judged on the probe (the load made no call in scope): ${probeText}; ${d.reason}` };
  }
  return noData("no call and no probe in scope during the measurement window", "ratio");
}

function isCounts(h: Histogram | LatencyCounts): h is LatencyCounts {
  return (h as Partial<LatencyCounts>).kind === "counts";
}

function judgeStatistic(t: Threshold, stat: Statistic, h: Histogram | LatencyCounts, label: string): Draft {
  if (isCounts(h)) return judgeCounts(t, stat, h, label);
  if (stat === "mean") return judgeMean(t, h, label);
  if (stat === "max") {
    if (h.totalCount === 0) return noData(`no ${label} samples`, "ms");
    return judgeExact(t, maxMs(h), h.totalCount, "ms", `slowest of ${h.totalCount} samples`);
  }
  return judgePercentile(t, stat, h, label);
}

function evaluateOne(slo: ResolvedSlo, scope: Scope, m: Measurements): Draft {
  const t = slo.threshold;
  const fam = slo.metric.family;
  const expectedUnit = METRIC_FAMILIES[fam].unit;
  if (t.unit !== expectedUnit && !(expectedUnit === "count" && t.unit === "count")) {
    return noData(`objective is in ${t.unit} but ${fam} is measured in ${expectedUnit}`, expectedUnit === "ops/s" ? "ops/s" : expectedUnit);
  }
  if (scope.server !== undefined && !m.servers.includes(scope.server)) return noData(`server "${scope.server}" is not part of this scenario`, expectedUnit);
  if (scope.method === INITIALIZE_METHOD) return judgeInitialize(slo, scope, m);
  switch (fam) {
    case "latency": {
      const h = m.latency(scope);
      return allowForHarnessDelay(t, (thr) => judgeStatistic(thr, slo.metric.statistic!, h, "call"), m.harnessDelayMs?.());
    }
    case "coordination_latency": {
      const h = m.coordination();
      return h
        ? allowForHarnessDelay(t, (thr) => judgeStatistic(thr, slo.metric.statistic!, h, "coordination"), m.harnessDelayMs?.())
        : noData("this scenario runs no coordination workload", "ms");
    }
    case "success_rate":
    case "error_rate": {
      // Corrected counts (closed model): the calls a stall kept the agents from sending are failures too.
      const c = m.calls(scope);
      const missed = c.missed ?? 0;
      const trials = c.ok + c.failed + missed;
      const d =
        fam === "success_rate"
          ? judgeRatio(t, c.ok, trials, "share of ok calls among intended calls")
          : judgeRatio(t, c.failed + missed, trials, "share of failed calls among intended calls");
      if (missed === 0) return d;
      const raw = c.ok + c.failed;
      const rawShare = raw > 0 ? (fam === "success_rate" ? c.ok : c.failed) / raw : 0;
      return {
        ...d,
        reason: `raw ${pctText(rawShare)} of ${raw} calls sent; corrected for ${missed} calls the agents could not send while stuck on timed-out calls or backing off: ${d.reason}`,
      };
    }
    case "availability":
      return judgeAvailability(t, scope, m);
    case "cache_hit_ratio": {
      const c = m.cache();
      return c ? judgeRatio(t, c.hits, c.hits + c.misses, "share of cache hits") : noData("this scenario runs no cache-aside workload", "ratio");
    }
    case "throughput": {
      const tp = m.throughput(scope);
      if (tp.windowMs < 1000 || tp.okCalls === 0)
        return noData(`window of ${formatValue(tp.windowMs, "ms")} with ${tp.okCalls} ok calls is too short to judge a rate`, "ops/s");
      const rate = (tp.okCalls * 1000) / tp.windowMs;
      const d = judgeExact(t, rate, tp.okCalls, "ops/s", `${tp.okCalls} ok calls over ${formatValue(tp.windowMs, "ms")}`);
      if (d.verdict === "fail" && tp.generatorLimit) return { ...d, verdict: "inconclusive", reason: `the load generator was the limit: ${tp.generatorLimit}` };
      return d;
    }
    case "concurrent_agents": {
      const c = m.concurrentAgents();
      if (!c) return noData("no agents ran", "count");
      return judgeExact(t, c.held, c.agents, "count", `${c.held} of ${c.agents} concurrent sessions completed calls with no failure`);
    }
    case "concurrent_operations": {
      if (scope.server === undefined) return noData("concurrent operations are counted per server; give the SLO a server scope", "count");
      const c = m.peakConcurrency(scope.server);
      const d = judgeExact(t, c.peak, c.peak, "count", `peak of ${c.peak} calls in flight at once`);
      if (c.failed > 0 && d.verdict === "pass") return { ...d, verdict: "fail", reason: `${d.reason}, but ${c.failed} calls failed` };
      // Fewer in flight with nothing failing means the load never asked for more, not that the server refused it.
      if (d.verdict === "fail" && c.failed === 0)
        return {
          ...d,
          verdict: "inconclusive",
          reason: `${d.reason} and none failed: the load never asked for more at once (offer more, e.g. a higher open-model rate)`,
        };
      return d;
    }
    case "start_time": {
      if (scope.server === undefined) return noData("start time is measured per server; give the SLO a server scope", "ms");
      const s = m.startTimeMs(scope.server);
      return s ? judgeExact(t, s.max, s.sessions, "ms", `slowest spawn-to-initialized of ${s.sessions} sessions`) : noData("no session started", "ms");
    }
    case "rto": {
      const all = m.recovery?.() ?? [];
      const faults = all.filter((f) => f.injected);
      if (faults.length === 0) {
        const why = [...new Set(all.map((f) => f.notInjectedReason).filter((x): x is string => x !== undefined))];
        return noData(`no fault was injected${why.length ? ` (${why.join("; ")})` : ""}, so there is no recovery to time`, "ms");
      }
      const stuck = faults.filter((f) => !f.recovered);
      if (stuck.length > 0) {
        const worst = Math.max(...stuck.map((f) => f.limitMs));
        return {
          ...judgeExact(t, worst, faults.length, "ms", ""),
          measuredText: `not recovered within ${formatValue(worst, "ms")}`,
          // The wait ran out, the recovery time is unknown: no margin can be stated.
          measured: null,
          margin: null,
          marginText: "did not recover",
          verdict: "fail",
          reason: `${stuck.map((f) => f.id).join(", ")} did not recover within ${formatValue(worst, "ms")}: a result, and a miss`,
        };
      }
      const worst = faults.reduce((a, f) => ((f.rtoMs ?? 0) > (a.rtoMs ?? 0) ? f : a));
      return judgeExact(t, worst.rtoMs ?? 0, faults.length, "ms", `slowest recovery of ${faults.length} fault(s): ${worst.id} (${worst.description})`);
    }
    case "rpo":
      return judgeRpo(
        t,
        (m.rpo?.() ?? []).filter((r) => scope.server === undefined || r.store === scope.server),
        scope,
      );
    case "install_time": {
      if (!m.installTime)
        return noData(`${METRIC_FAMILIES[fam].describe}: not measured by this scenario (an install scenario measures it: workload kind install)`, "ms");
      if (scope.server === undefined) return noData("install time is measured per server; give the SLO a server scope", "ms");
      const i = m.installTime(scope.server);
      if (!i) return noData(`the install of ${scope.server} failed or did not run: no time to judge (the scenario's error says why)`, "ms");
      if (!i.finished) {
        // Stopped at the limit: the install time is only known to exceed it.
        // So the limit decides only when it already lies on the far side of the target.
        const d = judgeExact(t, i.limitMs, 1, "ms", "");
        const upper = t.op === "<" || t.op === "<=";
        const verdict = upper ? (d.verdict === "fail" ? "fail" : "inconclusive") : d.verdict === "pass" ? "pass" : "inconclusive";
        const why =
          verdict === "inconclusive"
            ? `stopped at ${formatValue(i.limitMs, "ms")}, before the install time could meet or miss the target: raise the install limit`
            : `still installing after ${formatValue(i.limitMs, "ms")}`;
        return {
          ...d,
          measured: null,
          margin: null,
          measuredText: `not installed within ${formatValue(i.limitMs, "ms")}`,
          marginText: "did not finish",
          verdict,
          reason: why,
        };
      }
      return judgeExact(t, i.ms, 1, "ms", `one cold install from ${i.from} into empty directories and caches, registry download included`);
    }
    case "security_score":
      return judgeSecurityScore(t, m, scope);
    case "degradation":
      return judgeDegradation(t, m, scope);
  }
}

/**
 * The session setups (scope method initialize) by the rules of calls: latency of ok and timed-out
 * setups, success and error rate of setups. No other family describes a setup.
 */
function judgeInitialize(slo: ResolvedSlo, scope: Scope, m: Measurements): Draft {
  const t = slo.threshold;
  const fam = slo.metric.family;
  const unit = METRIC_FAMILIES[fam].unit;
  if (fam !== "latency" && fam !== "success_rate" && fam !== "error_rate")
    return noData(`method initialize is judged by latency, success_rate or error_rate, not ${fam}`, unit);
  const measured = m.initialize?.(scope);
  if (!measured || measured.ok + measured.failed === 0)
    return noData("no session was set up during the measurement window (initialize is measured when sessions churn: scenario sessions.churn)", unit);
  if (fam === "latency")
    return allowForHarnessDelay(t, (thr) => judgeStatistic(thr, slo.metric.statistic!, measured.latency, "initialize"), m.harnessDelayMs?.());
  const trials = measured.ok + measured.failed;
  return fam === "success_rate"
    ? judgeRatio(t, measured.ok, trials, "share of ok session setups")
    : judgeRatio(t, measured.failed, trials, "share of failed session setups");
}

/**
 * Performance degradation during a fallback (../shared/measurement.md, "Fallback degradation"): latency
 * (p50) and throughput of the agents' calls during each fallback against their steady state before the
 * fault, each judged by the comparison rules against the objective (src/slo/degradation.ts). Fails when
 * any figure of any fallback fails; passes when every one passes; otherwise inconclusive.
 */
function judgeDegradation(t: Threshold, m: Measurements, scope: Scope): Draft {
  const all = m.fallbacks?.();
  if (all === undefined)
    return noData("degradation during a fallback: not measured by this scenario (it needs a resilience policy with a fallback, and a fault)", "ratio");
  const mine = all.filter((f) => scope.server === undefined || scope.server === "*" || f.server === scope.server);
  if (mine.length === 0) return noData(`no fallback of ${scope.server ?? "any server"} after a fault`, "ratio");
  if (t.op !== "<" && t.op !== "<=") return noData(`a degradation objective is an upper bound ("< 5%"), found "${t.op}"`, "ratio");
  const harness = m.harnessDelayMs?.();
  const judged = mine.flatMap((f) => {
    const base = f.baseline;
    const during = f.during;
    const name = `${f.server} -> ${f.fallbackServer ?? "degraded mode"} (${f.faultId})`;
    return (["latency", "throughput"] as const).map((figure) => {
      const c = f[figure];
      const bv = figure === "latency" ? base.p50Ms : base.throughput;
      const dv = figure === "latency" ? (during?.p50Ms ?? null) : (during?.throughput ?? null);
      const j = judgeChange({
        relative: c.relative,
        band: c.band,
        limit: t.value,
        absolute: bv !== null && dv !== null ? Math.abs(dv - bv) : 0,
        absoluteFloor: figure === "latency" ? ABSOLUTE_FLOORS.ms : ABSOLUTE_FLOORS["ops/s"],
        ...(figure === "latency" && harness !== undefined && bv !== null && bv > 0 && { harnessSlack: harness / bv }),
        what: `${name}: ${figure === "latency" ? "p50 latency" : "throughput"}`,
        missing: `${name}: ${c.reason}`,
      });
      return { ...j, relative: c.relative };
    });
  });
  const verdict = judged.some((j) => j.verdict === "fail") ? "fail" : judged.every((j) => j.verdict === "pass") ? "pass" : "inconclusive";
  const values = judged.map((j) => j.relative).filter((v): v is number => v !== null);
  const max = values.length ? Math.max(...values) : null;
  // No "-0.0 %": a change under a thousandth is none.
  const worst = max === null ? null : Math.abs(max) < 5e-4 ? 0 : max;
  const decisive = judged.filter((j) => j.verdict === verdict);
  return {
    measured: worst,
    unit: "ratio",
    measuredText: worst === null ? "not measured" : `${(worst * 100).toFixed(1)} % worst (latency and throughput of ${mine.length} fallback(s))`,
    samples: mine.reduce((a, f) => a + (f.during?.calls ?? 0), 0),
    interval: null,
    margin: worst === null || verdict === "inconclusive" ? null : t.value - worst,
    marginText: worst === null || verdict === "inconclusive" ? "undecided" : `${((t.value - worst) * 100).toFixed(1)} pp to spare`,
    verdict,
    reason: (decisive.length ? decisive : judged).map((j) => j.reason).join("; "),
  };
}

/**
 * A security score out of 10 with unmeasured checks (../shared/measurement.md, "Security score"):
 * `lower` counts them failed, `upper` passed. It passes only when everything that applies was
 * measured and the score meets the target; it fails when even the upper bound misses; otherwise it
 * is inconclusive, with how much was measured and the range.
 */
function judgeSecurityScore(t: Threshold, m: Measurements, scope: Scope): Draft {
  if (!m.securityScore)
    return noData("security score: not measured by this scenario (a security scan measures it: workload kind security, or mcp-slo scan)", "count");
  if (scope.server === undefined) return noData("the security score is measured per server; give the SLO a server scope", "count");
  const s = m.securityScore(scope.server);
  if (!s) return noData(`${scope.server} was not scanned`, "count");
  if (s.error !== undefined) return noData(`the scan of ${scope.server} did not finish: ${s.error}`, "count");
  const range = s.lower === s.upper ? formatScore(s.lower) : `${formatScore(s.lower)} to ${formatScore(s.upper)}`;
  const share = `${Math.round(s.measuredShare * 100)} % of the applicable weight measured`;
  const capped = s.cap ? `; capped: ${s.cap}` : "";
  const upperMisses = !compare(t.op, s.upper, t.value);
  const lowerMeets = compare(t.op, s.lower, t.value);
  const complete = s.measuredShare >= 1;
  const verdict = upperMisses ? "fail" : complete && lowerMeets ? "pass" : "inconclusive";
  // The figure judged: the score itself when complete; else the bound that decided (upper for a miss), or the lower bound.
  const measured = complete ? s.lower : upperMisses ? s.upper : s.lower;
  const why =
    verdict === "inconclusive"
      ? `${share}: the score lies between ${range}, on both sides of the target; the unmeasured checks decide (${s.checks} checks${capped})`
      : `${s.checks} checks, ${share}${complete ? "" : `, score between ${range}`}${capped}`;
  return {
    measured,
    unit: "count",
    measuredText: complete ? `${formatScore(s.lower)}/10` : `${range}/10 (${Math.round(s.measuredShare * 100)} % measured)`,
    samples: s.checks,
    interval: null,
    margin: verdict === "inconclusive" ? null : marginOf(t, measured),
    marginText: verdict === "inconclusive" ? "undecided" : marginText(t, measured),
    verdict,
    reason: why,
  };
}

function formatScore(x: number): string {
  return (Math.round(x * 10) / 10).toFixed(1);
}

/** An RPO in seconds as people read it: "6.02 s", "30 s". */
function rpoSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 10_000 ? `${+(ms / 1000).toFixed(2)} s` : `${+(ms / 1000).toFixed(1)} s`;
}

/**
 * RPO, following ../shared/measurement.md: loss is loss (acknowledged writes missing with no fault
 * to account for them fail every RPO objective), a censored RPO is a lower bound (it can fail a
 * target, never prove one), and only a read-back that really failed leaves the verdict open.
 */
export function judgeRpo(t: Threshold, stores: readonly RpoResult[], scope: Scope = {}): Draft {
  if (stores.length === 0) return noData(scope.server ? `no RPO writer for ${scope.server} in this scenario` : "this scenario runs no RPO writers", "ms");
  const unread = stores.filter((r) => r.readBackError !== undefined || (r.rpoMs === null && !((r.lostWithoutFault ?? 0) > 0)));
  if (unread.length > 0)
    return noData(`could not read back ${unread.map((r) => `${r.store}${r.readBackError ? ` (${r.readBackError})` : ""}`).join(", ")} after recovery`, "ms");
  const acked = stores.reduce((a, r) => a + r.acknowledged, 0);
  if (acked === 0) return noData("no write was acknowledged, so none could be lost", "ms");
  const counts = stores.map((r) => `${r.store}: ${r.lost} of ${r.acknowledged} acknowledged writes lost (${r.durability})`).join("; ");
  const withoutFault = stores.filter((r) => (r.lostWithoutFault ?? 0) > 0);
  if (withoutFault.length > 0) {
    const n = withoutFault.reduce((a, r) => a + (r.lostWithoutFault ?? 0), 0);
    return {
      measured: null,
      unit: "ms",
      measuredText: `acknowledged writes lost without a fault (${n} of ${acked})`,
      samples: acked,
      interval: null,
      margin: null,
      marginText: "writes lost",
      verdict: "fail",
      reason: `acknowledged writes lost without a fault: ${withoutFault.map((r) => `${r.store}: ${r.lostWithoutFault} of ${r.acknowledged}`).join("; ")}; no injected fault accounts for them, a consistency failure (e.g. concurrent writers overwriting each other). ${counts}`,
    };
  }
  const worst = stores.reduce((a, r) => ((r.rpoMs ?? 0) > (a.rpoMs ?? 0) ? r : a));
  const rpo = worst.rpoMs ?? 0;
  const lost = stores.some((r) => r.lost > 0);
  // Writes lost as the fault hit: the RPO is above 0, however short; "<= 0 s" (no loss acceptable) fails.
  const d = judgeExact(t, lost && rpo === 0 ? Number.MIN_VALUE : rpo, acked, "ms", counts);
  const inFlight = lost && rpo === 0 ? { measuredText: "> 0 ms (writes acknowledged as the fault hit were lost)" } : {};
  const censored = stores.filter((r) => r.censored);
  if (censored.length === 0) return { ...d, ...inFlight };
  // A lower bound: it fails a target it already exceeds; it can never show one is met.
  const bound = censored.reduce((a, r) => ((r.writerAgeMs ?? r.rpoMs ?? 0) > (a.writerAgeMs ?? a.rpoMs ?? 0) ? r : a));
  const age = bound.writerAgeMs ?? bound.rpoMs ?? 0;
  const measuredText = `>= ${rpoSeconds(rpo)}`;
  if (d.verdict === "fail" && !worst.censored) return { ...d, measuredText };
  if (d.verdict === "fail") {
    return {
      ...d,
      measuredText,
      marginText: `at least ${rpoSeconds(Math.abs(d.margin ?? 0))} over the target`,
      reason: `${bound.store} lost everything its writer had written before ${bound.faultId ?? "the fault"}, so the RPO is at least ${rpoSeconds(rpo)}, already over the target. ${counts}`,
    };
  }
  return {
    ...d,
    measuredText,
    margin: null,
    marginText: "censored: a lower bound",
    verdict: "inconclusive",
    reason: `the writer ran ${rpoSeconds(age)} before the fault: too short to show an RPO under ${rpoSeconds(t.value)} (${bound.store} lost everything it had written, so the RPO is only known to be at least ${rpoSeconds(rpo)}; start the writers earlier with rpo.lead). ${counts}`,
  };
}

/** Every SLO of a scenario, "*" scopes expanded to one verdict per server. */
export function evaluateSlos(slos: readonly ResolvedSlo[], m: Measurements): SloResult[] {
  const out: SloResult[] = [];
  for (const slo of slos) {
    const scopes: Scope[] = slo.scope.server === "*" ? m.servers.map((server) => ({ ...slo.scope, server })) : [slo.scope];
    for (const scope of scopes) {
      const draft = evaluateOne(slo, scope, m);
      out.push({
        id: slo.scope.server === "*" ? `${slo.id}@${scope.server}` : slo.id,
        title: slo.scope.server === "*" ? `${slo.title}: ${scope.server}` : slo.title,
        metric: slo.metricName,
        objective: objectiveText(slo),
        source: slo.source,
        scope: {
          ...(scope.server !== undefined && { server: scope.server }),
          ...(scope.tool !== undefined && { tool: scope.tool }),
          ...(scope.method !== undefined && { method: scope.method }),
        },
        standIn: m.standIn(scope.server),
        ...draft,
      });
    }
  }
  return out;
}

export function overallVerdict(results: readonly SloResult[]): { verdict: Verdict; counts: Record<Verdict, number> } {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const r of results) counts[r.verdict]++;
  const verdict: Verdict = counts.fail > 0 ? "fail" : counts.inconclusive > 0 || results.length === 0 ? "inconclusive" : "pass";
  return { verdict, counts };
}
