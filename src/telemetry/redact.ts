/**
 * Keeps secrets out of telemetry. Span attributes and events end up in files
 * people attach to tickets and in shared tracing backends, so anything that
 * looks like a credential is replaced before it is recorded: by its key
 * (token, secret, password, authorization, api key, cookie, ...) or by its
 * value (GitHub tokens, Bearer/Basic headers, JWTs, URLs with a password).
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

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The value with credentials replaced; values without any come back unchanged (same string). */
export function redactValue(value: string): string {
  if (SECRET_VALUES.some((re) => re.test(value))) return REDACTED;
  return value.includes("://") ? value.replace(URL_PASSWORD, `$1${REDACTED}$3`) : value;
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
