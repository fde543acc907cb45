/**
 * Every stack provider, by name: the CLI's `--provider` choices and the lookup come from here.
 * A provider module is loaded only when chosen (the docker one brings testcontainers and dockerode),
 * as k6 keeps a name -> constructor map of its outputs. A new provider is its module (one file,
 * defineProvider) and one line here.
 */
import type { StackProvider } from "./provider.js";

const PROVIDERS = {
  // Redis, PostgreSQL, Toxiproxy and the stand-ins as local processes (src/providers/local.ts).
  local: async () => (await import("./local.js")).localProvider,
  // The same as containers of Docker or Podman (src/providers/docker/).
  docker: async () => (await import("./docker/provider.js")).dockerProvider,
} as const satisfies Record<string, () => Promise<StackProvider>>;

export type ProviderName = keyof typeof PROVIDERS;

export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export const DEFAULT_PROVIDER: ProviderName = "local";

/** The provider called `name`, loaded. */
export async function loadProvider(name: ProviderName): Promise<StackProvider> {
  return PROVIDERS[name]();
}
