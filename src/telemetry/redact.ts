/**
 * Keeps secrets out of telemetry and every other output. Span attributes and
 * events end up in files people attach to tickets and in shared tracing
 * backends, so anything that looks like a credential is replaced before it is
 * recorded: by its key (token, secret, password, authorization, api key,
 * cookie, ...) or by its value (GitHub tokens, Bearer/Basic headers, JWTs, URLs
 * with a password). On top of the patterns, the harness registers the exact
 * values of the tokens it hands to servers (registerSecret), and
 * redactKnownSecrets removes those from any text: reports, logs, traces, error
 * messages quoting a server's stderr. Patterns alone would miss a token of a
 * format nobody wrote a pattern for.
 */

export const REDACTED = "[REDACTED]";

const SECRET_KEY = /(token|secret|passw(or)?d|passwd|authori[sz]ation|api[-_.]?key|apikey|private[-_.]?key|credential|cookie|session[-_.]?key)/i;

const SECRET_VALUES: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/i,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, // JWT
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{10,}\b/, // Stripe-style keys
  /\bsk-[A-Za-z0-9_-]{20,}\b/, // OpenAI-style keys
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, // Slack tokens
];

/** `scheme://user:password@host` -> `scheme://user:[REDACTED]@host`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]+)(@)/gi;

/** Each registered value with the forms it takes once escaped by an output (see variantsOf). */
const knownSecrets = new Map<string, readonly string[]>();

/** Values shorter than this are not treated as secrets: redacting "abc" everywhere would mangle reports. */
export const MIN_SECRET_LENGTH = 8;

/**
 * The forms a value takes inside the outputs once escaped: JSON (results.json, traces.jsonl),
 * JSON inside HTML (the report's embedded data), HTML and XML text (report.html, junit.xml) and
 * Markdown table cells (summary.md). The outputs are redacted from the record before they are
 * rendered (redactDeep); matching the escaped forms too means a password with a quote, a `<` or a
 * backslash in it is still caught in text that was escaped before it reached the redactor.
 */
function variantsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const html = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const markdown = value
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/&(?=[A-Za-z#])/g, "&amp;")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;");
  const forms = new Set([value, json, json.replace(/</g, "\\u003c"), html(value).replace(/'/g, "&#39;"), html(value).replace(/'/g, "&apos;"), markdown]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Every form of every registered value, longest first: a value holding another is replaced whole. */
let allForms: string[] = [];

/** Makes every later redaction remove this exact value (and its escaped forms). */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || knownSecrets.has(value)) return;
  knownSecrets.set(value, variantsOf(value));
  allForms = [...new Set([...knownSecrets.values()].flat())].sort((a, b) => b.length - a.length);
}

/** Registers the values of environment variables whose names say they are credentials. */
export function registerSecretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(env)) if (isSecretKey(key)) registerSecret(value);
}

/**
 * A value cut short at the end of a text (a message clipped to 200 or 300 characters before it
 * reached the redactor) still counts when at least this many of its characters remain.
 */
export const MIN_CUT_PREFIX = 6;

/** `text` with every registered secret value replaced (same string when there is none). */
export function redactKnownSecrets(text: string): string {
  let out = text;
  for (const form of allForms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  // Messages are clipped in many places (an error to 300 characters, a stderr line to 200)
  // before they are redacted: the head of a value left at the very end would otherwise leak.
  for (const form of allForms) {
    const head = form.slice(0, MIN_CUT_PREFIX);
    // Only the last form.length - 1 characters can hold a cut-short value: search there alone.
    for (let i = out.indexOf(head, Math.max(0, out.length - form.length + 1)); i >= 0; i = out.indexOf(head, i + 1)) {
      if (form.startsWith(out.slice(i))) {
        out = out.slice(0, i) + REDACTED;
        break;
      }
    }
  }
  return out;
}

/**
 * A copy of `value` (a run record, a span) with every registered secret removed from every string
 * in it, keys included: what the renderers then escape holds no secret to escape.
 */
export function redactDeep<T>(value: T): T {
  if (knownSecrets.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactKnownSecrets(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactKnownSecrets(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The value with credentials replaced; values without any come back unchanged (same string). */
export function redactValue(value: string): string {
  if (SECRET_VALUES.some((re) => re.test(value))) return REDACTED;
  const known = redactKnownSecrets(value);
  return known.includes("://") ? known.replace(URL_PASSWORD, `$1${REDACTED}$3`) : known;
}

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type Attributes = Record<string, AttributeValue | undefined>;

/** A copy of `attrs` safe to record: secret-named keys and secret-looking values are replaced. */
export function redactAttributes(attrs: Attributes): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (isSecretKey(key)) out[key] = REDACTED;
    else if (typeof value === "string") out[key] = redactValue(value);
    else if (Array.isArray(value)) out[key] = value.map((v: string | number | boolean) => (typeof v === "string" ? redactValue(v) : v)) as AttributeValue;
    else out[key] = value;
  }
  return out;
}
