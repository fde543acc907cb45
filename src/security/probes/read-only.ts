/**
 * probe.read-only: what claims to be read-only cannot be made to write, checked against the stores
 * themselves afterwards (never the server's word):
 *  - tools annotated readOnlyHint:true are called with hostile inputs (canary names, traversal,
 *    SQL that writes) while the sandbox, the workdir, Redis and PostgreSQL (those the server uses)
 *    are snapshotted before and after: any change is a write through a read-only tool;
 *  - a SQL tool that says it is read-only (its description or the server's title: the PostgreSQL
 *    server runs each query in a READ ONLY transaction) is sent statements that end that
 *    transaction and write (`COMMIT; CREATE TABLE ...`, `ROLLBACK; ...`, `SET TRANSACTION READ
 *    WRITE; ...`); the canary table is looked for with the harness's own connection, and dropped;
 *  - a server started in a read-only mode (an env variable *_READ_ONLY set) must refuse a write tool
 *    it offers in its full mode (per-server knowledge: READ_ONLY_WRITE_CALLS).
 * A write is critical: an agent trusted with a read-only tool can change what it was meant only to read.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ProbeOutcome } from "../model.js";
import { cut, newCanary, outcome, preview, type ProbeSession } from "./context.js";
import { diffSnapshots, snapshotPostgres, snapshotRedis, snapshotTree, withPostgres, type Snapshot } from "./observe.js";
import { asPropertyValue, buildArguments, claimsReadOnly, pickTools, saysReadOnly, sqlProperties, stringProperties } from "./tool-inputs.js";

const CHECK = "probe.read-only" as const;
const MAX_TOOLS = 15;
const SOURCE = "MCP spec 2025-11-25 server/tools.mdx: annotations are hints a client may rely on only from trusted servers";

/**
 * Write tools a server offers when not in its read-only mode, with arguments it would accept: in
 * read-only mode the call must be refused. Only servers whose write tools are known are listed.
 */
export const READ_ONLY_WRITE_CALLS: Record<string, { env: string; tool: string; args: Record<string, unknown> }> = {
  "github.com/github/github-mcp-server": {
    env: "GITHUB_READ_ONLY",
    tool: "create_issue",
    args: { owner: "mcp-slo", repo: "probe", title: "mcp-slo read-only probe" },
  },
};

/** The SQL that escapes a READ ONLY transaction, each creating its own canary table. */
export function escapeStatements(token: string): { name: string; table: string; sql: string }[] {
  const t = (n: string) => `mcp_slo_canary_${token}_${n}`;
  return [
    { name: "commit-escape", table: t("commit"), sql: `COMMIT; CREATE TABLE ${t("commit")}(x int)` },
    { name: "rollback-escape", table: t("rollback"), sql: `ROLLBACK; CREATE TABLE ${t("rollback")}(x int)` },
    { name: "set-read-write", table: t("setrw"), sql: `SET TRANSACTION READ WRITE; CREATE TABLE ${t("setrw")}(x int); COMMIT` },
    { name: "plain-write", table: t("plain"), sql: `CREATE TABLE ${t("plain")}(x int)` },
  ];
}

/** Hostile strings for a read-only tool: names a write would use, traversal, and SQL that writes. */
function hostileStrings(token: string): string[] {
  return [`mcp-slo-ro-${token}`, `../mcp-slo-ro-${token}`, `x'; CREATE TABLE mcp_slo_canary_${token}_ro(x int); --`];
}

interface Stores {
  names: string[];
  take: () => Promise<Snapshot[]>;
}

function storesOf(session: ProbeSession): Stores {
  const { endpoints, server } = session.ctx;
  const names = ["sandbox", "workdir"];
  const takes: (() => Promise<Snapshot>)[] = [() => snapshotTree(endpoints.sandbox), () => snapshotTree(endpoints.workdir)];
  if (server.needs.includes("redis") && endpoints.redis) {
    names.push("redis");
    takes.push(() => snapshotRedis(endpoints.redis!.url));
  }
  if (server.needs.includes("postgres") && endpoints.postgres) {
    names.push("postgres");
    takes.push(() => snapshotPostgres(endpoints.postgres!.url));
  }
  return { names, take: () => Promise.all(takes.map((t) => t())) };
}

export async function probeReadOnly(session: ProbeSession): Promise<ProbeOutcome[]> {
  const out: ProbeOutcome[] = [];
  const token = newCanary();
  const { ctx } = session;

  // 1. Annotated read-only tools, with the stores snapshotted around them.
  const annotated = pickTools(ctx.definitions.tools.filter(claimsReadOnly), (t) => 1 + stringProperties(t).length, MAX_TOOLS);
  if (annotated.length === 0) out.push(outcome(CHECK, "read-only.annotated", "not_applicable", "no tool is annotated readOnlyHint: true"));
  else {
    const stores = storesOf(session);
    const before = await stores.take();
    const called: string[] = [];
    for (const tool of annotated) {
      for (const hostile of hostileStrings(token)) {
        await session.call("read-only.annotated", tool.name, hostileArgs(tool, hostile));
      }
      called.push(tool.name);
      const after = await stores.take();
      const changes = stores.names.flatMap((name, i) => diffSnapshots(before[i]!, after[i]!).map((c) => `${name}: ${c}`));
      if (changes.length > 0) {
        out.push({
          probe: "read-only.annotated",
          check: CHECK,
          status: "fail",
          detail: `${tool.name} is annotated readOnlyHint: true and changed ${changes.length} entr${changes.length === 1 ? "y" : "ies"} of the stores`,
          finding: {
            ruleId: "probe.read-only.annotated",
            severity: "critical",
            title: "Writes through a tool annotated read-only",
            message: `${tool.name} claims readOnlyHint: true, yet after calling it the probe found changes in ${[...new Set(changes.map((c) => c.split(":")[0]))].join(", ")}.`,
            evidence: cut(changes.slice(0, 5).join("; "), 400),
            reproduce: `tools/call ${tool.name} ${preview(hostileArgs(tool, hostileStrings(token)[0]!), 300)}`,
            tool: tool.name,
            field: "annotations.readOnlyHint",
            source: SOURCE,
          },
        });
        // Judge the next tool from here on.
        before.splice(0, before.length, ...after);
      }
    }
    // The SQL string above must not leave a table behind if some tool did run it.
    if (stores.names.includes("postgres"))
      await withPostgres(ctx.endpoints.postgres!.url, (client) => client.query(`DROP TABLE IF EXISTS mcp_slo_canary_${token}_ro`));
    if (!out.some((o) => o.probe === "read-only.annotated"))
      out.push(
        outcome(
          CHECK,
          "read-only.annotated",
          "pass",
          `${called.length} tools annotated read-only called with hostile inputs; ${stores.names.join(", ")} unchanged`,
        ),
      );
  }

  // 2. A SQL tool that says it is read-only.
  const sqlTools = ctx.definitions.tools.filter((t) => sqlProperties(t).length > 0 && (saysReadOnly(t.description) || saysReadOnly(ctx.server.title)));
  const pgUrl = ctx.endpoints.postgres?.url;
  if (sqlTools.length === 0) out.push(outcome(CHECK, "read-only.sql", "not_applicable", "no SQL tool claims to be read-only"));
  else if (!pgUrl || !ctx.server.needs.includes("postgres"))
    out.push(
      outcome(
        CHECK,
        "read-only.sql",
        "not_measured",
        "a SQL tool claims to be read-only, but the server uses no PostgreSQL of the stack the probe could check",
      ),
    );
  else {
    for (const tool of sqlTools) {
      const prop = sqlProperties(tool)[0]!;
      for (const s of escapeStatements(token)) {
        const args = buildArguments(tool, (name) => (name === prop ? s.sql : undefined));
        const r = await session.call(`read-only.${s.name}`, tool.name, args);
        const created = await withPostgres(pgUrl, async (client) => {
          const found = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [s.table])).rows[0]?.t ?? null;
          if (found !== null) await client.query(`DROP TABLE IF EXISTS ${s.table}`);
          return found !== null;
        });
        if (created)
          out.push({
            probe: `read-only.${s.name}`,
            check: CHECK,
            status: "fail",
            detail: `${tool.name} claims to be read-only; ${JSON.stringify(s.sql)} created table ${s.table} (seen with the harness's own connection, then dropped)`,
            finding: {
              ruleId: `probe.read-only.${s.name}`,
              severity: "critical",
              title: "Writes through a read-only SQL tool",
              message: `${tool.name} says it runs read-only queries, but ${JSON.stringify(s.sql)} created the table ${s.table}: the statement ended the READ ONLY transaction and wrote.`,
              evidence: `table ${s.table} present afterwards (to_regclass, the harness's own PostgreSQL connection); the server answered: ${cut(r.text.replace(/\s+/g, " "), 200)}`,
              reproduce: `tools/call ${tool.name} ${JSON.stringify(args)}`,
              tool: tool.name,
              field: prop,
              source: SOURCE,
            },
          });
        else out.push(outcome(CHECK, `read-only.${s.name}`, "pass", `${tool.name}: ${JSON.stringify(s.sql)} left no table ${s.table}`));
      }
    }
  }

  // 3. A read-only mode of the whole server.
  const known = READ_ONLY_WRITE_CALLS[ctx.server.package];
  if (!known || !/^(1|true|yes)$/i.test(ctx.server.env[known.env] ?? ""))
    out.push(outcome(CHECK, "read-only.mode", "not_applicable", "the server is not started in a read-only mode the probes know"));
  else {
    const offered = ctx.definitions.tools.filter((t) => !claimsReadOnly(t)).map((t) => t.name);
    const r = await session.call("read-only.mode", known.tool, known.args);
    const accepted = r.answered && !r.isError;
    if (accepted || offered.length > 0)
      out.push({
        probe: "read-only.mode",
        check: CHECK,
        status: "fail",
        detail: accepted
          ? `${known.tool} was accepted in read-only mode`
          : `tools not annotated read-only are offered in read-only mode: ${offered.join(", ")}`,
        finding: {
          ruleId: "probe.read-only.mode",
          severity: accepted ? "critical" : "medium",
          title: accepted ? "Write tool accepted in read-only mode" : "Read-only mode offers tools not marked read-only",
          message: accepted
            ? `Started with ${known.env}=${ctx.server.env[known.env]}, the server still ran ${known.tool}.`
            : `Started with ${known.env}=${ctx.server.env[known.env]}, it offers ${offered.join(", ")} without readOnlyHint: true.`,
          evidence: accepted ? `answer: ${cut(r.text, 200)}` : offered.join(", "),
          reproduce: `tools/call ${known.tool} ${JSON.stringify(known.args)}`,
          tool: known.tool,
          source: SOURCE,
        },
      });
    else
      out.push(
        outcome(
          CHECK,
          "read-only.mode",
          "pass",
          `${known.env}=${ctx.server.env[known.env]}: every offered tool is annotated read-only and ${known.tool} was refused (${cut(r.text.replace(/\s+/g, " "), 120)})`,
        ),
      );
  }
  return out;
}

function hostileArgs(tool: Tool, hostile: string): Record<string, unknown> {
  const strings = new Set(stringProperties(tool));
  return buildArguments(tool, (name, schema) => (strings.has(name) ? asPropertyValue(schema, hostile) : undefined));
}
