/**
 * The MCP servers the harness knows by name: the registry of catalog servers. Each server is one
 * module of ./servers/ (data: how to start it, what backing services it needs, which tools scenarios
 * may call, its contract is src/contracts/server-definition.ts); adding one is that module and its
 * line below. A scenario can add any other stdio server in the same shape without touching code.
 *
 * Packages are installed as pinned npm dependencies of this project and run
 * from node_modules with the Node running the harness: a run never reaches a
 * registry, and the version in the report is the version that ran.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../project-root.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { everythingServer } from "./servers/everything.js";
import { filesystemServer } from "./servers/filesystem.js";
import { firecrawlServer } from "./servers/firecrawl.js";
import { githubServer } from "./servers/github.js";
import { memoryServer } from "./servers/memory.js";
import { notionServer } from "./servers/notion.js";
import { postgresServer } from "./servers/postgres.js";
import { redisOfficialServer } from "./servers/redis-official.js";
import { redisServer } from "./servers/redis.js";
import { shadcnServer } from "./servers/shadcn.js";

/** In the order `mcp-slo servers` lists them and error messages name them. */
export const SERVER_CATALOG: readonly ServerDefinition[] = [
  githubServer,
  memoryServer,
  filesystemServer,
  redisServer,
  postgresServer,
  firecrawlServer,
  notionServer,
  shadcnServer,
  redisOfficialServer,
  everythingServer,
];

const BY_NAME = new Map(SERVER_CATALOG.map((s) => [s.name, s]));

export function findServer(name: string): ServerDefinition | undefined {
  return BY_NAME.get(name);
}

/** Versions the catalog holds of a server: its installed one first, then its `versions`. */
export function catalogVersions(def: ServerDefinition): string[] {
  let installed: string[] = [];
  try {
    installed = [serverVersion(def)];
  } catch {
    // Not installed (setup has not run): only the versions it declares.
  }
  return [...installed, ...Object.keys(def.versions ?? {}).filter((v) => !installed.includes(v))];
}

/**
 * A scenario's `{ name, server, version }`: the catalog server under another name, run from the package
 * holding that version (an npm alias), or played by a stand-in; undefined when the catalog holds no such version.
 */
export function resolveCatalogVersion(name: string, server: string, version: string): ServerDefinition | undefined {
  const def = findServer(server);
  if (!def) return undefined;
  const { versions, ...base } = def;
  const held = versions?.[version];
  if (held === undefined && !catalogVersions(def).includes(version)) return undefined;
  return {
    ...base,
    name,
    title: `${def.title}, version ${version}`,
    ...(held?.package !== undefined && { package: held.package }),
    versionOf: { server, version, ...(held?.standIn && { standIn: held.standIn }) },
  };
}

interface PackageJson {
  version: string;
  bin?: string | Record<string, string>;
}

function readPackageJson(pkg: string, root: string): { dir: string; json: PackageJson } {
  const dir = path.join(root, "node_modules", ...pkg.split("/"));
  return { dir, json: JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson };
}

/** Installed version of a catalog server, whatever installed it. */
export function serverVersion(def: ServerDefinition): string {
  if (def.installedVersion) return def.installedVersion();
  return resolvePackage(def.package).version;
}

/** Installed version of an npm dependency of the project. */
export function packageVersion(pkg: string): string {
  return readPackageJson(pkg, PROJECT_ROOT).json.version;
}

/** Installed version and executable script of a catalog package (in the project, or in `root`'s node_modules). */
export function resolvePackage(pkg: string, root = PROJECT_ROOT): { version: string; bin: string } {
  const { dir, json } = readPackageJson(pkg, root);
  const bin = typeof json.bin === "string" ? json.bin : Object.values(json.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${pkg}: package.json names no executable`);
  return { version: json.version, bin: path.join(dir, bin) };
}
