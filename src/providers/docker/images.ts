/**
 * The images `--provider docker` runs. Nothing is ever pulled: they must be in the engine's local
 * store (scripts/setup-containers.sh builds them under the names the upstream projects publish);
 * a missing one is an environment error naming it.
 */
import { HarnessError } from "../../errors.js";
import { HARNESS_VERSION } from "../../project-root.js";
import { dockerClient, engineMessage, engineStatus, SETUP_HINT, withDeadline, type ContainerEngine } from "./engine.js";

const INSPECT_TIMEOUT_MS = 120_000;

/** Built locally by scripts/setup-containers.sh under the names the upstream projects publish. */
export const IMAGES = {
  redis: "docker.io/library/redis:7-bookworm",
  postgres: "docker.io/library/postgres:15-bookworm",
  toxiproxy: "ghcr.io/shopify/toxiproxy:2.12.0",
} as const;

/** The harness's own image (containers/harness.Dockerfile: the project in /app), for the stand-ins; needed only when a server calls one. */
export const HARNESS_IMAGE = `localhost/mcp-slo-harness:${HARNESS_VERSION}`;

/** What the harness reads of an image: how it starts. */
export interface ImageConfig {
  Entrypoint?: string | string[] | null;
  /** The image's id: its content digest (sha256:...), for where a server ran. */
  Id?: string;
}

/** Every image's configuration; one error listing every image the engine lacks. */
export async function requireImages(engine: ContainerEngine, images: readonly string[]): Promise<Map<string, ImageConfig>> {
  const configs = new Map<string, ImageConfig>();
  const missing: string[] = [];
  // Generous: Podman answers only once it gets its storage lock, which a `podman build` holds while it commits.
  // (dockerode's image inspect takes no abort signal: a client of its own drops it.)
  const docker = dockerClient(engine.dockerHost, INSPECT_TIMEOUT_MS);
  for (const image of images) {
    try {
      const info = await withDeadline(`GET /images/${image}/json`, INSPECT_TIMEOUT_MS, () => docker.getImage(image).inspect());
      configs.set(image, { ...(info.Config ?? {}), Id: info.Id });
    } catch (err) {
      if (engineStatus(err) === undefined) {
        throw new HarnessError(
          "environment",
          `the ${engine.kind} engine at ${engine.dockerHost} did not say whether it has ${image}: ${(err as Error).message}`,
          {
            hint: "is another podman command (a build?) holding its storage? Try again when it is done",
            cause: err,
          },
        );
      }
      missing.push(`${image}: ${engineStatus(err) === 404 ? "not in the engine's local image store" : engineMessage(err)}`);
    }
  }
  if (missing.length) {
    throw new HarnessError("environment", `--provider docker needs ${missing.length} image(s) the ${engine.kind} engine does not have (nothing is pulled)`, {
      details: missing,
      hint: SETUP_HINT,
    });
  }
  return configs;
}

/** The container's command: `args` after `binary`, unless the image's entrypoint already is that binary. */
export function commandFor(config: ImageConfig | undefined, binary: string, args: string[]): string[] {
  const entry = typeof config?.Entrypoint === "string" ? [config.Entrypoint] : (config?.Entrypoint ?? []);
  const last = entry[entry.length - 1] ?? "";
  return last.split("/").pop()!.startsWith(binary) ? args : [binary, ...args];
}
