import { describe, expect, it } from "vitest";
import { seededRng, weightedPicker, ZipfSampler } from "./random.js";

describe("ZipfSampler", () => {
  it("draws rank 1 about as often as Zipf's law says", () => {
    const z = new ZipfSampler(1000, 1.1);
    const rng = seededRng(1);
    let ones = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) if (z.sample(rng) === 1) ones++;
    let h = 0;
    for (let k = 1; k <= 1000; k++) h += 1 / k ** 1.1;
    expect(ones / n).toBeCloseTo(1 / h, 2);
  });
  it("stays within 1..n", () => {
    const z = new ZipfSampler(10, 2);
    const rng = seededRng(2);
    for (let i = 0; i < 1000; i++) {
      const k = z.sample(rng);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(10);
    }
  });
});

describe("weightedPicker", () => {
  it("picks in proportion to the weights", () => {
    const pick = weightedPicker([3, 1]);
    const rng = seededRng(3);
    let first = 0;
    for (let i = 0; i < 20_000; i++) if (pick(rng) === 0) first++;
    expect(first / 20_000).toBeCloseTo(0.75, 1);
  });
});
