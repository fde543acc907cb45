/**
 * probe.secrets: nothing the server was handed in confidence comes back in what it says. The
 * server is started with canary values (withProbeCanaries: a random token in each of its catalog
 * `secrets`, a random value in MCP_SLO_PROBE_SECRET); errors are provoked (every tool called with no
 * arguments and with arguments that name nothing that exists), and then every text of every answer
 * of every probe (results, errors, a dead server's last stderr lines) is searched for each handed
 * value, in the forms it takes through JSON, URL encoding and base64, and for the content of the
 * canary files planted outside the root. Evidence names where the value was handed (the variable),
 * never the value.
 */
import type { ServerDefinition } from "../../contracts/server-definition.js";
import type { ProbeOutcome } from "../model.js";
import { newCanary, outcome, type ProbeSecret, type ProbeSession } from "./context.js";
import { findNeedle } from "./observe.js";
import { asPropertyValue, buildArguments, isStringLike, pickTools } from "./tool-inputs.js";

const CHECK = "probe.secrets" as const;
const MAX_TOOLS = 15;
/**
 * Tools that return what they were handed on purpose, by package: still a finding, marked byDesign
 * (the report says so, and that the package is a test server, not one to deploy).
 */
export const SHOWS_SECRETS_BY_DESIGN: Record<string, Record<string, string>> = {
  "@modelcontextprotocol/server-everything": {
    "get-env":
      "the protocol's reference test server returns its whole environment from get-env on purpose (dist/tools/get-env.js: JSON.stringify(process.env)); it is a test server, not one to deploy",
  },
};

/** A value in the server's environment it has no reason to show: `get-env`-style tools give it away. */
export const PROBE_SECRET_ENV = "MCP_SLO_PROBE_SECRET";

/**
 * The server as the probes start it: every catalog token replaced by a canary of the same shape
 * (its prefix kept, so a server that checks the token's form at start still starts; the stand-ins
 * accept any token), and a canary in MCP_SLO_PROBE_SECRET. Returns the values to look for.
 */
export function withProbeCanaries(def: ServerDefinition): { def: ServerDefinition; secrets: ProbeSecret[] } {
  const secrets: ProbeSecret[] = [];
  const canaryLike = (standIn: string) => {
    const prefix = /^[A-Za-z]+[_-]/.exec(standIn)?.[0] ?? "";
    let body = "";
    while (body.length < Math.max(24, standIn.length - prefix.length)) body += newCanary();
    return prefix + body.slice(0, Math.max(24, standIn.length - prefix.length));
  };
  const tokens = (def.secrets ?? []).map((s) => ({ ...s, standIn: canaryLike(s.standIn) }));
  for (const s of tokens) secrets.push({ name: s.env, value: s.standIn });
  const envValue = `mcp-slo-probe-secret-${newCanary()}${newCanary()}`;
  secrets.push({ name: PROBE_SECRET_ENV, value: envValue });
  // A custom server's own env values are secrets unless its scenario says they are public.
  if (def.package === "custom") {
    const pub = def.public?.env ?? [];
    for (const [name, value] of Object.entries(def.env)) {
      if (pub === true || pub.includes(name) || value.includes("{{") || value.length < 8) continue;
      secrets.push({ name, value });
    }
  }
  return {
    def: { ...def, env: { ...def.env, [PROBE_SECRET_ENV]: envValue }, ...(def.secrets && { secrets: tokens }) },
    secrets,
  };
}

export async function probeSecrets(session: ProbeSession): Promise<ProbeOutcome[]> {
  const { ctx } = session;
  // Provoke errors: no arguments, and arguments naming nothing that exists.
  const bogus = `mcp-slo-missing-${newCanary()}`;
  const tools = pickTools(ctx.definitions.tools, () => 1, MAX_TOOLS);
  for (const tool of tools) {
    await session.call("secrets.errors", tool.name, {});
    await session.call(
      "secrets.errors",
      tool.name,
      buildArguments(tool, (_name, schema) => (isStringLike(schema) ? asPropertyValue(schema, bogus) : undefined)),
    );
  }
  return judgeSecrets(session);
}

/** Searches every text the probes saw for every handed value and planted file content. */
export function judgeSecrets(session: Pick<ProbeSession, "calls" | "otherTexts" | "fileCanaries" | "ctx">): ProbeOutcome[] {
  const needles: { name: string; value: string; what: "secret" | "file" }[] = [
    ...session.ctx.secrets.map((s) => ({ ...s, what: "secret" as const })),
    ...session.fileCanaries.map((value, i) => ({ name: `canary file ${i + 1} outside the root`, value, what: "file" as const })),
  ];
  if (needles.length === 0) return [outcome(CHECK, "secrets", "not_applicable", "no secret was handed to the server and no file was planted")];
  const texts = [
    ...session.calls.map((c) => ({ where: `${c.probe}: answer of ${c.tool}`, tool: c.tool, text: c.text, args: c.args })),
    ...session.otherTexts.map((t) => ({ where: t.probe, tool: undefined, text: t.text, args: undefined })),
  ];
  const out: ProbeOutcome[] = [];
  for (const needle of needles) {
    // A file canary read through an escape is confinement's finding; here it counts only in texts of other probes.
    const hit = texts
      .filter((t) => needle.what === "secret" || !t.where.startsWith("confinement."))
      .map((t) => ({ t, found: findNeedle(t.text, needle.value, `<${needle.name}>`) }))
      .find((x) => x.found !== undefined);
    if (!hit) continue;
    out.push({
      probe: needle.what === "secret" ? "secrets.handed-value" : "secrets.file-content",
      check: CHECK,
      status: "fail",
      detail: `the value of ${needle.name} appeared in ${hit.t.where}`,
      finding: {
        ruleId: needle.what === "secret" ? "probe.secrets.handed-value" : "probe.secrets.file-content",
        severity: "critical",
        title: needle.what === "secret" ? "Secret handed to the server appears in its output" : "Content of a file outside its root appears in its output",
        message: `The ${needle.what === "secret" ? `value handed in ${needle.name}` : needle.name} came back in ${hit.t.where} (offset ${hit.found!.offset}); the value itself is masked here.`,
        evidence: hit.found!.excerpt,
        ...(hit.t.args && hit.t.tool && { reproduce: `tools/call ${hit.t.tool} ${JSON.stringify(hit.t.args).slice(0, 300)}`, tool: hit.t.tool }),
        source: "MCP spec 2025-11-25 basic/security_best_practices.mdx (redact secrets in errors and logs)",
        ...(hit.t.tool &&
          SHOWS_SECRETS_BY_DESIGN[session.ctx.server.package]?.[hit.t.tool] !== undefined && {
            byDesign: SHOWS_SECRETS_BY_DESIGN[session.ctx.server.package]![hit.t.tool]!,
          }),
      },
    });
  }
  if (out.length === 0)
    out.push(
      outcome(
        CHECK,
        "secrets",
        "pass",
        `${needles.length} handed values and planted contents (${needles.map((n) => n.name).join(", ")}) searched in ${texts.length} answers: none found`,
      ),
    );
  return out;
}
