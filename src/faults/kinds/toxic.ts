/**
 * `kind: toxic`: a Toxiproxy toxic (latency, bandwidth, timeout, reset_peer, slow_close, slicer,
 * limit_data) on a hop, with Toxiproxy's own attribute names and units, removed at the heal.
 */
import { z } from "zod";
import { FaultTiming, Hop } from "../../contracts/scenario-fields.js";
import { defineFaultKind, instant, whenText } from "../fault-kind.js";
import { checkHop, hopsOf, serverBehindHop } from "../hops.js";

export const TOXIC_TYPES = ["latency", "bandwidth", "timeout", "reset_peer", "slow_close", "slicer", "limit_data"] as const;

/**
 * The attributes each Toxiproxy toxic reads (Toxiproxy's README, "Toxics"). Toxiproxy decodes them
 * into Go int64 fields and ignores names it does not know, so a misspelt attribute would silently
 * make a toxic that does nothing: checked here by name, as whole numbers.
 */
export const TOXIC_ATTRIBUTES: Record<(typeof TOXIC_TYPES)[number], readonly string[]> = {
  latency: ["latency", "jitter"],
  bandwidth: ["rate"],
  timeout: ["timeout"],
  reset_peer: ["timeout"],
  slow_close: ["delay"],
  slicer: ["average_size", "size_variation", "delay"],
  limit_data: ["bytes"],
};
/** Largest toxic attribute: Toxiproxy's time attributes are ms (or us) handed to Go timers; 2^31-1 ms is 24 days. */
export const MAX_TOXIC_ATTRIBUTE = 2 ** 31 - 1;

const isToxicType = (t: string | undefined): t is (typeof TOXIC_TYPES)[number] => (TOXIC_TYPES as readonly (string | undefined)[]).includes(t);

export const toxicFault = defineFaultKind({
  name: "toxic",
  schema: z.strictObject({
    kind: z.literal("toxic"),
    hop: Hop,
    toxic: z.enum(TOXIC_TYPES),
    attributes: z.record(z.string(), z.number()).default({}).describe("The toxic's attributes, e.g. { latency: 50, jitter: 5 } (Toxiproxy's names and units)."),
    stream: z
      .enum(["upstream", "downstream", "both"])
      .default("downstream")
      .describe("downstream: backend to server (answers); upstream: server to backend (requests)."),
    toxicity: z.number().min(0).max(1).default(1).describe("Share of connections the toxic applies to."),
    ...FaultTiming,
  }),
  network: true,
  check(at, facts) {
    checkHop(at, facts);
    // Toxiproxy ignores attribute names it does not know and decodes them as integers.
    const toxic = facts.str([...at, "toxic"]);
    const attributes = facts.valueAt([...at, "attributes"]);
    if (!isToxicType(toxic) || attributes === null || typeof attributes !== "object") return;
    const known = TOXIC_ATTRIBUTES[toxic];
    for (const [name, value] of Object.entries(attributes)) {
      const p = [...at, "attributes", name];
      if (!known.includes(name))
        facts.report(p, `the ${toxic} toxic has no attribute "${name}"; it has ${known.join(", ")} (Toxiproxy ignores other names)`, { found: false });
      else if (typeof value === "number" && (!Number.isInteger(value) || value < 0 || value > MAX_TOXIC_ATTRIBUTE))
        facts.report(p, `expected a whole number from 0 to ${MAX_TOXIC_ATTRIBUTE} (Toxiproxy's attributes are integers)`);
    }
  },
  describe(f) {
    const { at, until } = whenText(f);
    return `${f.toxic} toxic ${JSON.stringify(f.attributes)} on ${f.hop} (${f.stream}${f.toxicity < 1 ? `, toxicity ${f.toxicity}` : ""}) ${at}${until}`;
  },
  target: (f) => f.hop,
  affectedServer: (f, servers) => serverBehindHop(f.hop, servers),
  async inject(f, t, id) {
    const streams = f.stream === "both" ? (["upstream", "downstream"] as const) : [f.stream];
    const added: { remove(): Promise<void> }[] = [];
    for (const hop of hopsOf(t, f.hop)) {
      for (const stream of streams) {
        added.push(await hop.proxy.addToxic({ name: `${id}-${stream}`, type: f.toxic, stream, toxicity: f.toxicity, attributes: f.attributes }));
      }
    }
    return { heal: () => instant(() => Promise.all(added.map((x) => x.remove()))) };
  },
});
