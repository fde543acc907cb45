import { describe, expect, it } from "vitest";
import { formatMs, parseDurationMs, parseThreshold } from "./units.js";

describe("parseDurationMs", () => {
  it.each([
    ["500ms", 500], ["30s", 30_000], ["2m", 120_000], ["2min", 120_000], ["1h", 3_600_000], ["1.5s", 1500], ["250us", 0.25],
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
