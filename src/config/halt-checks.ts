/**
 * The checks of an SLO's `halt:` that need the rest of the file (src/slo/burn-rate.ts says what a
 * halt computes): the SLO's metric and objective have an error budget that calls burn as they come;
 * the scenario judges that SLO on one measurement window whose samples can be watched live (not a
 * capacity search, not an install or a security scan, not a driver that hands its samples over after
 * its load); the workload calls what the SLO's scope names; an evaluation comes at least once a
 * window. They read the file as written (src/contracts/checks.ts), so every problem is said at once.
 */
import type { PathPart, ScenarioFacts } from "../contracts/checks.js";
import { parseMetric } from "../contracts/metric-names.js";
import { parseDurationMs, parseThreshold } from "../contracts/units.js";
import { DRIVERS, DRIVER_NAMES, driverNamed } from "../drivers/index.js";
import { findCatalogSlo } from "../slo/catalog.js";
import { haltRule } from "../slo/burn-rate.js";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Workload kinds that run no load: nothing to watch, nothing to halt. */
const NO_LOAD_KINDS = ["install", "security"];

/** Drivers whose samples reach the recorder as the window runs. */
export function liveDrivers(): string {
  const names = DRIVERS.filter((d) => !d.recordsAfterLoad).map((d) => d.name);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names.join("");
}

export function haltProblems(facts: ScenarioFacts): void {
  facts.arr(["slos"]).forEach((_, i) => {
    const at: PathPart[] = ["slos", i, "halt"];
    if (!isObject(facts.valueAt(at))) return;
    const ref = facts.str(["slos", i, "ref"]);
    // A catalog SLO halts on the catalog's metric and objective; an unknown id is reported elsewhere.
    const catalog = ref === undefined ? undefined : findCatalogSlo(ref);
    const metricName = ref === undefined ? facts.str(["slos", i, "metric"]) : catalog?.metric;
    const objective = ref === undefined ? facts.str(["slos", i, "objective"]) : catalog?.objective;
    const metric = metricName === undefined ? undefined : parseMetric(metricName);
    const threshold = objective === undefined ? undefined : parseThreshold(objective);
    if (metric && threshold) {
      const rule = haltRule(metric, threshold);
      if ("problem" in rule) facts.report(at, `cannot halt on ${metricName} ${objective}: ${rule.problem}`, { found: false });
    }

    const driver = facts.str(["driver"]);
    if (driver !== undefined && DRIVER_NAMES.includes(driver) && driverNamed(driver).recordsAfterLoad)
      facts.report(
        at,
        `the ${driver} driver hands its samples over only after its load ended, so nothing can watch the burn rate: a halt needs the ${liveDrivers()} driver`,
        {
          found: false,
        },
      );
    if (facts.valueAt(["capacity"]) !== undefined)
      facts.report(
        at,
        "a capacity search judges each step on its own and already stops at the first step that fails: a halt applies to a scenario's one measurement window; remove halt, or capacity",
        { found: false },
      );
    const kind = facts.str(["workload", "kind"]);
    if (kind !== undefined && NO_LOAD_KINDS.includes(kind))
      facts.report(at, `a ${kind} workload runs no load and judges no call as it comes: nothing to halt`, { found: false });

    // What the SLO judges must be called, or its halt could never trip (a mix says what it calls).
    const scope = facts.valueAt(["slos", i, "scope"]);
    const judged: { server?: unknown; tool?: unknown } = isObject(scope) ? scope : (catalog?.scope ?? {});
    const server = typeof judged.server === "string" && judged.server !== "*" ? judged.server : undefined;
    const tool = typeof judged.tool === "string" ? judged.tool : undefined;
    if (kind === "mix" && (server !== undefined || tool !== undefined)) {
      const called = facts
        .arr(["workload", "calls"])
        .some((c) => isObject(c) && (server === undefined || c.server === server) && (tool === undefined || c.tool === tool));
      const what = [server !== undefined ? `server "${server}"` : "", tool !== undefined ? `tool "${tool}"` : ""].filter(Boolean).join(", ");
      if (!called)
        facts.report(at, `the workload never calls ${what}, so the scenario judges no call of this SLO and its halt could never trip`, { found: false });
    }

    const windowText = facts.str([...at, "window"]);
    const everyText = facts.str([...at, "every"]) ?? "1s";
    const windowMs = windowText === undefined ? undefined : parseDurationMs(windowText);
    const everyMs = parseDurationMs(everyText);
    if (windowMs !== undefined && everyMs !== undefined && everyMs > windowMs)
      facts.report(
        [...at, "every"],
        `expected every <= window (${windowText}): calls that end between two evaluations would otherwise never be in a window, found "${everyText}"`,
        { found: false },
      );
  });
}
