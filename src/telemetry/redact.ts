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

const knownSecrets = new Set<string>();

/** Values shorter than this are not treated as secrets: redacting "abc" everywhere would mangle reports. */
const MIN_SECRET_LENGTH = 8;

/** Makes every later redaction remove this exact value. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

/** Registers the values of environment variables whose names say they are credentials. */
export function registerSecretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(env)) if (isSecretKey(key)) registerSecret(value);
}

/** `text` with every registered secret value replaced (same string when there is none). */
export function redactKnownSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
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
