/**
 * Capacity search: the scenario's workload at rising arrival rates (open
 * model), each step a short measurement window judged against the scenario's
 * own SLOs with the same evaluator as any run. The search stops at the first
 * step where
 *   - an SLO failed: that rate is the breaking rate, the SLOs that failed are named;
 *   - the load generator was the limit (late sends above 1 % of the offered
 *     arrivals, or the harness's CPU saturated): the server was not shown to
 *     break, so nothing is blamed on it and the result says the generator was the limit;
 *   - the run was interrupted.
 * The sustained rate is the highest offered rate of a step that held.
 *
 * Decisions, written down:
 * - An inconclusive verdict does not break a step: the data could not show a
 *   miss. It is listed with the step so a reader sees which steps held only
 *   "not disproven" (typically a p99 on a few hundred samples).
 * - Arrivals dropped because `maxInFlight` calls were unanswered are the
 *   server's backlog, not the generator's weakness: they do not count as a
 *   generator limit here (they still show per step). The latency of the calls
 *   that were sent counts from their scheduled time, so a server falling behind
 *   breaks the latency SLOs.
 * - When the generator was the limit, the step's failed SLOs are kept in the
 *   step (brokenBy) for the record, but the search's `brokenBy` stays empty.
 * - The scenario's verdicts are those of the last step that held; when the
 *   first step did not hold, those of that first step (so the scenario fails).
 *
 * Pure: the step runner is injected (src/run/run-scenario.ts runs real steps,
 * the unit tests fake them).
 */
import type { ResolvedCapacity } from "../contracts/plan.js";
import type { CapacityResult, CapacityStep, CapacityStepOutcome, SloResult } from "../results/types.js";
import { generatorLimit } from "../drivers/generator-health.js";

/** Safety bound on the number of steps, whatever the plan. */
export const MAX_CAPACITY_STEPS = 60;

/** What one step measured; the runner may attach more (T) for the scenario's own result. */
export interface StepMeasurement
  extends Pick<CapacityStep, "offeredRate" | "achievedThroughput" | "basis" | "p50" | "p99" | "okCalls" | "failedCalls" | "measuredMs" | "generator"> {
  slos: SloResult[];
  interrupted: boolean;
}

export type StepRunner<T extends StepMeasurement> = (rate: number, index: number) => Promise<T>;

function roundRate(r: number): number {
  return r >= 100 ? Math.round(r) : Math.round(r * 10) / 10;
}

/** The offered rates of the plan: start, then x factor (or + step), the last one exactly max. */
export function plannedRates(plan: Pick<ResolvedCapacity, "startRate" | "factor" | "stepRate" | "maxRate">): number[] {
  const rates: number[] = [];
  let r = plan.startRate;
  while (r < plan.maxRate && rates.length < MAX_CAPACITY_STEPS - 1) {
    const rounded = roundRate(r);
    if (rates.length === 0 || rounded > rates[rates.length - 1]!) rates.push(rounded);
    r = plan.stepRate !== undefined ? r + plan.stepRate : r * (plan.factor ?? 1.5);
  }
  if (rates.length === 0 || rates[rates.length - 1]! < plan.maxRate) rates.push(plan.maxRate);
  return rates;
}

/** Why the generator could not offer the step's rate; dropped arrivals are the server's backlog here. */
export function generatorLimitOf(g: CapacityStep["generator"]): string | undefined {
  return generatorLimit(g, { droppedIsBacklog: true });
}

/** Judges one measured step: the pure heart of the search. */
export function judgeStep(m: StepMeasurement, index: number): CapacityStep {
  const brokenBy = m.slos.filter((s) => s.verdict === "fail").map((s) => s.id);
  const inconclusive = m.slos.filter((s) => s.verdict === "inconclusive").map((s) => s.id);
  const generatorLimit = generatorLimitOf(m.generator) ?? null;
  const outcome: CapacityStepOutcome = m.interrupted ? "interrupted" : generatorLimit ? "generator-limited" : brokenBy.length > 0 ? "broken" : "sustained";
  return {
    index,
    offeredRate: m.offeredRate,
    achievedThroughput: m.achievedThroughput,
    basis: m.basis,
    p50: m.p50,
    p99: m.p99,
    okCalls: m.okCalls,
    failedCalls: m.failedCalls,
    measuredMs: m.measuredMs,
    generator: m.generator,
    generatorLimit,
    outcome,
    brokenBy,
    inconclusive,
    counts: { pass: m.slos.filter((s) => s.verdict === "pass").length, fail: brokenBy.length, inconclusive: inconclusive.length },
  };
}

const NOTE =
  "Each step is judged against the scenario's SLOs. An inconclusive verdict does not break a step (the data could not show a miss); it is listed with the step. " +
  "The scenario's SLO verdicts, load and latency are those of the last step that held (of the first step when none held). " +
  "A step where the load generator was the limit (late sends above 1 %, or its CPU saturated) ends the search without blaming the server; arrivals dropped at maxInFlight are the server's backlog.";

export async function searchCapacity<T extends StepMeasurement>(
  plan: ResolvedCapacity,
  runStep: StepRunner<T>,
  opts: { signal?: AbortSignal; say?: (line: string) => void } = {},
): Promise<{ result: CapacityResult; verdictStep: T | undefined }> {
  const rates = plannedRates(plan);
  const steps: CapacityStep[] = [];
  let lastHeld: T | undefined;
  let first: T | undefined;
  let verdictsFromStep: number | null = null;
  let stopReason = "";
  let breakingRate: number | null = null;
  let brokenBy: string[] = [];
  let limitedByGenerator = false;
  for (let i = 0; i < rates.length; i++) {
    if (opts.signal?.aborted) {
      stopReason = "interrupted before the next step";
      break;
    }
    const rate = rates[i]!;
    opts.say?.(`capacity step ${i + 1}/${rates.length}: ${rate}/s`);
    const m = await runStep(rate, i);
    first ??= m;
    const step = judgeStep(m, i);
    steps.push(step);
    if (step.outcome === "sustained") {
      lastHeld = m;
      verdictsFromStep = i;
      if (i === rates.length - 1) stopReason = `every step held up to the planned maximum of ${rate}/s`;
      continue;
    }
    if (step.outcome === "interrupted") {
      stopReason = `interrupted during the step at ${rate}/s`;
    } else if (step.outcome === "generator-limited") {
      limitedByGenerator = true;
      stopReason = `stopped at ${rate}/s: the load generator was the limit (${step.generatorLimit}); the server was not shown to break`;
    } else {
      breakingRate = rate;
      brokenBy = step.brokenBy;
      stopReason = `broke at ${rate}/s: ${step.brokenBy.join(", ")} failed`;
    }
    break;
  }
  if (lastHeld === undefined && first !== undefined) verdictsFromStep = 0;
  const sustainedRate = lastHeld ? lastHeld.offeredRate : null;
  const result: CapacityResult = {
    plan: {
      startRate: plan.startRate,
      factor: plan.factor ?? null,
      stepRate: plan.stepRate ?? null,
      maxRate: plan.maxRate,
      stepDurationMs: plan.stepDurationMs,
      settleMs: plan.settleMs,
    },
    steps,
    sustainedRate,
    breakingRate,
    brokenBy,
    limitedByGenerator,
    reachedMax: steps.length === rates.length && steps.every((s) => s.outcome === "sustained"),
    stopReason: stopReason || "no step ran",
    verdictsFromStep,
    note: NOTE,
  };
  return { result, verdictStep: lastHeld ?? first };
}
