import { describe, expect, it } from "vitest";
import { median, spreadWithoutOddest } from "./stats.js";

describe("median", () => {
  it("is the middle value, or the mean of the two middle values, of the sorted values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it("is undefined for no values and leaves its input unsorted", () => {
    expect(median([])).toBeUndefined();
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("spreadWithoutOddest", () => {
  it("is the standard deviation of the values less the one farthest from their median", () => {
    // 100 is set aside; sd of 1, 2, 3, 4 = sqrt(5/3)
    expect(spreadWithoutOddest([3, 1, 100, 4, 2])).toBeCloseTo(Math.sqrt(5 / 3), 10);
  });
  it("does not vanish when three of five runs agree, and one odd run cannot move it", () => {
    const runs = [2.673, 2.689, 2.709, 2.517, 3.375];
    const mad = 1.4826 * median(runs.map((x) => Math.abs(x - median(runs)!)))!;
    expect(mad).toBeLessThan(0.03);
    expect(spreadWithoutOddest(runs)).toBeGreaterThan(0.08);
    expect(spreadWithoutOddest([2.673, 2.689, 2.709, 2.517, 300])).toBeCloseTo(spreadWithoutOddest(runs)!, 10);
  });
  it("is undefined for fewer than three values", () => {
    expect(spreadWithoutOddest([1, 2])).toBeUndefined();
  });
});
