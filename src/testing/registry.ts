/**
 * A fresh ResourceRegistry for each test that asks for one; after every test
 * each of them is disposed and no process of its run may remain.
 */
import { afterEach, expect } from "vitest";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { ResourceRegistry } from "../stack/resource-registry.js";

export function registriesPerTest(): () => ResourceRegistry {
  const made: ResourceRegistry[] = [];
  afterEach(async () => {
    for (const r of made.splice(0)) {
      await r.disposeAll();
      expect(await findProcessesOfRun(r.runId)).toEqual([]);
    }
  });
  return () => {
    const r = new ResourceRegistry({ runId: `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });
    made.push(r);
    return r;
  };
}
