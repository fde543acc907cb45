/**
 * What the network fault kinds share: a hop as a scenario names it ("redis" for every hop to Redis,
 * "redis->redis" for one, "client->everything" for the harness's HTTP hop), checked against the
 * scenario's servers and found among Toxiproxy's hops.
 */
import type { PathPart, ScenarioFacts } from "../contracts/checks.js";
import type { FaultTargets, ProxyHop } from "../contracts/fault-targets.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { serverUsing } from "./fault-kind.js";

/** The hop of the fault at `at` (its `hop` field), against the scenario's servers and the backends they use. */
export function checkHop(at: readonly PathPart[], facts: ScenarioFacts): void {
  const p = [...at, "hop"];
  const hop = facts.str(p);
  if (hop === undefined) return;
  const { serverNames: names } = facts;
  const [from, to] = hop.includes("->") ? hop.split("->") : [undefined, hop];
  if (from === "client") {
    // The agents' own hop to an MCP server, which exists with transport: http only.
    if (to === undefined || !names.includes(to))
      facts.report(p, `hop "${hop}" ends at "${to}", which is not a server of this scenario (${names.join(", ")})`, { found: false });
    else if (facts.valueAt(["transport"]) !== "http" && !facts.urlServers.includes(to))
      facts.report(p, `hop "${hop}" exists only with \`transport: http\` or for a url server (the agents' HTTP hop to ${to})`, { found: false });
  } else if (from !== undefined && !names.includes(from))
    facts.report(p, `hop "${hop}" starts at "${from}", which is not a server of this scenario (${names.join(", ")})`, { found: false });
  else if (from !== undefined && to !== undefined && !facts.needsOf(from).includes(to))
    facts.report(p, `server "${from}" does not use ${to}, so there is no hop "${hop}"`, { found: false });
  else if (from === undefined && to !== undefined && !facts.usesBackend(to)) facts.report(p, `no server of this scenario uses ${to}`, { found: false });
}

/** The server whose path a hop fault breaks. */
export function serverBehindHop(hop: string, servers: readonly ServerDefinition[]): string | undefined {
  // "client->server" is the hop in front of that server's HTTP endpoint; "server->backend" starts at the server.
  if (hop.startsWith("client->")) return hop.slice("client->".length);
  return hop.includes("->") ? hop.split("->")[0] : serverUsing(hop, servers);
}

/** Toxiproxy's hops a fault names: one "a->b", or every hop to a backend (not the client's HTTP hops). */
export function hopsOf(t: FaultTargets, spec: string): ProxyHop[] {
  if (!t.hops) throw new Error(`fault on hop "${spec}" needs Toxiproxy (the scenario has proxied: false)`);
  const hops = [...t.hops.values()].filter((h) => (spec.includes("->") ? h.name === spec : h.name.endsWith(`->${spec}`) && !h.name.startsWith("client->")));
  if (hops.length === 0) throw new Error(`no Toxiproxy hop matches "${spec}" (hops: ${[...t.hops.keys()].join(", ")})`);
  return hops;
}
