/**
 * The sources policy (issue 14, item 2): which registries and publishers a scanned server may come
 * from. The design module's constraint is "Sources approuvées : Anthropic, LobeHub, BMAD Community"
 * with "Validation humaine : processus d'approbation pour nouveaux MCP" (000_02bc345255a0a23a.txt
 * lines 478-479); the default policy below is that list as registry identities, and a policy file
 * (YAML, `--policy`) replaces it: the approval the module asks for is a reviewed file.
 *
 * A publisher is named by what a registry lets one control, as `<registry>:<name>`:
 * `npm:@scope` for a scoped npm package (else `npm:<package>`), `pypi:<project>`, `go:<module path
 * without its last element>` (github.com/github/github-mcp-server -> `go:github.com/github`). An
 * entry of the policy matches that name, or a prefix of it ending at a "/". What the registry does
 * not prove, the report says: with no provenance reachable (research: the registries here serve no
 * signatures or attestations), a publisher is the package's name, declared, not verified.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import { printable } from "../util/control-chars.js";
import type { SecurityCheck } from "../results/types.js";
import { check } from "./score.js";
import { readBounded, zodPath } from "./tool-pins.js";

export const PolicyFileSchema = z.strictObject({
  registries: z
    .array(z.url({ protocol: /^https?$/ }))
    .describe("Registry base URLs a server may be installed from (npm registry, PyPI index, Go module proxy)."),
  publishers: z
    .array(z.string().regex(/^(npm|pypi|go):\S+$/, "expected <npm|pypi|go>:<name>, e.g. npm:@modelcontextprotocol"))
    .describe("Approved publishers."),
  servers: z
    .record(z.string(), z.strictObject({ publisher: z.string().regex(/^(npm|pypi|go):\S+$/, "expected <npm|pypi|go>:<name>") }))
    .optional()
    .describe("Per server: the publisher to judge it by, when its package name does not say it."),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

export interface SourcesPolicy extends PolicyFile {
  /** Where it came from: a file, or null for the default. */
  file: string | null;
}

const MODULE_SOURCE =
  "design module 000_02bc345255a0a23a.txt lines 478-479 (sources approuvées: Anthropic, LobeHub, BMAD Community; human approval of new MCP)";

/**
 * The module's approved sources as registry identities: Anthropic publishes the MCP reference
 * servers under the npm scope @modelcontextprotocol (and its SDKs under @anthropic-ai); LobeHub
 * publishes under @lobehub. "BMAD Community" names no registry identity the harness could check:
 * add yours in a policy file. The registries are the public ones.
 */
export const DEFAULT_POLICY: SourcesPolicy = {
  file: null,
  registries: ["https://registry.npmjs.org", "https://pypi.org", "https://proxy.golang.org"],
  publishers: ["npm:@modelcontextprotocol", "npm:@anthropic-ai", "npm:@lobehub"],
};

export async function readPolicyFile(file: string): Promise<SourcesPolicy> {
  const shown = printable(file);
  const hint = "a policy file lists registries: [urls], publishers: [npm:@scope, pypi:name, go:module/prefix] and optionally servers: {name: {publisher}}";
  const read = await readBounded(file);
  if ("missing" in read) throw new HarnessError("invalid_input", `policy file ${shown}: no such file`, { hint });
  if ("problem" in read) throw new HarnessError("invalid_input", `policy file ${shown}: ${read.problem}`, { hint });
  let raw: unknown;
  try {
    raw = parseYaml(read.text);
  } catch (err) {
    throw new HarnessError("invalid_input", `policy file ${shown}: not valid YAML: ${printable((err as Error).message)}`, { hint });
  }
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new HarnessError("invalid_input", `policy file ${shown}: ${parsed.error.issues.length} problem(s)`, {
      details: parsed.error.issues.map((i) => `${shown}: ${zodPath(i.path)}: ${printable(i.message)}`),
      hint,
    });
  return { ...parsed.data, file };
}

/** The publisher name a server's package gives it (see the header), or undefined for a custom server. */
export function declaredPublisher(def: Pick<ServerDefinition, "package" | "registry">): string | undefined {
  if (def.package === "custom") return undefined;
  const registry = def.registry ?? "npm";
  if (registry === "npm") return def.package.startsWith("@") ? `npm:${def.package.split("/")[0]}` : `npm:${def.package}`;
  if (registry === "pypi") return `pypi:${def.package.split(/[=<>[ ]/)[0]!.toLowerCase()}`;
  const module = def.package.replace(/\/cmd\/.*$/, "");
  return `go:${module.split("/").slice(0, -1).join("/")}`;
}

export function publisherMatches(entry: string, publisher: string): boolean {
  return publisher === entry || publisher.startsWith(entry.endsWith("/") ? entry : `${entry}/`);
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The two whitelist checks of one server. `registryUrl`: where this machine installs that kind of
 * package from (npm config, the PyPI index, GOPROXY's first entry), undefined for a custom server.
 */
export function policyChecks(
  def: Pick<ServerDefinition, "name" | "package" | "registry">,
  registryUrl: string | undefined,
  policy: SourcesPolicy,
): SecurityCheck[] {
  const from = policy.file ? `policy file ${policy.file}` : `the default policy (${MODULE_SOURCE})`;
  if (def.package === "custom")
    return [
      check("policy.registry", "fail", `a custom server (a command of the scenario) comes from no registry: not an approved source under ${from}`),
      check("policy.publisher", "fail", `a custom server has no publisher a registry vouches for: not approved under ${from}`),
    ];
  const registry = registryUrl ? trimSlash(registryUrl) : undefined;
  const registryOk = registry !== undefined && policy.registries.some((r) => trimSlash(r) === registry);
  const publisher = policy.servers?.[def.name]?.publisher ?? declaredPublisher(def);
  const approved = publisher !== undefined && policy.publishers.find((p) => publisherMatches(p, publisher));
  return [
    check(
      "policy.registry",
      registryOk ? "pass" : "fail",
      registryOk
        ? `installed from ${registry}, on the allow-list of ${from}`
        : `installed from ${registry ?? "an unknown registry"}, not on the allow-list of ${from} (${policy.registries.join(", ")})`,
    ),
    check(
      "policy.publisher",
      approved ? "pass" : "fail",
      approved
        ? `publisher ${publisher} (declared by the package name, not verified: no provenance reachable) matches ${approved} of ${from}`
        : `publisher ${publisher ?? "unknown"} is not approved by ${from}; approve it in a policy file (publishers: [${publisher}]) after review`,
    ),
  ];
}
