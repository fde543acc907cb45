/**
 * `kind: stdio`: JSON-RPC frames between the harness and a stdio MCP server delayed, dropped or cut
 * in half, through the frame filter every session of that server consults (src/faults/stdio-fault-layer.ts).
 */
import { z } from "zod";
import { DURATION_BOUNDS, duration, FaultTiming } from "../../contracts/scenario-fields.js";
import { defineFaultKind, instant, whenText } from "../fault-kind.js";

export const stdioFault = defineFaultKind({
  name: "stdio",
  schema: z.strictObject({
    kind: z.literal("stdio"),
    server: z.string().describe("Every session of this stdio MCP server."),
    action: z
      .enum(["delay", "drop", "truncate"])
      .describe("delay: hold each JSON-RPC frame; drop: lose it; truncate: cut it in half (the peer sees broken JSON)."),
    delay: duration(DURATION_BOUNDS.frameDelay, "How long each frame is held (action delay).").prefault("0ms"),
    probability: z.number().min(0).max(1).default(1).describe("Share of frames affected."),
    direction: z.enum(["to-server", "from-server", "both"]).default("from-server"),
    ...FaultTiming,
  }),
  network: false,
  check(at, facts) {
    const p = [...at, "server"];
    const server = facts.str(p);
    if (server !== undefined && !facts.serverNames.includes(server))
      facts.report(p, `"${server}" is not a server of this scenario (${facts.serverNames.join(", ")})`, { found: false });
    else if (server !== undefined && facts.urlServers.includes(server))
      facts.report(
        p,
        `"${server}" is a url server, reached over HTTP: it has no stdio frames to fault (a network fault on its hop client->${server} can act on it)`,
        {
          found: false,
        },
      );
  },
  describe(f) {
    const { at, until } = whenText(f);
    return `stdio ${f.action}${f.action === "delay" ? ` ${f.delay.text}` : ""} of ${f.direction} frames of ${f.server}${f.probability < 1 ? ` (${f.probability * 100} %)` : ""} ${at}${until}`;
  },
  target: (f) => f.server,
  affectedServer: (f) => f.server,
  stdioServer: (f) => f.server,
  async inject(f, t) {
    const layer = t.sessions.stdioLayers.get(f.server);
    if (!layer) throw new Error(`stdio fault on "${f.server}": its sessions were started without a fault layer`);
    layer.set({ action: f.action, delayMs: f.delay.ms, probability: f.probability, direction: f.direction });
    return { heal: () => instant(() => layer.clear()) };
  },
});
