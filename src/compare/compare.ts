/**
 * Compares a candidate run with a baseline, metric by metric, without crying wolf
 * (../shared/measurement.md, "Comparing runs"): a change is regressed or improved only when it is
 * both significant (outside the band noise alone explains) and material (larger than the smallest
 * effect that matters); otherwise unchanged; inconclusive when a value or its noise is missing.
 */
import { HarnessError } from "../errors.js";
import { decodeHistogram } from "../metrics/histogram.js";
import type { RunRecord, ScenarioResult } from "../results/types.js";
import { Z95, wilsonInterval } from "../slo/statistics.js";
import { comparability } from "./comparability.js";
import { extractMetrics, scenarioKey } from "./metrics.js";
import type { ChangeVerdict, Comparison, MetricComparison, MetricValue, RunRef } from "./types.js";
import { spreadWithoutOddest } from "../util/stats.js";
import { ABSOLUTE_FLOORS } from "../contracts/units.js";

type Unit = MetricValue["unit"];

export const DEFAULT_RELATIVE_FLOOR = 0.05;

/** Earlier comparable runs needed before their spread is the noise (measurement.md). */
export const HISTORY_MIN_RUNS = 5;

/** Earlier comparable runs a comparison takes its noise from, at most (newest first). */
export const NOISE_RUNS = 10;

/**
 * History band: +-K x sqrt(2) x sigma, sigma = the standard deviation of the metric over the earlier
 * runs less the one farthest from their median (robust to one odd night, src/util/stats.ts; it was
 * 1.4826 x MAD until an A/B of a Redis toxic had an untouched PostgreSQL p50 "improved": of its five
 * earlier runs three agreed within 0.04 ms, so the MAD gave a band of +-0.13 ms where the quiet runs
 * spread over 0.19 ms). sqrt(2): baseline and candidate are
 * each one draw. K = 3: a false alarm per metric of about 0.3 % if runs were normal, so a comparison of
 * a hundred metrics cries wolf about once in three nights at most, before the material floor.
 */
export const HISTORY_K = 3;

/**
 * Own intervals (fewer than HISTORY_MIN_RUNS earlier runs) are widened by this factor, after batch
 * means have allowed for dependence within each run. What is left is the difference between runs: the
 * machine's load of the moment moves every figure of a run together, and nothing inside one run can
 * see it. Measured on this project's 2-core machine shared by other jobs (load average 11-13): five
 * runs of the default suite, each compared with the four others (6180 metric comparisons), differed
 * by up to 12x the batch-means band (throughput of the coordination scenario: 1409 vs 493 ops/s;
 * latency up to 10x); 14 is the smallest whole factor that left none of them regressed or improved.
 * Checked again with the machine quiet (README, "Comparing runs"): the same 20 comparisons, none
 * regressed or improved, the closest at 0.89 of its band, so a quiet machine would need about 13.
 * A design-effect factor in the sense of survey sampling: the half-width times sqrt(design effect).
 * It makes two-run comparisons on a busy machine blunt on purpose; five earlier runs give the
 * real spread instead (README, "Comparing runs").
 */
export const DEPENDENCE_WIDENING = 14;

/**
 * Share of the machine's cores by which the work outside the run may differ between two runs before a
 * two-run comparison stops reading a change in the direction of that load as the candidate's own
 * (README, "Comparing runs"). 0.1: on 2 cores, 0.2 of a core, above what an idle machine shows
 * (three runs of the e2e fixture on this project's idle 2-core machine: 0.00 each) and well below one
 * other busy process (a whole core; a second harness run beside one moved it by 0.34).
 */
export const OUTSIDE_LOAD_TOLERANCE = 0.1;

/**
 * Share of the machine's cores busy outside a run from which that run's figures cannot be compared
 * with another's on their own intervals (README, "Comparing runs"): a change that makes the busy run
 * look worse is inconclusive, whatever the other run's load. 0.25: half a core of 2. Seen: an A/A pair
 * of the e2e fixture in a fresh-clone test run (two test files at a time on 2 cores) moved every
 * latency figure of the candidate by +37 % (p50 0.374 -> 0.513 ms, 17x its own band) and was called
 * regressed: the difference of outside load did not pass the tolerance above, so both runs had the
 * other test file's work beside them. The same pair run here with a security scan beside the
 * candidate only measured 0.00 vs 0.64 cores outside.
 */
export const BUSY_OUTSIDE_SHARE = 0.25;

type OutsideCpu = NonNullable<NonNullable<ScenarioResult["load"]>["outsideCpu"]>;

export interface CompareOptions {
  /** Earlier comparable runs, newest first (the baseline and candidate themselves are left out). */
  history?: readonly RunRecord[];
  relativeFloor?: number;
  absoluteFloors?: Partial<Record<Unit, number>>;
  /** Compare even when the runs are not comparable (said in the comparison). */
  force?: boolean;
  /** How the runs were named and where they were read from. */
  baselineRef?: Partial<Pick<RunRef, "location" | "ref">>;
  candidateRef?: Partial<Pick<RunRef, "location" | "ref">>;
  /** Own-interval widening; tests only (the default is the measured one). */
  widening?: number;
}

interface Band {
  low: number;
  high: number;
}

export function compareRuns(baseline: RunRecord, candidate: RunRecord, options: CompareOptions = {}): Comparison {
  const comparable = comparability(baseline, candidate);
  if (!comparable.ok && !options.force)
    throw new HarnessError("invalid_input", `${baseline.runId} and ${candidate.runId} are not comparable: ${comparable.differences.join("; ")}`, {
      hint: "compare runs of the same scenarios, profile and provider, or pass --force",
      details: comparable.differences,
    });
  const relativeFloor = options.relativeFloor ?? DEFAULT_RELATIVE_FLOOR;
  const absoluteFloor = { ...ABSOLUTE_FLOORS, ...options.absoluteFloors };
  const widening = options.widening ?? DEPENDENCE_WIDENING;
  const exclude = new Set([baseline.runId, candidate.runId]);
  const history = (options.history ?? []).filter((r) => !exclude.has(r.runId));
  const historyValues = new Map<string, number[]>();
  for (const run of history)
    for (const v of extractMetrics(run))
      if (v.value !== null && Number.isFinite(v.value)) {
        const list = historyValues.get(v.key) ?? [];
        list.push(v.value);
        historyValues.set(v.key, list);
      }

  const base = new Map(extractMetrics(baseline).map((v) => [v.key, v]));
  const cand = extractMetrics(candidate);
  const keys = [...new Set([...base.keys(), ...cand.map((v) => v.key)])];
  const candByKey = new Map(cand.map((v) => [v.key, v]));
  const outsideOf = (r: RunRecord) => new Map(r.scenarios.map((s) => [scenarioKey(s), s.load?.outsideCpu]));
  const baseOutside = outsideOf(baseline);
  const candOutside = outsideOf(candidate);
  const metrics = keys.map((key) => {
    const m = compareOne(base.get(key), candByKey.get(key), historyValues.get(key) ?? [], {
      relativeFloor,
      absoluteFloor,
      widening,
    });
    return m.lowConfidence ? busierMachine(m, baseOutside.get(m.scenario), candOutside.get(m.scenario)) : m;
  });
  const counts: Record<ChangeVerdict, number> = { improved: 0, unchanged: 0, regressed: 0, inconclusive: 0 };
  for (const m of metrics) counts[m.verdict]++;
  const ref = (r: RunRecord, given: CompareOptions["baselineRef"]): RunRef => ({
    runId: r.runId,
    startedAt: r.startedAt,
    location: given?.location ?? r.runId,
    ...(given?.ref === undefined ? {} : { ref: given.ref }),
  });
  return {
    baseline: ref(baseline, options.baselineRef),
    candidate: ref(candidate, options.candidateRef),
    comparable: { ...comparable, forced: !comparable.ok },
    historyRuns: history.length >= HISTORY_MIN_RUNS ? history.length : 0,
    rules: { relativeFloor, absoluteFloor },
    metrics,
    counts,
  };
}

interface Rules {
  relativeFloor: number;
  absoluteFloor: Record<Unit, number>;
  widening: number;
}

function compareOne(b: MetricValue | undefined, c: MetricValue | undefined, history: number[], rules: Rules): MetricComparison {
  const v = (c ?? b) as MetricValue;
  const head = {
    key: v.key,
    scenario: v.scenario,
    source: v.source,
    metric: v.metric,
    ...(v.server === undefined ? {} : { server: v.server }),
    ...(v.tool === undefined ? {} : { tool: v.tool }),
    title: v.title,
    unit: v.unit,
    better: v.better,
    baseline: b?.value ?? null,
    candidate: c?.value ?? null,
  };
  const bv = b?.value ?? null;
  const cv = c?.value ?? null;
  if (bv === null || cv === null || !Number.isFinite(bv) || !Number.isFinite(cv)) {
    const missing = bv === null || !b ? (cv === null || !c ? "either run" : "the baseline") : "the candidate";
    return inconclusive(head, null, null, null, "none", false, `no value in ${missing}`);
  }
  const difference = cv - bv;
  const relative = bv !== 0 ? difference / Math.abs(bv) : null;
  const floor = materialFloor(v.unit, bv, rules);

  let noise: Band | null;
  let method: string;
  let lowConfidence: boolean;
  let whyNoNoise = "";
  if (history.length >= HISTORY_MIN_RUNS) {
    const half = HISTORY_K * Math.SQRT2 * spreadWithoutOddest(history)!;
    noise = { low: -half, high: half };
    method = `history: standard deviation of ${history.length} earlier runs less the oddest, band +-${HISTORY_K} x sqrt(2) x sd`;
    // The spread of a few runs can come out narrower than what the two runs' own samples can tell
    // (a MAD of 5 values is 0 when 3 agree): a difference is never known better than the two runs'
    // own intervals combined, so the band is at least that (not widened: the history stands for
    // the between-run part).
    const own = combinedOwnBand(b as MetricValue, c as MetricValue, 1);
    if (own !== null && !("why" in own) && (own.low < noise.low || own.high > noise.high)) {
      noise = { low: Math.min(noise.low, own.low), high: Math.max(noise.high, own.high) };
      method += `, at least the two runs' own intervals (${own.method})`;
    }
    lowConfidence = false;
  } else {
    lowConfidence = true;
    const own = combinedOwnBand(b as MetricValue, c as MetricValue, rules.widening);
    if (own === null || "why" in own) {
      noise = null;
      method = "own intervals (low confidence)";
      whyNoNoise = own === null ? "" : own.why;
    } else {
      noise = { low: own.low, high: own.high };
      method = `own intervals (low confidence): ${own.method}, widened x${rules.widening} between runs`;
    }
  }
  const common = { difference, relative, materialFloor: floor };
  if (noise === null)
    return inconclusive(
      head,
      difference,
      relative,
      floor,
      method,
      lowConfidence,
      `${whyNoNoise}; fewer than ${HISTORY_MIN_RUNS} earlier comparable runs to take the noise from`,
    );

  const significant = difference < noise.low || difference > noise.high;
  const material = Math.abs(difference) > floor;
  let verdict: ChangeVerdict = "unchanged";
  let reason: string;
  if (significant && material) {
    const worse = v.better === "lower" ? difference > 0 : difference < 0;
    verdict = worse ? "regressed" : "improved";
    reason = `the difference is outside the noise band and larger than the material floor (${fmt(floor)} ${v.unit})`;
  } else if (!significant) reason = "the difference is within the noise band";
  else reason = `the difference is outside the noise band but not larger than the material floor (${fmt(floor)} ${v.unit})`;
  return { ...head, ...common, noise, method, lowConfidence, verdict, reason };
}

/**
 * Two runs alone cannot tell a slower stack from a busier machine (measurement.md, "Comparing runs").
 * When the work outside the run differed by more than OUTSIDE_LOAD_TOLERANCE of the machine, a change
 * in the direction that load explains (worse on the busier candidate, better on the quieter one) is
 * inconclusive; a change against it (worse although the candidate's machine was quieter) stands.
 * With 5 earlier runs the noise band is their spread, which has seen the machine's load come and go.
 */
export function busierMachine(m: MetricComparison, base: OutsideCpu | undefined, cand: OutsideCpu | undefined): MetricComparison {
  if (m.verdict !== "regressed" && m.verdict !== "improved") return m;
  if (base === undefined || cand === undefined) return m;
  const tolerance = OUTSIDE_LOAD_TOLERANCE * Math.max(base.cpus, cand.cpus);
  const busier = cand.cores - base.cores;
  const explained = m.verdict === "regressed" ? busier > tolerance : -busier > tolerance;
  const cores = (c: OutsideCpu) => `${c.cores.toFixed(2)} of ${c.cpus} cores`;
  // The run that looks worse ran on a machine busy with other work: the load of the moment moves
  // every figure of a run together, by more than the two runs' own intervals can show.
  const worse = m.verdict === "regressed" ? { run: "candidate", load: cand } : { run: "baseline", load: base };
  if (!explained && worse.load.cores >= BUSY_OUTSIDE_SHARE * worse.load.cpus)
    return {
      ...m,
      verdict: "inconclusive",
      reason:
        `${m.verdict === "regressed" ? "worse" : "better"} beyond the noise band, but the machine was busy outside the run in the ${worse.run} ` +
        `(${cores(worse.load)}; ${cores(worse.run === "candidate" ? base : cand)} in the ${worse.run === "candidate" ? "baseline" : "candidate"}): ` +
        `on a busy machine two runs cannot tell the stack's own change from the load of the moment; ${HISTORY_MIN_RUNS} earlier comparable runs give the real spread`,
    };
  if (!explained) return m;
  return {
    ...m,
    verdict: "inconclusive",
    reason:
      `${m.verdict === "regressed" ? "worse" : "better"} beyond the noise band, but the machine was ${busier > 0 ? "busier" : "quieter"} outside the run ` +
      `in the candidate (${cores(cand)} vs ${cores(base)} in the baseline): two runs cannot tell that from the stack's own change; ` +
      `${HISTORY_MIN_RUNS} earlier comparable runs give the real spread`,
  };
}

function inconclusive(
  head: Omit<MetricComparison, "difference" | "relative" | "noise" | "materialFloor" | "method" | "lowConfidence" | "verdict" | "reason">,
  difference: number | null,
  relative: number | null,
  materialFloor: number | null,
  method: string,
  lowConfidence: boolean,
  reason: string,
): MetricComparison {
  return { ...head, difference, relative, noise: null, materialFloor, method, lowConfidence, verdict: "inconclusive", reason };
}

/**
 * max(relative floor x baseline, absolute floor). For a ratio the relative floor applies to the
 * smaller of the ratio and its complement: 5 % of 99.9 % success would let the failures grow fifty-fold
 * before a change mattered; 5 % of the 0.1 % failing is what the user meant (never under 0.1 pp).
 */
export function materialFloor(unit: Unit, baseline: number, rules: Pick<Rules, "relativeFloor" | "absoluteFloor">): number {
  const scale = unit === "ratio" ? Math.min(Math.abs(baseline), Math.abs(1 - baseline)) : Math.abs(baseline);
  return Math.max(rules.relativeFloor * scale, rules.absoluteFloor[unit]);
}

type Interval = { low: number; high: number; method: string } | { why: string };

/**
 * A 95 % interval of one run's value from its own samples: the i.i.d. interval, at least as wide as
 * the batch-means one (measured dependence within the run), before the between-run widening.
 */
/**
 * The band of candidate - baseline from the two runs' own intervals, times `widening`; why there is
 * none when either run has no interval for the figure (null: the values themselves are missing).
 */
function combinedOwnBand(b: MetricValue, c: MetricValue, widening: number): (Band & { method: string }) | { why: string } | null {
  if (b.value === null || c.value === null) return null;
  const ib = ownInterval(b);
  const ic = ownInterval(c);
  if ("why" in ib) return { why: ib.why };
  if ("why" in ic) return { why: ic.why };
  // d = c - b is low when c is low or b is high: combine the matching half-widths.
  return {
    low: -widening * Math.hypot(ib.high - b.value, c.value - ic.low),
    high: widening * Math.hypot(b.value - ib.low, ic.high - c.value),
    method: ib.method,
  };
}

export function ownInterval(v: MetricValue): Interval {
  const iid = iidInterval(v);
  if ("why" in iid || v.batchRelSe === undefined || v.value === null) return iid;
  const half = Z95 * v.batchRelSe * Math.abs(v.value);
  const low = Math.min(iid.low, v.value - half);
  const high = Math.max(iid.high, v.value + half);
  const batch = low < iid.low || high > iid.high;
  return { low, high, method: batch ? `${iid.method}, at least batch means over the timeline` : iid.method };
}

function iidInterval(v: MetricValue): Interval {
  const value = v.value as number;
  if (v.histogram !== undefined && (v.unit === "ms" || v.unit === "s")) {
    let h: ReturnType<typeof decodeHistogram>;
    try {
      h = decodeHistogram(v.histogram);
    } catch {
      return { why: "its histogram does not decode" };
    }
    const n = h.totalCount;
    if (v.quantile !== undefined) {
      const q = v.quantile;
      // The order statistics either side of rank n*q hold the quantile with 95 % (binomial, normal approximation).
      if (n * q < 5 || n * (1 - q) < 5)
        return { why: `${n} samples: too few for a p${+(q * 100).toFixed(1)} interval (needs ${Math.ceil(5 / Math.min(q, 1 - q))})` };
      const sd = Math.sqrt(n * q * (1 - q));
      const lo = Math.max(1, Math.floor(n * q - Z95 * sd));
      const hi = Math.min(n, Math.ceil(n * q + Z95 * sd));
      const at = (rank: number) => h.getValueAtPercentile((100 * rank) / n) / 1000;
      return { low: Math.min(at(lo), value), high: Math.max(at(hi), value), method: "quantile order-statistic interval from the HDR counts" };
    }
    if (n < 2) return { why: `${n} samples: a mean needs at least 2` };
    const half = (Z95 * (h.stdDeviation / 1000)) / Math.sqrt(n);
    return { low: value - half, high: value + half, method: "mean +- 1.96 sd/sqrt(n) from the HDR histogram" };
  }
  if (v.unit === "ratio" && v.successes !== undefined && v.samples > 0) {
    const w = wilsonInterval(v.successes, v.samples);
    return { low: Math.min(w.low, value), high: Math.max(w.high, value), method: "Wilson 95 %" };
  }
  if (v.unit === "ops/s" && v.source === "metric") {
    // A count of ok calls over a fixed window: Poisson, sd sqrt(N).
    if (v.samples < 1) return { low: value, high: value, method: "Poisson on the ok-call count" };
    const half = (Z95 * value) / Math.sqrt(v.samples);
    return { low: value - half, high: value + half, method: "Poisson on the ok-call count" };
  }
  if (v.unit === "count" && v.source === "metric") {
    const half = Z95 * Math.sqrt(value);
    return { low: value - half, high: value + half, method: "Poisson on the count" };
  }
  if (v.samples <= 1) return { why: "one value per run: its noise is known only from earlier runs" };
  return { why: "no interval for this figure from one run" };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3);
}
