import type { ScenarioResult } from "./types.js";

/** A scenario result with nothing measured yet; runners fill in what they measure. */
export function emptyScenarioResult(
  s: { name: string; description: string; file: string; profile: string },
  startedAt: string,
  endedAt = startedAt,
): ScenarioResult {
  return {
    name: s.name,
    description: s.description,
    file: s.file,
    profile: s.profile,
    status: "completed",
    startedAt,
    endedAt,
    servers: [],
    backends: [],
    load: null,
    latency: [],
    timeline: { intervalMs: 1000, points: [] },
    errors: [],
    slos: [],
  };
}
