/**
 * Degraded mode's cache of last good results: the text of the latest ok answer per tool and arguments, for
 * the tools the policy names, least recently stored dropped first. A Map keeps insertion order, so
 * deleting and setting again moves an entry to the end: an LRU in a few lines (no library needed for it).
 */
import type { ResiliencePlan } from "../contracts/plan.js";

export class DegradedCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly maxEntries: number) {}

  private static key(tool: string, args: Record<string, unknown>): string {
    return `${tool}\u0000${stableJson(args)}`;
  }

  store(tool: string, args: Record<string, unknown>, text: string, fallback: ResiliencePlan["fallback"]): void {
    if (fallback?.kind !== "degraded" || !fallback.tools.includes(tool)) return;
    const key = DegradedCache.key(tool, args);
    this.entries.delete(key);
    this.entries.set(key, text);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  lookup(tool: string, args: Record<string, unknown>): string | undefined {
    return this.entries.get(DegradedCache.key(tool, args));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** JSON with object keys sorted, so the same arguments in another order are the same entry. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}
