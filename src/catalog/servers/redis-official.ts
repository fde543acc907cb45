/**
 * Redis's official MCP server (PyPI `redis-mcp-server`, github.com/redis/mcp-redis), proposed as
 * the catalog entry "redis-official". It is Python, so unlike the npm servers it cannot run from
 * node_modules: scripts/setup.sh installs it, with its dependencies hash-locked by
 * scripts/requirements/redis-mcp-server.txt, into the project's own virtualenv .tools/venv-redis-mcp
 * and writes the version it installed to a marker file there.
 *
 * What its 0.5.1 source says (site-packages/src/, read when this entry was written):
 * - entry point: console script `redis-mcp-server` = `src.main:cli` (click); it calls FastMCP's
 *   `mcp.run()`, whose default transport is stdio. `--url redis://host:port/db` sets the whole
 *   connection; without it `--host/--port/--db` (defaults 127.0.0.1:6379/0) or the environment
 *   REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_USERNAME, REDIS_PWD, REDIS_SSL apply.
 * - It connects lazily: the first tool call opens the (synchronous redis-py) connection, so it is
 *   "ready" (initialize answered) even while Redis is down; a call then fails.
 * - Tool failures come back as a *successful* MCP result whose text starts "Error ..." (each tool
 *   catches RedisError and returns a string), never as `isError`. A load run therefore counts a
 *   Redis failure as an ok call; read `notes` before trusting its success rate under faults.
 * - It calls `load_dotenv()`, which walks up from its own file looking for a `.env`: a `.env` in
 *   this repository's root would reach it (environment variables already set take precedence).
 * - `search_redis_documents` asks a documentation service on the internet: left out of `tools`.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { TOOLS_DIR } from "../../project-root.js";
import type { ServerDefinition } from "../../contracts/server-definition.js";

/** The virtualenv setup.sh makes, under .tools ({{tools}} in a catalog command). */
export const REDIS_OFFICIAL_VENV = "venv-redis-mcp";
/** setup.sh writes the installed version here, one line, like .tools/bin/.<name>-version for Go tools. */
const VERSION_MARKER = ".redis-mcp-server-version";

export const redisOfficialServer: ServerDefinition = {
  name: "redis-official",
  title: "Redis (Redis's official MCP server, Python)",
  package: "redis-mcp-server",
  command: `{{tools}}/${REDIS_OFFICIAL_VENV}/bin/redis-mcp-server`,
  args: ["--url", "{{redis.url}}"],
  // Its own logging goes to stderr at WARNING by default; say so explicitly so a stray
  // MCP_REDIS_LOG_LEVEL=DEBUG in the caller's environment cannot flood the harness's stderr tail.
  env: { MCP_REDIS_LOG_LEVEL: "WARNING" },
  needs: ["redis"],
  transport: "stdio",
  registry: "pypi",
  installedVersion: () => redisOfficialVersion(),
  tools: [
    // strings and keys
    "set",
    "get",
    "delete",
    "type",
    "expire",
    "rename",
    "scan_keys",
    "scan_all_keys",
    // hashes (the vector ones store float32 arrays in a hash field)
    "hset",
    "hget",
    "hdel",
    "hgetall",
    "hexists",
    "set_vector_in_hash",
    "get_vector_from_hash",
    // lists, sets, sorted sets
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "llen",
    "lrem",
    "sadd",
    "srem",
    "smembers",
    "zadd",
    "zrange",
    "zrem",
    // streams
    "xadd",
    "xrange",
    "xdel",
    "xgroup_create",
    "xgroup_destroy",
    "xreadgroup",
    "xack",
    // pub/sub (subscriptions live in the server process, read back with read_messages)
    "publish",
    "subscribe",
    "psubscribe",
    "read_messages",
    "unsubscribe",
    // RedisJSON and the query engine: need Redis Stack modules; plain redis-server answers "unknown command"
    "json_set",
    "json_get",
    "json_del",
    "get_indexes",
    "get_index_info",
    "get_indexed_keys_number",
    "create_vector_index_hash",
    "vector_search_hash",
    "hybrid_search",
    // server
    "dbsize",
    "info",
    "client_list",
  ],
  // dbsize is one round trip and touches no key: cheap, and it fails (as "Error ...") when Redis is gone.
  probe: { tool: "dbsize", args: {} },
  notes:
    'PyPI package in .tools/venv-redis-mcp (scripts/setup.sh). Reports Redis errors as ok results whose text starts "Error" (never isError), so success rate cannot see a Redis outage. Connects lazily on the first call. json_* and the search tools need Redis Stack modules. search_redis_documents (internet) is not offered to scenarios.',
};

/** Absolute path of a path under the project's .tools directory. */
export function toolPath(relative: string): string {
  return path.join(TOOLS_DIR, relative);
}

/** The executable setup.sh installed (the `command` above, resolved). */
export function redisOfficialExecutable(): string {
  return toolPath(`${REDIS_OFFICIAL_VENV}/bin/redis-mcp-server`);
}

/**
 * Installed version: the marker setup.sh wrote, else the venv's dist-info directory name
 * (redis_mcp_server-<version>.dist-info), so a venv made by hand still reports truthfully.
 * Throws, naming what to run, when neither exists.
 */
export function redisOfficialVersion(venv = toolPath(REDIS_OFFICIAL_VENV)): string {
  try {
    const marked = readFileSync(path.join(venv, VERSION_MARKER), "utf8").trim();
    if (marked) return marked;
  } catch {
    // no marker: fall through to the dist-info
  }
  try {
    for (const lib of readdirSync(path.join(venv, "lib"))) {
      const site = path.join(venv, "lib", lib, "site-packages");
      for (const entry of readdirSync(site)) {
        const m = /^redis_mcp_server-(.+)\.dist-info$/.exec(entry);
        if (m) return m[1]!;
      }
    }
  } catch {
    // no venv at all: reported below
  }
  throw new Error(`redis-mcp-server is not installed in ${venv}: run bash scripts/setup.sh`);
}
