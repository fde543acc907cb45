/**
 * probe.injection: arguments built for injection take no effect. Every free-text argument of a tool
 * (up to MAX_TOOLS tools) is given the same payload, one call per payload and tool:
 *  - shell: `; touch <canary>`, `$(touch <canary>)`, `` `touch <canary>` ``, `| touch <canary>`:
 *    the canary file (in a temp dir the probe made) must not exist afterwards (code execution);
 *  - template: `{{1337*7331}}`, `${1337*7331}`, `#{1337*7331}`, `<%= 1337*7331 %>`: the product
 *    9801547 must not appear in the answer (the expression was evaluated);
 *  - SQL (servers using the stack's PostgreSQL): `'; CREATE TABLE <canary>(x int); --` must leave no
 *    table, checked with the harness's own connection (and dropped);
 *  - Redis protocol (servers using the stack's Redis): `x\r\nSET <canary> 1\r\n` in a key or value
 *    must not set the canary key in any database (checked, and deleted, with the harness's own connection).
 *  - URL (tools with a URL argument): a URL on a loopback listener the probe runs must not be
 *    fetched by the server (server-side request forgery: an agent reaching what only the server's
 *    host can reach). Medium: fetching URLs is some servers' job; fetching loopback ones is not.
 * Pass when none takes effect; the server's answer is not taken for the verdict.
 */
import { createServer, type Server } from "node:http";
import path from "node:path";
import { lstat, rm } from "node:fs/promises";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ProbeOutcome } from "../model.js";
import { cut, newCanary, outcome, preview, type ProbeSession } from "./context.js";
import { takeRedisKey, withPostgres } from "./observe.js";
import { asPropertyValue, buildArguments, pickTools, sqlProperties, stringProperties, urlProperties } from "./tool-inputs.js";

const CHECK = "probe.injection" as const;
const MAX_TOOLS = 10;
/** 1337 * 7331: a product no answer holds by chance. */
export const TEMPLATE_PRODUCT = "9801547";

export interface Payload {
  kind: "shell" | "template" | "sql" | "redis";
  text: string;
}

export function injectionPayloads(canaryFile: string, table: string, redisKey = "mcp_slo_canary_key"): Payload[] {
  return [
    { kind: "shell", text: `x; touch ${canaryFile}` },
    { kind: "shell", text: `$(touch ${canaryFile})` },
    { kind: "shell", text: `\`touch ${canaryFile}\`` },
    { kind: "shell", text: `x | touch ${canaryFile}` },
    { kind: "template", text: "{{1337*7331}}" },
    // A literal "${...}": the payload, not a placeholder of this file.
    { kind: "template", text: ["$", "{1337*7331}"].join("") },
    { kind: "template", text: "#{1337*7331}" },
    { kind: "template", text: "<%= 1337*7331 %>" },
    { kind: "sql", text: `x'; CREATE TABLE ${table}(x int); --` },
    // A second command smuggled into the Redis protocol (RESP) by line breaks in a key or value.
    { kind: "redis", text: `x\r\nSET ${redisKey} 1\r\n` },
  ];
}

/** The effect a template payload would have: the product in the answer, where the payload itself did not put it. */
export function templateEvaluated(answer: string, payload: string): boolean {
  return answer.split(payload).join("").includes(TEMPLATE_PRODUCT);
}

export async function probeInjection(session: ProbeSession): Promise<ProbeOutcome[]> {
  const { ctx } = session;
  const tools = pickTools(ctx.definitions.tools, (t: Tool) => stringProperties(t).length, MAX_TOOLS);
  if (tools.length === 0) return [outcome(CHECK, "injection", "not_applicable", "no tool takes a free-text argument")];
  const token = newCanary();
  const dir = await ctx.registry.makeTempDir(`probe-injection-${token}`);
  const canaryFile = path.join(dir, "touched");
  const table = `mcp_slo_canary_${token}_inj`;
  const pgUrl = ctx.server.needs.includes("postgres") ? ctx.endpoints.postgres?.url : undefined;
  const redisUrl = ctx.server.needs.includes("redis") ? ctx.endpoints.redis?.url : undefined;
  const redisKey = `mcp_slo_canary_${token}_inj`;
  const payloads = injectionPayloads(canaryFile, table, redisKey).filter(
    (p) => (p.kind !== "sql" || pgUrl !== undefined) && (p.kind !== "redis" || redisUrl !== undefined),
  );
  const failures: ProbeOutcome[] = [];
  const tried = new Map<Payload["kind"] | "ssrf", number>();

  for (const tool of tools) {
    const strings = stringProperties(tool);
    // SQL in a SQL property is what the tool is for: the read-only probe judges that. Shell and
    // template payloads go everywhere.
    const nonSql = strings.filter((p) => !sqlProperties(tool).includes(p));
    // One call per payload with every chosen free-text argument carrying it (not one call per
    // argument: GitHub's search tools alone would take hundreds of calls).
    for (const payload of payloads) {
      const props = payload.kind === "sql" ? nonSql : strings;
      if (props.length === 0) continue;
      {
        const prop = props.join(",");
        const args = buildArguments(tool, (name, schema) => (props.includes(name) ? asPropertyValue(schema, payload.text) : undefined));
        const r = await session.call(`injection.${payload.kind}`, tool.name, args);
        tried.set(payload.kind, (tried.get(payload.kind) ?? 0) + 1);
        let effect: string | undefined;
        if (payload.kind === "shell" && (await exists(canaryFile))) effect = `the file ${canaryFile} was created: the shell ran the injected command`;
        if (payload.kind === "template" && templateEvaluated(r.text, payload.text))
          effect = `the answer holds ${TEMPLATE_PRODUCT} = 1337*7331: the template was evaluated`;
        if (payload.kind === "sql" && pgUrl) {
          const created = await withPostgres(pgUrl, async (client) => {
            const t = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table])).rows[0]?.t ?? null;
            if (t !== null) await client.query(`DROP TABLE IF EXISTS ${table}`);
            return t !== null;
          });
          if (created) effect = `table ${table} was created (seen with the harness's own connection, then dropped)`;
        }
        if (payload.kind === "redis" && redisUrl && (await takeRedisKey(redisUrl, redisKey)))
          effect = `key ${redisKey} was set: the line breaks smuggled a second Redis command (seen with the harness's own connection, then deleted)`;
        if (effect === undefined) continue;
        failures.push({
          probe: `injection.${payload.kind}`,
          check: CHECK,
          status: "fail",
          detail: `${tool.name}.${prop}: ${effect}`,
          finding: {
            ruleId: `probe.injection.${payload.kind}`,
            severity: payload.kind === "template" ? "high" : "critical",
            title: { shell: "Command injection", sql: "SQL injection", template: "Template injection", redis: "Redis command injection" }[payload.kind],
            message: `${tool.name} with ${prop}=${JSON.stringify(payload.text)}: ${effect}.`,
            evidence: `${effect}; answer: ${cut(r.text.replace(/\s+/g, " "), 200)}`,
            reproduce: `tools/call ${tool.name} ${preview(args, 400)}`,
            tool: tool.name,
            field: prop,
            source: "MCP spec 2025-11-25 server/tools.mdx (validate all tool inputs); OWASP injection",
          },
        });
        await rm(canaryFile, { force: true });
      }
    }
  }
  await rm(dir, { recursive: true, force: true });
  failures.push(...(await probeFetch(session, token, tried)));
  const out: ProbeOutcome[] = [...failures];
  for (const kind of ["shell", "template", "sql", "redis", "ssrf"] as const) {
    if (failures.some((f) => f.probe === `injection.${kind}`)) continue;
    const n = tried.get(kind) ?? 0;
    if (n === 0)
      out.push(
        outcome(
          CHECK,
          `injection.${kind}`,
          "not_applicable",
          kind === "ssrf"
            ? "no tool takes a URL"
            : kind === "redis"
              ? "the server uses no Redis of the stack, where a smuggled command could be seen"
              : kind !== "sql"
                ? "no free-text argument to put it in"
                : pgUrl === undefined
                  ? "the server uses no PostgreSQL of the stack, where an injected statement could be seen"
                  : "no free-text argument besides SQL ones (SQL sent to a SQL tool is the read-only probe's)",
        ),
      );
    else
      out.push(
        outcome(
          CHECK,
          `injection.${kind}`,
          "pass",
          kind === "ssrf"
            ? `${n} tools taking a URL were given one on the probe's loopback listener; it got no request`
            : `${n} calls over ${tools.length} tools; no effect seen`,
        ),
      );
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Tools that fetch a URL an agent gives them on purpose, by package: still a finding, marked byDesign.
 */
export const FETCHES_BY_DESIGN: Record<string, Record<string, string>> = {
  "@modelcontextprotocol/server-everything": {
    "gzip-file-as-resource":
      "the reference test server fetches any URL when GZIP_ALLOWED_DOMAINS is empty, its default (dist/tools/gzip-file-as-resource.js); it is a test server, not one to deploy",
  },
};

/** Most time given a server to fetch after the last call (a crawl may fetch in the background). */
const FETCH_GRACE_MS = 1500;

/** URL arguments aimed at a loopback listener of the probe's: any request to it is a fetch the agent caused. */
async function probeFetch(session: ProbeSession, token: string, tried: Map<string, number>): Promise<ProbeOutcome[]> {
  const tools = pickTools(session.ctx.definitions.tools, (t) => urlProperties(t).length, MAX_TOOLS);
  if (tools.length === 0) return [];
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  const asked = new Map<string, Record<string, unknown>>();
  try {
    for (const tool of tools) {
      const props = urlProperties(tool);
      const url = `http://127.0.0.1:${port}/mcp-slo-canary-${token}/${encodeURIComponent(tool.name)}`;
      const args = buildArguments(tool, (name, schema) => (props.includes(name) ? asPropertyValue(schema, url) : undefined));
      asked.set(tool.name, args);
      await session.call("injection.ssrf", tool.name, args);
      tried.set("ssrf", (tried.get("ssrf") ?? 0) + 1);
    }
    await new Promise((r) => setTimeout(r, FETCH_GRACE_MS));
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  const fetched = [...new Set(hits.map((h) => decodeURIComponent(h.split("/")[2] ?? "")).filter((t) => asked.has(t)))];
  const pkg = session.ctx.server.package;
  return fetched.map((tool) => ({
    probe: "injection.ssrf",
    check: CHECK,
    status: "fail" as const,
    detail: `${tool} fetched a loopback URL the probe gave it`,
    finding: {
      ruleId: "probe.injection.ssrf",
      severity: "medium" as const,
      title: "Fetches a loopback URL an agent gives it (SSRF)",
      message: `${tool} requested http://127.0.0.1:<port>/mcp-slo-canary-.../${tool} from the probe's loopback listener: an agent can make the server reach what only its host can reach.`,
      evidence: `${hits.filter((h) => h.endsWith(`/${encodeURIComponent(tool)}`)).length} request(s) to the listener for ${tool}`,
      reproduce: `tools/call ${tool} ${preview(asked.get(tool), 300)}`,
      tool,
      source: "MCP spec 2025-11-25 basic/security_best_practices.mdx (server-side request forgery)",
      ...(FETCHES_BY_DESIGN[pkg]?.[tool] !== undefined && { byDesign: FETCHES_BY_DESIGN[pkg]![tool]! }),
    },
  }));
}
