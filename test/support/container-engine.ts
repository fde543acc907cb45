/**
 * The container engine as the --provider docker tests see it: whether it can run here (the images
 * scripts/setup-containers.sh builds), its CLI, and what a run left in it (containers, networks,
 * the podman service), shared by every test file that starts containers.
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { expect } from "vitest";
import { type ContainerEngine, findContainerEngine, podmanEnv } from "../../src/providers/docker/engine.js";
import { HARNESS_IMAGE, IMAGES } from "../../src/providers/docker/images.js";
import { LABEL_RUN } from "../../src/providers/docker/reaper.js";
import { ResourceRegistry } from "../../src/stack/resource-registry.js";
import { waitUpTo } from "../../src/util/wait-for.js";
import { expectNothingLeft } from "./cli.js";

/**
 * Why the provider cannot run here, or undefined when it can: an engine answers and has every
 * image, the harness's included (every MCP server and stand-in runs in it); `standIns` is the same
 * reason, for the tests that name the stand-ins in their skip.
 */
export async function engineProblems(): Promise<{ problem: string | undefined; standIns: string | undefined }> {
  const registry = new ResourceRegistry({ runId: `docker-probe-${process.pid}` });
  try {
    const engine = await findContainerEngine({ registry });
    const missing = await lackedImages(engine, [...Object.values(IMAGES), HARNESS_IMAGE]);
    const lacks = (images: string[]) => (images.length ? `the engine lacks image(s) ${images.join(", ")} (run bash scripts/setup-containers.sh)` : undefined);
    // Every MCP server runs in a container of the harness image, like the stand-ins.
    return { problem: lacks(missing), standIns: lacks(missing) };
  } catch (err) {
    const e = err as { message: string; details?: readonly string[] };
    const problem = [e.message, ...(e.details ?? [])].join("; ");
    return { problem, standIns: problem };
  } finally {
    await registry.disposeAll();
  }
}

/** Which of `images` the engine does not have. */
export async function lackedImages(engine: Pick<ContainerEngine, "docker">, images: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const image of images) {
    const present = await engine.docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (!present) missing.push(image);
  }
  return missing;
}

/** The environment as the test started (the in-process provider test points DOCKER_HOST at its own engine). */
export const ENGINE_ENV = { DOCKER_HOST: process.env.DOCKER_HOST };

/** The container CLI that sees the engine's storage (Podman needs no service for that). */
export function engineCli(args: string[]): string {
  const podman = !ENGINE_ENV.DOCKER_HOST;
  return execFileSync(podman ? "podman" : "docker", args, {
    encoding: "utf8",
    env: { ...process.env, ...ENGINE_ENV, ...(podman ? podmanEnv() : {}) },
    timeout: 60_000,
  }).trim();
}

/** Containers, networks and podman service processes of run `runId` still present. */
export async function containerLeftovers(runId: string): Promise<string[]> {
  const found: string[] = [];
  const containers = engineCli(["ps", "-a", "--filter", `label=${LABEL_RUN}=${runId}`, "--format", "{{.Names}}"]);
  if (containers) found.push(...containers.split("\n").map((n) => `container ${n}`));
  const networks = engineCli(["network", "ls", "--filter", `label=${LABEL_RUN}=${runId}`, "--format", "{{.Name}}"]);
  if (networks) found.push(...networks.split("\n").map((n) => `network ${n}`));
  // The podman service of a run listens on a socket in the run's temp dir, whose name holds the run id.
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.includes("system\0service") && cmd.includes(runId)) found.push(`podman service pid ${pid}: ${cmd.split("\0").join(" ")}`);
  }
  return found;
}

export async function expectNoContainersLeft(runId: string): Promise<void> {
  await waitUpTo(async () => (await containerLeftovers(runId)).length === 0, {
    what: `the containers of run ${runId} to be gone`,
    timeoutMs: 6000,
    intervalMs: 200,
  });
  const left = await containerLeftovers(runId);
  expect(left, `containers/networks/podman service of run ${runId} left`).toEqual([]);
  await expectNothingLeft(runId, sharedDnsDaemon);
}

/**
 * Podman's aardvark-dns serves every network with DNS on the machine and exits when the last one
 * goes. Started by a run's podman service it carries that run's environment, so while another
 * network exists (e.g. the compose test's, running at the same time) it outlives the run that
 * happened to start it, and is not that run's to stop. With no other network left it must be gone.
 */
export function sharedDnsDaemon(p: { cmd: string }): boolean {
  if (!p.cmd.includes("aardvark-dns")) return false;
  return engineCli(["network", "ls", "--format", "{{.Name}}"])
    .split("\n")
    .some((n) => n !== "" && n !== "podman");
}
