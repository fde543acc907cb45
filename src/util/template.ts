/**
 * Argument templates: "key-{{agent}}-{{seq}}" becomes "key-3-1042" for agent 3's
 * 1042nd call. Compiled once per scenario, evaluated per call on the hot path,
 * so each placeholder becomes a small closure instead of a regex replace per
 * call. Written here rather than with a template library because the values
 * come from per-call generators (seeded RNG, Zipf) that such libraries do not
 * model, and the grammar is one token per placeholder.
 */
import { randomUUID } from "node:crypto";
import { ZipfSampler, type Rng } from "./random.js";

export interface CallContext {
  agent: number;
  seq: number;
  runId: string;
  rng: Rng;
  /** The filesystem server's sandbox directory, for paths in arguments. */
  sandbox: string;
}

type Piece<C> = string | ((ctx: C) => unknown);
export type CompiledValue<C extends CallContext = CallContext> = (ctx: C) => unknown;

/**
 * Placeholders a workload adds to the built-in ones (the script's {{steps.<name>.result...}}): given the
 * text between the braces, its value per call, a problem message, or undefined when it is not one of them.
 */
export type PlaceholderExtension<C extends CallContext> = (expr: string) => ((ctx: C) => unknown) | string | undefined;

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Most keys {{zipf N S}} may draw from (80 MB of cumulative weights). */
export const MAX_ZIPF_KEYS = 10_000_000;

export const PLACEHOLDER_HELP = "{{agent}}, {{seq}}, {{uuid}}, {{run}}, {{now}}, {{sandbox}}, {{rand A B}}, {{zipf N S}}, {{pick a|b|c}}";

function compilePlaceholder<C extends CallContext>(expr: string, extend: PlaceholderExtension<C> | undefined): ((ctx: C) => unknown) | string {
  const [name, ...params] = expr.split(/\s+/);
  switch (name) {
    case "agent":
      return (c) => c.agent;
    case "seq":
      return (c) => c.seq;
    case "run":
      return (c) => c.runId;
    case "sandbox":
      return (c) => c.sandbox;
    case "uuid":
      return () => randomUUID();
    case "now":
      return () => Date.now();
    case "rand": {
      const [lo, hi] = params.map(Number);
      if (params.length !== 2 || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo! > hi! || !Number.isSafeInteger(hi! - lo! + 1))
        return `{{rand A B}} needs two integers A <= B (at most 15 digits), found "${expr}"`;
      return (c) => lo! + Math.floor(c.rng() * (hi! - lo! + 1));
    }
    case "zipf": {
      const n = Number(params[0]);
      const s = params[1] === undefined ? 1 : Number(params[1]);
      // The sampler holds one double per key: N is bounded like cache-aside's key space, not by the memory left.
      if (!Number.isInteger(n) || n < 1 || n > MAX_ZIPF_KEYS || !(s > 0) || !Number.isFinite(s) || params.length > 2)
        return `{{zipf N S}} needs a key count N from 1 to ${MAX_ZIPF_KEYS} and an exponent S > 0, found "${expr}"`;
      const zipf = new ZipfSampler(n, s);
      return (c) => zipf.sample(c.rng);
    }
    case "pick": {
      const choices = params.join(" ").split("|");
      if (choices.length < 2) return `{{pick a|b}} needs at least two choices, found "${expr}"`;
      return (c) => choices[Math.floor(c.rng() * choices.length)]!;
    }
    default:
      return extend?.(expr) ?? `unknown placeholder {{${expr}}}; known: ${PLACEHOLDER_HELP}`;
  }
}

function compileString<C extends CallContext>(text: string, problems: string[], extend: PlaceholderExtension<C> | undefined): CompiledValue<C> {
  const pieces: Piece<C>[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) pieces.push(text.slice(last, m.index));
    const compiled = compilePlaceholder(m[1]!, extend);
    if (typeof compiled === "string") problems.push(compiled);
    else pieces.push(compiled);
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  if (pieces.length === 0) return () => "";
  const [only] = pieces;
  // A value that is exactly one placeholder keeps its type, so {{rand 1 9}} can feed a numeric argument.
  if (pieces.length === 1) return typeof only === "string" ? () => only : only!;
  return (ctx) => {
    let out = "";
    for (const p of pieces) out += typeof p === "string" ? p : pieceText(p(ctx));
    return out;
  };
}

/** A placeholder's value inside a longer string: an object or a list (an earlier answer's part) as JSON, not "[object Object]". */
function pieceText(v: unknown): string {
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

/** Compiles any JSON-like value; problems get one message per bad placeholder. `extend` adds a workload's own placeholders. */
export function compileTemplate<C extends CallContext = CallContext>(value: unknown, problems: string[], extend?: PlaceholderExtension<C>): CompiledValue<C> {
  if (typeof value === "string") return compileString(value, problems, extend);
  if (Array.isArray(value)) {
    const items = value.map((v) => compileTemplate(v, problems, extend));
    return (ctx) => items.map((f) => f(ctx));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, compileTemplate(v, problems, extend)] as const);
    return (ctx) => {
      const out: Record<string, unknown> = {};
      for (const [k, f] of entries) out[k] = f(ctx);
      return out;
    };
  }
  return () => value;
}
