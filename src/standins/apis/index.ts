/** Every stand-in API by name. Each module exports `api: StandInApi`; add one line per API. */
import type { StandInApi } from "../api.js";

const LOADERS: Record<string, () => Promise<StandInApi>> = {
  notion: async () => (await import("./notion.js")).api,
  firecrawl: async () => (await import("./firecrawl.js")).api,
  shadcn: async () => (await import("./shadcn.js")).api,
  github: async () => (await import("./github.js")).api,
};

export const STAND_IN_APIS: readonly string[] = Object.keys(LOADERS);

/** Loaded on demand: an API module may read a large description file at import. */
export async function loadStandInApi(name: string): Promise<StandInApi> {
  const load = LOADERS[name];
  if (!load) throw new Error(`no stand-in API "${name}" (known: ${STAND_IN_APIS.join(", ") || "none"})`);
  return load();
}
