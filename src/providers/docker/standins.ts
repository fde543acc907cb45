/**
 * A SaaS API stand-in (src/standins/main.ts) as a container of the harness's own image
 * (HARNESS_IMAGE, with the project in /app), one per API, listening on 8080 in the stack's network.
 * startUpstreams (src/standins/upstreams.ts) still decides every URL and the report's summary; this
 * only says how a stand-in is started. The hop `<server>-><api>` forwards to standin-<api>:8080;
 * the harness reads its counts through its own published port.
 */
import { CONTROL_PREFIX, READY_PREFIX, type StandInBehaviour } from "../../standins/serve.js";
import { standInArgs } from "../../standins/start.js";
import type { StandInStats, StartedStandIn } from "../../stack/started.js";
import type { ContainerContext } from "./backends.js";
import { logTail, waitForContainer } from "./containers.js";
import { commandFor, HARNESS_IMAGE } from "./images.js";

/** Where a stand-in container listens, in the run's network. */
const STANDIN_PORT = 8080;
const STANDIN_START_TIMEOUT_MS = 60_000;

export async function startStandInContainer(ctx: ContainerContext, api: string, behaviour: StandInBehaviour): Promise<StartedStandIn> {
  const { containers } = ctx;
  const alias = `standin-${api}`;
  const c = await containers.start({
    role: alias,
    image: HARNESS_IMAGE,
    alias,
    // The image's workdir is the project (/app); the same command as src/standins/start.ts, on the container's interfaces.
    command: commandFor(ctx.images.get(HARNESS_IMAGE), "node", [
      "--import",
      "tsx",
      "src/standins/main.ts",
      ...standInArgs(api, behaviour),
      "--host",
      "0.0.0.0",
      "--port",
      String(STANDIN_PORT),
      "--allow-non-loopback",
    ]),
    ports: [STANDIN_PORT],
  });
  const url = `http://127.0.0.1:${c.port(STANDIN_PORT)}`;
  const stats = async (): Promise<StandInStats> => {
    const r = await fetch(`${url}${CONTROL_PREFIX}/stats`, { signal: AbortSignal.timeout(2000) });
    if (!r.ok) throw new Error(`GET ${CONTROL_PREFIX}/stats answered HTTP ${r.status}`);
    return (await r.json()) as StandInStats;
  };
  // Ready: it answers a real request; its title and payloads are on its ready line (stdout, in its log).
  const ready = await waitForContainer(c, `the ${api} stand-in`, STANDIN_START_TIMEOUT_MS, async () => {
    await stats();
    const line = (await logTail(c, 50)).find((l) => l.includes(READY_PREFIX));
    if (line === undefined) throw new Error("it answered, but its ready line is not in its log yet");
    return JSON.parse(line.slice(line.indexOf(READY_PREFIX) + READY_PREFIX.length)) as { title: string; payloads: string };
  });
  let running = true;
  const stop = async () => {
    running = false;
    await containers.discard(c.id);
  };
  return {
    api,
    title: ready.title,
    payloads: ready.payloads,
    url,
    upstream: `${alias}:${STANDIN_PORT}`,
    isRunning: () => running,
    stats,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
