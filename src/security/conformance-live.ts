/**
 * The conformance suite and the probe.http checks as one live part of a scan (src/security/scan.ts,
 * LiveParts.conformance): for one running server, start its Streamable HTTP endpoint (its own when
 * the catalog says it speaks HTTP, else the harness's bridge), run the generic conformance scenarios
 * and the HTTP probes against it, and stop it again. The scan's own session (stdio) supplies the
 * server's initialize capabilities, which decide the scenarios that apply.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { SecurityScanResult } from "../results/types.js";
import { startHttpEndpoints } from "../stack/http-bridge.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { conformanceRuntime, conformanceToolInfo, runConformance } from "./conformance.js";
import { probeHttp } from "./http-probes.js";
import type { ConformanceOutcome, ProbeOutcome } from "./model.js";

/** What this part needs of the scan's LiveTarget (a structural subset, so the scan passes its target as is). */
export interface ConformanceTarget {
  def: ServerDefinition;
  session: { client: Pick<Client, "getServerCapabilities"> };
  endpoints: StackEndpoints;
  registry: ResourceRegistry;
  signal: AbortSignal;
  /** Deadline of the endpoint's start (a native server listening). */
  timeoutMs: number;
}

/** LiveParts.conformance: the suite's generic scenarios and probe.http against one server. */
export async function conformanceAndHttp(target: ConformanceTarget): Promise<{ conformance: ConformanceOutcome; http: ProbeOutcome[] }> {
  const { def, registry, signal } = target;
  const capabilities = target.session.client.getServerCapabilities() ?? {};
  // Not through Toxiproxy: the suite's DNS-rebinding scenario needs the endpoint's own loopback URL.
  const http = await startHttpEndpoints({ servers: [def], endpoints: target.endpoints, registry, toxiproxy: undefined, timeoutMs: target.timeoutMs });
  try {
    const endpoint = http.get(def.name);
    if (endpoint === undefined) throw new Error(`no HTTP endpoint was started for ${def.name}`);
    const conformance = await runConformance({ server: def.name, url: endpoint.directUrl, capabilities, native: endpoint.kind === "native", registry, signal });
    const probes = await probeHttp({ def, endpoint, endpoints: target.endpoints, registry, signal });
    return { conformance, http: probes };
  } finally {
    // Also ends the bridge's children: the suite leaves its sessions open.
    await http.stop();
  }
}

/** LiveParts.conformanceInfo: the suite and Node as installed here (read once per call, cheap). */
export function conformanceInfo(): SecurityScanResult["conformance"] {
  return conformanceToolInfo(conformanceRuntime());
}
