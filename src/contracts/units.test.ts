import { describe, expect, it } from "vitest";
import { DURATION_BOUNDS } from "./scenario-fields.js";
import { MAX_TIMER_MS, durationProblem, formatDurationBound, formatMs, parseDurationMs, parseThreshold } from "./units.js";

describe("parseDurationMs", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["2min", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["250us", 0.25],
  ])("%s is %d ms", (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(["10", "10 seconds", "-1s", "", "s"])("rejects %j", (text) => expect(parseDurationMs(text)).toBeUndefined());
});

describe("parseThreshold", () => {
  it("reads times, ratios, rates and counts", () => {
    expect(parseThreshold("< 25ms")).toEqual({ op: "<", value: 25, unit: "ms" });
    expect(parseThreshold("<= 5min")).toEqual({ op: "<=", value: 300_000, unit: "ms" });
    expect(parseThreshold(">= 99.7%")!.value).toBeCloseTo(0.997, 10);
    expect(parseThreshold(">= 10000/s")).toEqual({ op: ">=", value: 10_000, unit: "ops/s" });
    expect(parseThreshold("> 32")).toEqual({ op: ">", value: 32, unit: "count" });
  });
  it.each(["fast", "25ms", "== 3", "< -1ms"])("rejects %j", (text) => expect(parseThreshold(text)).toBeUndefined());
});

describe("formatMs", () => {
  it("keeps three significant figures where they matter", () => {
    expect(formatMs(0.8)).toBe("0.800 ms");
    expect(formatMs(12.34)).toBe("12.3 ms");
    expect(formatMs(300_000)).toBe("5 min");
  });
});

describe("durations that are not finite", () => {
  it.each([`${"1".repeat(400)}ms`, `${"9".repeat(310)}h`, "1e400s", "NaNs", "Infinitys", "-5s", ".5s"])("%j is no duration", (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
  it("a long but finite number is a duration (the bounds refuse it)", () => {
    expect(parseDurationMs("10000000000000000000ms")).toBe(1e19);
    expect(durationProblem("10000000000000000000ms", { min: 1, max: 3_600_000 })).toBe("expected a duration between 1ms and 1h");
  });
  it("objectives of 400 digits are no objectives", () => {
    expect(parseThreshold(`< ${"1".repeat(400)}ms`)).toBeUndefined();
    expect(parseThreshold(`>= ${"1".repeat(400)}/s`)).toBeUndefined();
  });
});

describe("durationProblem", () => {
  const b = { min: 1, max: 3_600_000 };
  it.each([
    ["0ms", "expected a duration between 1ms and 1h"],
    ["0.5ms", "expected a duration between 1ms and 1h"],
    ["61m", "expected a duration between 1ms and 1h"],
    ["abc", 'expected a duration between 1ms and 1h, such as "500ms", "30s", "2m" or "1h"'],
    ["5", 'expected a duration between 1ms and 1h, such as "500ms", "30s", "2m" or "1h"'],
  ])("%j: %s", (text, message) => expect(durationProblem(text, b)).toBe(message));
  it.each(["1ms", "1h", "60m", "3600s", "30s"])("%j is within", (text) => expect(durationProblem(text, b)).toBeUndefined());
  it("writes bounds the way people write durations", () => {
    expect([0, 1, 100, 1000, 60_000, 90_000, 3_600_000, 86_400_000, 0.5].map(formatDurationBound)).toEqual([
      "0s",
      "1ms",
      "100ms",
      "1s",
      "1m",
      "90s",
      "1h",
      "24h",
      "500us",
    ]);
  });
  it("every duration bound of the schema stays under Node's timer limit", () => {
    for (const [name, bounds] of Object.entries(DURATION_BOUNDS)) expect(bounds.max, name).toBeLessThan(MAX_TIMER_MS);
  });
});
