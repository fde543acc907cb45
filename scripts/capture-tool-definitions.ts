/**
 * Captures what each catalog server offers an agent (instructions, tools/list, prompts, resources)
 * into test/fixtures/tool-definitions/<server>.json, for the unit tests of
 * src/security/tool-definitions.ts: the checks must not flag the real servers' clean definitions.
 *
 *   node --import tsx scripts/capture-tool-definitions.ts [server...]
 *
 * Starts the local stack (Redis, PostgreSQL, the SaaS API stand-ins) and one session per server
 * exactly as a run does (src/stack/mcp-session.ts startSession, catalog definitions unchanged), one
 * server at a time; everything it starts is stopped on the way out. The stack's throwaway paths and
 * ports are replaced by placeholders ({{sandbox}}, {{workdir}}, {{redis.url}}, ...) so a fixture does
 * not change from one capture to the next unless a server does.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { findServer, SERVER_CATALOG, serverVersion } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { PROJECT_ROOT } from "../src/project-root.js";
import { localProvider } from "../src/providers/local.js";
import { newRunId } from "../src/run/run-id.js";
import { collectDefinitions } from "../src/security/collect-definitions.js";
import { startSession, writeServerFiles, type StackEndpoints } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";

const OUT_DIR = path.join(PROJECT_ROOT, "test", "fixtures", "tool-definitions");

/** Every value of the stack that changes from run to run, and the placeholder written instead. */
function placeholders(endpoints: StackEndpoints, def: ServerDefinition): [string, string][] {
  const pairs: [string, string | undefined][] = [
    ["{{sandbox}}", endpoints.sandbox],
    ["{{workdir}}", endpoints.workdir],
    ["{{redis.url}}", endpoints.redis?.url],
    ["{{postgres.url}}", endpoints.postgres?.url],
    ["{{upstream.url}}", endpoints.upstream?.(def.name)?.url],
    ["{{project}}", PROJECT_ROOT],
  ];
  const known = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "");
  // A server may quote only host:port of a URL (PostgreSQL's resource URIs drop the password): those too, after the whole URLs.
  const hosts = known.filter(([, v]) => /^[a-z]+:\/\//.test(v)).map(([k, v]): [string, string] => [k.replace(".url}}", ".host}}"), new URL(v).host]);
  return [...known, ...hosts].map(([k, v]) => [v, k]);
}

function scrub(value: unknown, pairs: [string, string][]): unknown {
  if (typeof value === "string") return pairs.reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, pairs));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, pairs)]));
  return value;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const servers = names.length === 0 ? [...SERVER_CATALOG] : names.map((n) => findServer(n) ?? fail(`unknown server ${n}`));
  const registry = new ResourceRegistry({ runId: `capture-${newRunId()}` });
  const onExit = () => registry.killAllSync();
  process.on("exit", onExit);
  try {
    const stack = await localProvider.start({
      servers,
      extraNeeds: [],
      registry,
      seedRows: 10,
      proxied: false,
      redis: { persistence: "none" },
      postgres: { synchronousCommit: "on" },
    });
    try {
      await writeServerFiles(servers, stack.endpoints);
      await mkdir(OUT_DIR, { recursive: true });
      for (const def of servers) {
        const session = await startSession({ def, agent: 0, endpoints: stack.endpoints, registry, timeoutMs: 60_000 });
        try {
          const definitions = await collectDefinitions(def.name, session.client);
          const fixture = {
            capturedWith: "scripts/capture-tool-definitions.ts (catalog definition, local stack, stand-ins); the stack's paths and ports as {{placeholders}}",
            server: def.name,
            package: def.package,
            version: serverVersion(def),
            serverInfo: session.client.getServerVersion(),
            definitions: scrub(definitions, placeholders(stack.endpoints, def)),
          };
          const file = path.join(OUT_DIR, `${def.name}.json`);
          await writeFile(file, `${JSON.stringify(fixture, null, 2)}\n`);
          console.log(
            `${def.name}: ${definitions.tools.length} tools, ${definitions.prompts?.length ?? "-"} prompts, ${definitions.resources?.length ?? "-"} resources, ${definitions.resourceTemplates?.length ?? "-"} templates -> ${path.relative(PROJECT_ROOT, file)}`,
          );
        } finally {
          await session.close();
        }
      }
    } finally {
      await stack.stop();
    }
  } finally {
    await registry.disposeAll();
    process.off("exit", onExit);
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 3;
});
