import { describe, expect, it } from "vitest";
import { detectChangePoints, studentTTwoSidedP } from "./change-points.js";

describe("detectChangePoints", () => {
  it("puts a clean step at the first point after it, with the means either side", () => {
    const points = detectChangePoints([...Array(20).fill(10), ...Array(10).fill(12)]);
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ index: 20, meanBefore: 10, meanAfter: 12 });
    expect(points[0]!.relativeChange).toBeCloseTo(0.2, 12);
  });

  it("finds nothing in a constant series, a too-short one, or one with no value", () => {
    expect(detectChangePoints(Array(30).fill(5))).toEqual([]);
    expect(detectChangePoints([1])).toEqual([]);
    expect(detectChangePoints([])).toEqual([]);
    expect(detectChangePoints([null, null, null])).toEqual([]);
  });

  it("fills missing values from the previous run, so a gap is no change", () => {
    const withGap = [...Array(10).fill(3), null, null, ...Array(10).fill(3), ...Array(10).fill(9)];
    expect(detectChangePoints(withGap).map((p) => p.index)).toEqual([22]);
  });

  it("keeps only changes larger than minMagnitude", () => {
    const series = [...Array(15).fill(100), ...Array(15).fill(101)];
    expect(detectChangePoints(series).map((p) => p.index)).toEqual([15]);
    expect(detectChangePoints(series, { minMagnitude: 0.05 })).toEqual([]);
  });

  it("refuses a window shorter than 2", () => {
    expect(() => detectChangePoints([1, 2, 3], { windowLength: 1 })).toThrow(/windowLength/);
  });
});

describe("studentTTwoSidedP", () => {
  it("matches published two-sided p-values of Student's t", () => {
    // scipy.stats.t.sf(|t|, df) * 2
    expect(studentTTwoSidedP(2, 10)).toBeCloseTo(0.07338803477074039, 12);
    expect(studentTTwoSidedP(-3.5, 28)).toBeCloseTo(0.0015764721412354617, 12);
    expect(studentTTwoSidedP(0, 5)).toBeCloseTo(1, 12);
    expect(studentTTwoSidedP(1, 1)).toBeCloseTo(0.5, 12);
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
  });
});
