import { describe, expect, it } from "vitest";
import { generatorLimit } from "./generator-health.js";

const healthy = { offered: 1000, lateSends: 0, dropped: 0, cpu: 0.3, eventLoopDelayP99Ms: 2 };

describe("generatorLimit", () => {
  it("counts late and dropped sends above 1 % of the offered load", () => {
    expect(generatorLimit(healthy, { droppedIsBacklog: false })).toBeUndefined();
    expect(generatorLimit({ ...healthy, lateSends: 5, dropped: 5 }, { droppedIsBacklog: false })).toBeUndefined();
    expect(generatorLimit({ ...healthy, lateSends: 6, dropped: 5 }, { droppedIsBacklog: false })).toBe("6 late and 5 dropped sends out of 1000 (1.1 %)");
  });

  it("treats dropped arrivals as the server's backlog when asked (capacity search)", () => {
    expect(generatorLimit({ ...healthy, dropped: 500 }, { droppedIsBacklog: true })).toBeUndefined();
    expect(generatorLimit({ ...healthy, lateSends: 11 }, { droppedIsBacklog: true })).toMatch(/^11 of 1000 arrivals sent more than 10 ms late \(1\.1 %/);
  });

  it("calls a saturated harness CPU the limit either way", () => {
    for (const droppedIsBacklog of [false, true])
      expect(generatorLimit({ ...healthy, cpu: 0.97 }, { droppedIsBacklog })).toBe("the harness used 97 % of a core");
    expect(generatorLimit(undefined, { droppedIsBacklog: false })).toBeUndefined();
  });
});
