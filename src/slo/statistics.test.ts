import { describe, expect, it } from "vitest";
import { meanInterval, minimumTrialsToProve, wilsonInterval } from "./statistics.js";

describe("wilsonInterval", () => {
  it("matches a published value (Wilson 1927 / Newcombe 1998: 81 of 263)", () => {
    const { low, high } = wilsonInterval(81, 263);
    expect(low).toBeCloseTo(0.2553, 3);
    expect(high).toBeCloseTo(0.3662, 3);
  });
  it("stays inside [0, 1] at the edges", () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(10, 10).high).toBeCloseTo(1, 12);
    expect(wilsonInterval(10, 10).low).toBeLessThan(1);
  });
  it("narrows as trials grow", () => {
    const small = wilsonInterval(99, 100);
    const large = wilsonInterval(9900, 10000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });
});

describe("minimumTrialsToProve", () => {
  it("says 100 clean samples cannot prove a p99 but 380 can", () => {
    const n = minimumTrialsToProve(0.99);
    expect(n).toBeGreaterThan(100);
    expect(wilsonInterval(n, n).low).toBeGreaterThanOrEqual(0.99);
    expect(wilsonInterval(n - 1, n - 1).low).toBeLessThan(0.99);
  });
});

describe("meanInterval", () => {
  it("is infinite with one sample and shrinks with sqrt(n)", () => {
    expect(meanInterval(10, 2, 1).high).toBe(Infinity);
    const a = meanInterval(10, 2, 100);
    const b = meanInterval(10, 2, 400);
    expect((a.high - a.low) / (b.high - b.low)).toBeCloseTo(2, 5);
  });
});
