/**
 * `mcp-slo servers [--json]`: the MCP servers the harness knows by name. The table is for people;
 * `--json` is for scripts, its fields stable (add fields, never rename them): servers[].{name, title,
 * package, registry, version (null when not installed), installed, transports, http ("native": the
 * server's own Streamable HTTP, "bridge": the harness serves its stdio), needs (backing services),
 * upstream ({ api, tokens } of a server that calls a SaaS API, else null), tools (null: whatever
 * tools/list offers), versions (every version a scenario's `{ name, server, version }` may name: the
 * installed one first)}.
 */
import type { Command } from "commander";
import { catalogVersions, SERVER_CATALOG, serverVersion } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";

export interface ServerListing {
  name: string;
  title: string;
  package: string;
  registry: string;
  version: string | null;
  installed: boolean;
  transports: string[];
  http: "native" | "bridge";
  needs: string[];
  upstream: { api: string; tokens: string[] } | null;
  tools: string[] | null;
  versions: string[];
}

function installedVersion(d: ServerDefinition): string | null {
  try {
    return serverVersion(d);
  } catch {
    return null;
  }
}

export function serverListing(): ServerListing[] {
  return SERVER_CATALOG.map((d) => {
    const version = installedVersion(d);
    return {
      name: d.name,
      title: d.title,
      package: d.package,
      registry: d.registry ?? "npm",
      version,
      installed: version !== null,
      transports: ["stdio", "http"],
      http: d.http ? "native" : "bridge",
      needs: [...d.needs],
      upstream: d.upstream ? { api: d.upstream.api, tokens: (d.secrets ?? []).map((s) => s.env) } : null,
      tools: d.tools ? [...d.tools] : null,
      versions: catalogVersions(d),
    };
  });
}

function printTable(servers: readonly ServerListing[]): void {
  const rows = servers.map((s) => {
    const needs = [...s.needs, ...(s.upstream ? [`${s.upstream.api} API${s.upstream.tokens.length ? ` (${s.upstream.tokens.join(", ")})` : ""}`] : [])];
    const version = s.version ?? "not installed: run bash scripts/setup.sh";
    const more = s.versions.filter((v) => v !== s.version);
    return [
      s.name,
      `${s.package}@${version} (${s.registry})${more.length ? `; also ${more.join(", ")}` : ""}`,
      `stdio, http (${s.http})`,
      needs.join(" + ") || "-",
      s.title,
    ];
  });
  const header = ["NAME", "PACKAGE", "TRANSPORTS", "NEEDS", "WHAT"];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join("  ")}\n`);
  process.stdout.write(
    "\nAn API a server needs is a local stand-in by default (offline); `run --live` uses the real API with the token named.\nhttp (bridge): the harness serves the server's stdio as MCP Streamable HTTP; http (native): the server's own.\n",
  );
}

export function registerServersCommand(program: Command): void {
  program
    .command("servers")
    .description("list the MCP servers the harness knows by name")
    .option(
      "--json",
      "machine-readable: { servers: [{ name, title, package, registry, version, installed, transports, http, needs, upstream, tools, versions }] }",
      false,
    )
    .action((flags: { json: boolean }) => {
      const servers = serverListing();
      if (flags.json) process.stdout.write(`${JSON.stringify({ servers }, null, 2)}\n`);
      else printTable(servers);
    });
}
