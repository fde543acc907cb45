import { describe, expect, it } from "vitest";
import { splitByWeight } from "./split.js";

describe("splitByWeight", () => {
  it("splits by weight (largest remainder), every part at least the minimum", () => {
    expect(splitByWeight(4, [2, 2], 1)).toEqual([2, 2]);
    expect(splitByWeight(4, [3, 1], 1)).toEqual([3, 1]);
    expect(splitByWeight(1, [1, 1], 1)).toEqual([1, 1]);
    expect(splitByWeight(200, [1, 2, 1], 1)).toEqual([50, 100, 50]);
    expect(splitByWeight(10, [1, 1, 1], 0)).toEqual([4, 3, 3]);
    expect(splitByWeight(0, [5, 3], 0)).toEqual([0, 0]);
  });
});
