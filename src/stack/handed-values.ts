/**
 * What the harness hands a server (its `env` and `args`) is a secret until its scenario says it is
 * not. A custom server's definition is written by whoever runs the harness, and its env and args are
 * exactly where people put API keys, passwords and URLs with credentials in them; the harness cannot
 * tell a key from a log level. So every value of a custom server's env and args, as written and as
 * expanded, is registered with the redactor (telemetry/redact.ts) and replaced by [REDACTED] in every
 * output, log line, terminal line and trace, unless the scenario lists it under `public:`:
 *
 *   servers:
 *     - name: my-server
 *       command: node
 *       args: ["./dist/index.js", "--api-key", "sk-live-0123456789"]
 *       env: { LOG_LEVEL: warn, API_TOKEN: "t0k3n-abcdefgh" }
 *       public:
 *         env: [LOG_LEVEL]                   # names of env variables whose values are not secret (or true: all)
 *         args: ["./dist/index.js", "--api-key"]   # args as written that are not secret (or true: all)
 *
 * Rules, and why:
 *  - A value made only of the harness's placeholders ({{redis.url}}, {{sandbox}}, ...) is the
 *    harness's own (a loopback URL, a temp dir), not something the scenario wrote: not registered.
 *  - The free-text redaction replaces values of 8 characters or more wherever they appear (the same
 *    threshold as for tokens). Shorter ones ("-e", "1", "warn", "stdio") cannot be replaced in free
 *    text without mangling every report (every "1" in every number), and they are not credentials;
 *    where the harness itself shows how it started a server (describeLaunch: the command line and
 *    the environment it gave), every value that is not public is shown as [REDACTED], whatever its
 *    length. A short value under a credential-like name (API_KEY: abc) is refused at validation
 *    (scenario-schema.ts): it could be neither kept out of the outputs nor be meant as public.
 *  - Catalog servers' definitions are public; their tokens (`secrets`) are registered from the
 *    environment (cli/main.ts, run.ts) and shown as [REDACTED] by describeLaunch.
 */
import type { ServerDefinition } from "../contracts/server-definition.js";
import { REDACTED, registerSecret } from "../telemetry/redact.js";

const PLACEHOLDER = /\{\{\s*[a-z.]+\s*\}\}/g;

/** The text a scenario wrote into a value, with the harness's placeholders taken out. */
function literalParts(value: string): string[] {
  return value.split(PLACEHOLDER).filter((p) => p !== "");
}

/** True when the value holds text the scenario wrote (not only placeholders the harness fills). */
function hasLiteralText(value: string): boolean {
  return literalParts(value).length > 0;
}

export function isPublicEnv(def: ServerDefinition, name: string): boolean {
  if (def.package !== "custom") return !(def.secrets ?? []).some((s) => s.env === name);
  const pub = def.public?.env ?? [];
  return pub === true || pub.includes(name) || !hasLiteralText(def.env[name] ?? "");
}

/** `index` into the server's args as written (def.args). */
export function isPublicArg(def: ServerDefinition, index: number): boolean {
  if (def.package !== "custom") return true;
  const written = def.args[index] ?? "";
  const pub = def.public?.args ?? [];
  return pub === true || pub.includes(written) || !hasLiteralText(written);
}

function registerValue(written: string, expanded?: string): void {
  if (!hasLiteralText(written)) return;
  registerSecret(written);
  for (const part of literalParts(written)) registerSecret(part);
  if (expanded !== undefined) registerSecret(expanded);
}

/** Registers a custom server's env values and args as written: call before anything runs. */
export function registerWrittenValues(def: ServerDefinition): void {
  if (def.package !== "custom") return;
  for (const name of Object.keys(def.env)) if (!isPublicEnv(def, name)) registerValue(def.env[name]!);
  def.args.forEach((arg, i) => {
    if (!isPublicArg(def, i)) registerValue(arg);
  });
}

/** Registers what a custom server is handed as expanded (per agent, with the stack's addresses). */
export function registerHandedValues(def: ServerDefinition, launched: { env: Record<string, string>; args: readonly string[] }): void {
  if (def.package !== "custom") return;
  for (const [name, value] of Object.entries(launched.env)) if (!isPublicEnv(def, name)) registerValue(def.env[name] ?? value, value);
  launched.args.forEach((value, i) => {
    if (launched.args.length === def.args.length && !isPublicArg(def, i)) registerValue(def.args[i]!, value);
  });
}

function shellWord(word: string): string {
  return word === "" || /[\s"'\\$`;&|<>()*?#~]/.test(word) ? JSON.stringify(word) : word;
}

/**
 * How the harness started a server, for an error message a person debugs with: the command line
 * and the environment it was given (on top of the allow-list, child-env.ts), every value that is
 * not public shown as [REDACTED].
 */
export function describeLaunch(def: ServerDefinition, launched: { command: string; args: readonly string[]; env: Record<string, string> }): string[] {
  const args = launched.args.map((a, i) => (launched.args.length === def.args.length && !isPublicArg(def, i) ? REDACTED : shellWord(a)));
  const env = Object.entries(launched.env).map(([name, value]) => `${name}=${isPublicEnv(def, name) ? shellWord(value) : REDACTED}`);
  return [
    `command: ${[shellWord(launched.command), ...args].join(" ")}`,
    `environment given: ${env.length ? env.join(" ") : "none"} (besides PATH, HOME, LANG, TMPDIR and the rest of the allow-list; never the harness's own tokens)`,
  ];
}
