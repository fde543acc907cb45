/**
 * The comparison's contracts. They live in results/comparison.ts because a run record carries its
 * comparison (results/ is under compare/ in the layers); re-exported here for compare's users.
 */
export type { Better, ChangeVerdict, Comparison, MetricComparison, MetricIdentity, MetricValue, RunRef } from "../results/comparison.js";
