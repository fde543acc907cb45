/**
 * Offline checks of what MCP servers tell an agent's model about themselves: the initialize
 * `instructions`, every tool (name, title, description, input and output schemas, annotations),
 * prompts, resources and resource templates (collect-definitions.ts lists them). All of that text
 * goes into the model's context unchecked, so a server can steer the model with it ("tool
 * poisoning"), name itself like another server's tool ("shadowing"), or change it after a person
 * approved it ("rug pull": tool-pins.ts).
 *
 * Public scanners (invariantlabs-ai/mcp-scan, snyk/agent-scan) send the definitions to an online
 * analysis service and judge nothing locally; this machine reaches none. These rules run here,
 * each a pattern with its source (RULES), so every finding says which text matched, where, and why
 * it matters. They are deliberately narrow: a phrase that the real catalog servers use in clean
 * descriptions (GitHub's "Always call 'get_me' first", Firecrawl's "needs an API key") is not a
 * rule, and the unit tests run every rule over the ten catalog servers' captured definitions.
 * A pattern cannot prove a description harmless: no finding means none of these patterns matched.
 *
 * Rules (ids as the report and results.json name them):
 *  TD1 hidden-instruction tags    TD2 override / concealment phrases   TD3 secrets and private files
 *  TD4 invisible or control chars TD5 encoded blobs                    TD6 shadowing across servers
 *  TD7 over-broad input schema    TD8 annotations that contradict      TD9 rug pull (tool-pins.ts)
 *  TD10 oversized text
 */
import { printable } from "../util/control-chars.js";
import type { ServerDefinitions } from "./collect-definitions.js";

export type Severity = "critical" | "high" | "medium" | "low" | "info";

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export type RuleId = "TD1" | "TD2" | "TD3" | "TD4" | "TD5" | "TD6" | "TD7" | "TD8" | "TD9" | "TD10";

export interface RuleInfo {
  id: RuleId;
  title: string;
  /** Severity of its findings (some rules have a lower one for a weaker form; said in `detail`). */
  severity: Severity;
  /** Where the pattern comes from: a published attack, a specification, a client's behaviour. */
  source: string;
}

const INVARIANT = "Invariant Labs, 'MCP Security Notification: Tool Poisoning Attacks' (2025), linked from invariantlabs-ai/mcp-scan";

/** Every rule, with the source a finding cites: the report publishes this table. */
export const RULES: Readonly<Record<RuleId, RuleInfo>> = {
  TD1: { id: "TD1", title: "hidden-instruction tag", severity: "high", source: `${INVARIANT} (the <IMPORTANT> block); chat-template role markers` },
  TD2: {
    id: "TD2",
    title: "instruction override or concealment phrase",
    severity: "high",
    source: `${INVARIANT} ("do not mention that you first need to read the file"); OWASP MCP Top 10 MCP03 tool poisoning`,
  },
  TD3: {
    id: "TD3",
    title: "reference to secrets, private files or the conversation",
    severity: "high",
    source: `${INVARIANT} (reads ~/.cursor/mcp.json and ~/.ssh/id_rsa)`,
  },
  TD4: {
    id: "TD4",
    title: "invisible, bidirectional or control character",
    severity: "high",
    source: "Unicode TR36/TR39 (bidi and invisible characters); 'ASCII smuggling' with Unicode tag characters U+E0000-U+E007F; src/util/control-chars.ts",
  },
  TD5: {
    id: "TD5",
    title: "encoded blob",
    severity: "medium",
    source: "encoded payloads (base64, hex, percent-encoding) as listed by tool-poisoning scanners; a model decodes what a reviewer skims",
  },
  TD6: {
    id: "TD6",
    title: "shadowing another server's tool",
    severity: "medium",
    source: `${INVARIANT} (tool shadowing: a description that changes how another server's tool is used); mcp-scan 'cross-origin escalation'`,
  },
  TD7: {
    id: "TD7",
    title: "over-broad input schema",
    severity: "low",
    source: "MCP specification 2025-11-25, basic/security_best_practices and server/tools security considerations: validate tool inputs against strict schemas",
  },
  TD8: {
    id: "TD8",
    title: "annotations that contradict the tool",
    severity: "medium",
    source: "MCP specification 2025-11-25, server/tools: annotations are hints, untrusted unless from a trusted server",
  },
  TD9: {
    id: "TD9",
    title: "definition changed since it was pinned (rug pull)",
    severity: "high",
    source: `${INVARIANT} (rug pulls); mcp-scan Storage.check_and_update (pins a hash per tool)`,
  },
  TD10: {
    id: "TD10",
    title: "oversized text",
    severity: "low",
    source: "anthropics/claude-code issues #81268 and #87650: tool descriptions and server instructions are cut at 2048 characters before the model reads them",
  },
};

/** What a definition belongs to. */
export type ItemKind = "server" | "tool" | "prompt" | "resource" | "resource-template";

export interface ToolDefinitionFinding {
  rule: RuleId;
  severity: Severity;
  server: string;
  kind: ItemKind;
  /** The tool's (prompt's, resource's) name; "instructions" for the server's initialize instructions. */
  tool: string;
  /** Where in the definition: `description`, `inputSchema.properties.path.description`, ... */
  field: string;
  /** What is wrong, in one sentence. */
  detail: string;
  /** The text that matched, escaped (control characters visible) and cut to a short excerpt, with its offset. */
  evidence: string;
  source: string;
}

/** Longest description or instructions a client passes whole (Claude Code cuts at 2048: TD10's source). */
export const MAX_DESCRIPTION_CHARS = 2048;
/** Deepest nesting of a definition that is inspected; below it, nothing is read (a TD10 finding says so). */
export const MAX_DEFINITION_DEPTH = 64;
/** Most strings inspected in one definition; a definition with more is itself a TD10 finding. */
export const MAX_STRINGS_PER_ITEM = 20_000;
/** Most findings of one rule for one item: a blob repeated a thousand times is one problem, said a few times. */
const MAX_FINDINGS_PER_RULE_AND_ITEM = 5;

// ---------------------------------------------------------------------------------------------
// The patterns. Each is matched case-insensitively on one string of a definition.

/** TD1: tags and markers that frame text as instructions to the model rather than documentation. */
const HIDDEN_TAGS: readonly RegExp[] = [
  /<\s*\/?\s*(important|system|instructions?|secret|hidden|admin|sys|system[-_ ]?prompt)\s*>/i,
  /<!--/,
  /\[\s*\/?\s*(INST|SYS)\s*\]/i,
  /<<\s*\/?\s*SYS\s*>>/i,
  /<\|\s*(im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)\s*\|>/i,
];

/** TD2: phrases that override the model's other instructions or hide what it does from the person. */
const OVERRIDE_PHRASES: readonly RegExp[] = [
  /\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier|preceding|other|system)\s+(instructions?|directions?|rules?|prompts?|messages?|guidelines?)/i,
  /\b(do\s+not|don'?t|never)\s+(tell|mention|inform|notify|reveal|show|alert|disclose)\b[^.]{0,40}\b(the\s+)?user\b/i,
  /\b(do\s+not|don'?t|never)\s+(mention|reveal|disclose)\s+(that|this|it|anything)\b/i,
  /\bwithout\s+(telling|informing|notifying|alerting|asking|letting)\s+(the\s+)?user\b/i,
  /\b(the\s+)?user\s+(must|should|will)\s+(not|never)\s+(know|see|notice|be\s+told)\b/i,
  /\bbefore\s+(using|calling|invoking|running)\s+(any|every|all)\s+(other\s+)?tools?\b/i,
  /\b(secretly|covertly|silently|quietly)\s+(send|read|pass|include|add|forward|copy|upload|call|exfiltrate)\b/i,
  /\bpass\s+(its|their|the|this|that)\s+contents?\s+(as|in|into)\b/i,
  /\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b|\bnew\s+instructions\s*:/i,
];

/** TD3: secrets and private files a tool has no reason to name, and the model's own context. */
const SENSITIVE_TARGETS: readonly RegExp[] = [
  /~\/\.ssh\b|\.ssh\/|\bid_(rsa|dsa|ecdsa|ed25519)\b/i,
  /\/etc\/(passwd|shadow|sudoers)\b/i,
  /\.aws\/credentials|\.docker\/config\.json|\.kube\/config|\.(npmrc|netrc|pgpass|git-credentials)\b/i,
  /(^|[\s'"`(/~])\.env(\.[a-z]+)?\b(?![-\w])/i,
  /\bmcp\.json\b|claude_desktop_config\.json|\.cursor\//i,
  /\b(conversation|chat)\s+history\b|\bprevious\s+messages\b|\bsystem\s+prompt\b/i,
  /\bprivate\s+keys?\b|\bseed\s+phrase\b/i,
];

/**
 * TD4: C0 and C1 controls (tab, newline and a CR before a newline are text), DEL, soft hyphen, the
 * bidirectional controls, zero-width and invisible characters, the byte-order mark, interlinear
 * annotation marks (the set src/util/control-chars.ts escapes), plus the Unicode tag characters
 * (U+E0000-U+E007F: invisible ASCII) and the variation selectors supplement (U+E0100-U+E01EF), both
 * used to smuggle text a person cannot see.
 */
const INVISIBLE =
  /\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]|[\u{e0100}-\u{e01ef}]/gu;

const CHARACTER_NAMES: Record<number, string> = {
  173: "soft hyphen",
  1564: "arabic letter mark",
  8203: "zero width space",
  8204: "zero width non-joiner",
  8205: "zero width joiner",
  8206: "left-to-right mark",
  8207: "right-to-left mark",
  8234: "left-to-right embedding",
  8235: "right-to-left embedding",
  8236: "pop directional formatting",
  8237: "left-to-right override",
  8238: "right-to-left override",
  8288: "word joiner",
  8294: "left-to-right isolate",
  8295: "right-to-left isolate",
  8296: "first strong isolate",
  8297: "pop directional isolate",
  65279: "byte order mark / zero width no-break space",
};

/**
 * TD5: base64 needs 64 characters or more, all of upper case, lower case and a digit, and the
 * spread of characters of encoded bytes (Shannon entropy of at least 4.5 bits per character: a
 * long URL path or identifier has about 4, base64 of text or bytes 5 or more); hex 64 or more (and
 * 3 bits: not "aaaa..."); a
 * data: URI; a run of 8 or more percent-escapes; 4 or more \uXXXX or \xXX escapes written out.
 */
const BLOBS: readonly { what: string; re: RegExp; accept?: (m: string) => boolean }[] = [
  {
    what: "a base64 run",
    re: /[A-Za-z0-9+/]{64,}={0,2}|[A-Za-z0-9_-]{64,}/g,
    accept: (m) => /[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) && entropyBits(m) >= 4.5,
  },
  { what: "a hex run", re: /\b[0-9a-fA-F]{64,}\b/g, accept: (m) => entropyBits(m) >= 3 },
  { what: "a data: URI", re: /\bdata:([\w.+-]+\/[\w.+-]+)?(;[\w=.+-]+)*(;base64,|,(?=\S))/gi, accept: (m) => m.includes("/") || m.includes(";base64") },
  { what: "a run of percent-escapes", re: /(%[0-9a-fA-F]{2}){8,}/g },
  { what: "written-out character escapes", re: /(\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}){4,}/g },
];

/** Shannon entropy of the characters of `text`, in bits per character. */
export function entropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * TD7: a free string under one of these names is code, a command or a location. Not `query`: for a
 * search tool free text is the point (GitHub, Notion, Memory, ShadCN); SQL goes by `sql`. Not a
 * missing `additionalProperties: false` on its own either: JSON Schema's default, left out by
 * nearly every catalog tool; what unexpected fields do is the live probes' business.
 */
const RISKY_STRING_NAMES = /^(sql|command|cmd|commands|script|code|shell|exec|expression|eval|template|url|uri|path|file|filename|filepath|dir|directory)$/i;
/** What makes a string parameter bounded. */
const STRING_BOUNDS = ["pattern", "enum", "const", "maxLength", "format"] as const;

/** TD8: a tool whose name starts with one of these writes, whatever its annotations say. */
const WRITE_VERB =
  /^(create|delete|update|write|set|remove|push|merge|move|add|drop|insert|put|post|send|edit|patch|rename|destroy|execute|exec|run)([_\-A-Z]|$)/;

// ---------------------------------------------------------------------------------------------

interface Item {
  server: string;
  kind: ItemKind;
  name: string;
  /** The definition as listed. */
  value: unknown;
}

/** Every definition of a server as one list: instructions first, then tools, prompts, resources, templates. */
function itemsOf(defs: ServerDefinitions): Item[] {
  const items: Item[] = [];
  const server = defs.server;
  if (defs.instructions !== undefined) items.push({ server, kind: "server", name: "instructions", value: { instructions: defs.instructions } });
  for (const t of defs.tools) items.push({ server, kind: "tool", name: t.name, value: t });
  for (const p of defs.prompts ?? []) items.push({ server, kind: "prompt", name: p.name, value: p });
  for (const r of defs.resources ?? []) items.push({ server, kind: "resource", name: r.uri, value: r });
  for (const r of defs.resourceTemplates ?? []) items.push({ server, kind: "resource-template", name: r.uriTemplate, value: r });
  return items;
}

/** Keys whose values a client does not put in the model's context: icons are drawn, _meta is for the client. */
const NOT_READ_BY_THE_MODEL = new Set(["icons", "_meta"]);

interface Text {
  field: string;
  text: string;
  /** A property name (key), not a value. */
  key: boolean;
}

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const shown = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : printable(JSON.stringify(key));
  return parent === "" ? shown : /^[A-Za-z_$]/.test(shown) ? `${parent}.${shown}` : `${parent}[${shown}]`;
}

/**
 * Every string of a definition the model reads (values and object keys), with its path; bounded in
 * depth and count. Iterative, so a deep schema cannot overflow the stack.
 */
function textsOf(value: unknown): { texts: Text[]; tooDeep: string | undefined; tooMany: boolean } {
  const texts: Text[] = [];
  let tooDeep: string | undefined;
  const stack: { v: unknown; field: string; depth: number }[] = [{ v: value, field: "", depth: 0 }];
  while (stack.length > 0) {
    const { v, field, depth } = stack.pop()!;
    if (texts.length >= MAX_STRINGS_PER_ITEM) return { texts, tooDeep, tooMany: true };
    if (typeof v === "string") {
      texts.push({ field, text: v, key: false });
    } else if (v !== null && typeof v === "object") {
      if (depth >= MAX_DEFINITION_DEPTH) {
        tooDeep ??= field;
        continue;
      }
      const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
      // Pushed in reverse so the walk reads the definition in its own order.
      for (const [k, x] of entries.reverse()) {
        if (typeof k === "string" && NOT_READ_BY_THE_MODEL.has(k)) continue;
        const path = fieldPath(field, k);
        if (typeof k === "string" && !Array.isArray(v)) texts.push({ field: `${path} (the key)`, text: k, key: true });
        stack.push({ v: x, field: path, depth: depth + 1 });
      }
    }
  }
  return { texts, tooDeep, tooMany: false };
}

/** `text` around [start, end): at most `width` characters, control characters escaped, "..." where cut. */
export function excerpt(text: string, start: number, end: number, width = 120): string {
  const span = Math.min(Math.max(0, end - start), width);
  const room = width - span;
  const from = Math.max(0, Math.min(start - Math.floor(room / 2), text.length - width));
  const to = Math.min(text.length, from + width);
  return `${from > 0 ? "..." : ""}${printable(text.slice(from, to))}${to < text.length ? "..." : ""}`;
}

function codePointName(cp: number): string {
  if (cp >= 0xe0000 && cp <= 0xe007f) return "tag character";
  if (cp >= 0xe0100 && cp <= 0xe01ef) return "variation selector";
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return "control character";
  if (cp === 0x2028) return "line separator";
  if (cp === 0x2029) return "paragraph separator";
  return CHARACTER_NAMES[cp] ?? "invisible character";
}

/** Unicode tag characters spell ASCII (U+E0041 is an invisible "A"): what they say, decoded. */
function decodeTags(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCodePoint(cp - 0xe0000);
  }
  return out;
}

type Emit = (f: Omit<ToolDefinitionFinding, "server" | "kind" | "tool" | "source" | "severity"> & { severity?: Severity }) => void;

function checkText(t: Text, emit: Emit): void {
  const { text, field } = t;
  for (const re of HIDDEN_TAGS) {
    const m = re.exec(text);
    if (m)
      emit({
        rule: "TD1",
        field,
        detail: `${printable(m[0])} frames the text after it as instructions to the model, not documentation for the person`,
        evidence: `@${m.index}: ${excerpt(text, m.index, m.index + m[0].length)}`,
      });
  }
  for (const re of OVERRIDE_PHRASES) {
    const m = re.exec(text);
    if (m)
      emit({
        rule: "TD2",
        field,
        detail: `"${printable(m[0])}": tells the model to override its other instructions or to keep something from the person`,
        evidence: `@${m.index}: ${excerpt(text, m.index, m.index + m[0].length)}`,
      });
  }
  for (const re of SENSITIVE_TARGETS) {
    const m = re.exec(text);
    if (m) {
      const at = m.index + (m[0].length - m[0].trimStart().length);
      emit({
        rule: "TD3",
        field,
        detail: `names "${printable(m[0].trim())}": secrets, private files or the model's own context, which a tool definition has no reason to point the model at`,
        evidence: `@${at}: ${excerpt(text, at, m.index + m[0].length)}`,
      });
    }
  }
  const invisible = [...text.matchAll(INVISIBLE)];
  if (invisible.length > 0) {
    const first = invisible[0]!;
    const kinds = [
      ...new Set(invisible.map((m) => `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} ${codePointName(m[0].codePointAt(0)!)}`)),
    ];
    const hidden = decodeTags(text);
    emit({
      rule: "TD4",
      field,
      detail: `${invisible.length} invisible or control character(s): ${kinds.slice(0, 6).join(", ")}${kinds.length > 6 ? ", ..." : ""}${hidden ? `; the tag characters spell "${printable(hidden.slice(0, 200))}"` : ""}`,
      evidence: `@${first.index}: ${excerpt(text, first.index, first.index + first[0].length)}`,
    });
  }
  if (t.key) return;
  for (const blob of BLOBS) {
    for (const m of text.matchAll(blob.re)) {
      if (blob.accept && !blob.accept(m[0])) continue;
      emit({
        rule: "TD5",
        field,
        detail: `${blob.what} of ${m[0].length} characters: text the model can decode and a person reviewing the definition cannot read`,
        evidence: `@${m.index}: ${excerpt(text, m.index, m.index + Math.min(m[0].length, 60), 100)}`,
      });
      break;
    }
  }
}

/** Strings at these fields are read as text by the model and are meant to be prose, so their length matters (TD10). */
function isProse(field: string): boolean {
  return /(^|\.)(description|instructions)$/.test(field);
}

type JsonSchema = Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** TD7 on one tool's inputSchema: the issues, each a short phrase, or none. */
function schemaIssues(schema: unknown): string[] {
  if (!isObject(schema)) return ["inputSchema is not an object"];
  const issues: string[] = [];
  const properties = schema.properties;
  if (!isObject(properties)) {
    if (schema.additionalProperties !== false) issues.push("no `properties` and `additionalProperties` not false: any arguments are accepted");
    return issues;
  }
  const free: string[] = [];
  // Nested objects too (bounded): a free `command` one level down is as free.
  const queue: { props: Record<string, unknown>; prefix: string; depth: number }[] = [{ props: properties, prefix: "", depth: 0 }];
  let seen = 0;
  while (queue.length > 0 && seen < 1000) {
    const { props, prefix, depth } = queue.shift()!;
    for (const [name, raw] of Object.entries(props)) {
      seen++;
      if (!isObject(raw)) continue;
      const p = raw as JsonSchema;
      const types = Array.isArray(p.type) ? p.type : [p.type];
      if (types.includes("string") && RISKY_STRING_NAMES.test(name) && !STRING_BOUNDS.some((b) => p[b] !== undefined)) free.push(`${prefix}${name}`);
      if (isObject(p.properties) && depth < 8) queue.push({ props: p.properties, prefix: `${prefix}${name}.`, depth: depth + 1 });
      if (isObject(p.items) && isObject((p.items as JsonSchema).properties) && depth < 8)
        queue.push({ props: (p.items as JsonSchema).properties as Record<string, unknown>, prefix: `${prefix}${name}[].`, depth: depth + 1 });
    }
  }
  if (free.length > 0)
    issues.push(
      `free-form string parameter(s) ${free.map((n) => `\`${n}\``).join(", ")} (code, command or location) with no pattern, enum, maxLength or format`,
    );
  return issues;
}

/**
 * How another server's tool name is recognised in a text. A name like `send_email` or `getUser`
 * is one wherever it stands; a plain word ("get", "type", "query") is prose or a field name unless
 * the text calls it a tool: "the `get` tool", "call `get`", "use 'type'" (quoted: "use query for ..." is prose).
 */
function mentionPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const identifierLike = name.length >= 4 && /[_-]|[a-z][A-Z]/.test(name);
  if (identifierLike) return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`);
  const quoted = `[\`'"]${escaped}[\`'"]`;
  return new RegExp(`\\b(call|calling|use|using|invoke|invoking)\\s+(the\\s+)?${quoted}|(?<![\\w-])[\`'"]?${escaped}[\`'"]?\\s+tool\\b`, "i");
}

/**
 * Every finding of rules TD1-TD8 and TD10 on `servers` (the servers one agent would see together:
 * TD6 compares them). TD9 needs a pin file: tool-pins.ts comparePins.
 */
export function checkToolDefinitions(servers: readonly ServerDefinitions[]): ToolDefinitionFinding[] {
  const findings: ToolDefinitionFinding[] = [];
  for (const defs of servers) {
    for (const item of itemsOf(defs)) {
      const counts = new Map<RuleId, number>();
      const emit: Emit = (f) => {
        const n = counts.get(f.rule) ?? 0;
        counts.set(f.rule, n + 1);
        if (n >= MAX_FINDINGS_PER_RULE_AND_ITEM) return;
        const rule = RULES[f.rule];
        findings.push({ ...f, severity: f.severity ?? rule.severity, server: item.server, kind: item.kind, tool: item.name, source: rule.source });
      };
      const { texts, tooDeep, tooMany } = textsOf(item.value);
      for (const t of texts) {
        checkText(t, emit);
        if (isProse(t.field) && !t.key && t.text.length > MAX_DESCRIPTION_CHARS)
          emit({
            rule: "TD10",
            field: t.field,
            detail: `${t.text.length} characters, more than the ${MAX_DESCRIPTION_CHARS} a client passes whole: what the model reads is not what a person approved, and long text is room to hide instructions`,
            evidence: `@${MAX_DESCRIPTION_CHARS}: ${excerpt(t.text, MAX_DESCRIPTION_CHARS, MAX_DESCRIPTION_CHARS, 80)}`,
          });
      }
      if (tooDeep !== undefined)
        emit({
          rule: "TD10",
          field: tooDeep,
          detail: `nested deeper than ${MAX_DEFINITION_DEPTH} levels: not inspected below this point`,
          evidence: tooDeep,
        });
      if (tooMany)
        emit({
          rule: "TD10",
          field: "",
          detail: `more than ${MAX_STRINGS_PER_ITEM} strings: only the first ${MAX_STRINGS_PER_ITEM} were inspected`,
          evidence: "",
        });
      if (item.kind === "tool") {
        const tool = item.value as { inputSchema?: unknown; annotations?: Record<string, unknown> };
        const issues = schemaIssues(tool.inputSchema);
        if (issues.length > 0)
          emit({ rule: "TD7", field: "inputSchema", detail: issues.join("; "), evidence: excerpt(JSON.stringify(tool.inputSchema) ?? "undefined", 0, 0, 160) });
        const a = tool.annotations ?? {};
        if (a.readOnlyHint === true && a.destructiveHint === true)
          emit({
            rule: "TD8",
            field: "annotations",
            detail: "readOnlyHint and destructiveHint are both true: a read-only tool cannot destroy",
            evidence: JSON.stringify(a),
          });
        else if (a.readOnlyHint === true && WRITE_VERB.test(item.name))
          emit({
            rule: "TD8",
            field: "annotations.readOnlyHint",
            detail: `claims read-only, but its name says it writes (${printable(item.name)}); a client may run it without asking`,
            evidence: JSON.stringify(a),
          });
      }
    }
  }
  findings.push(...shadowing(servers));
  return findings;
}

/** TD6: a tool name two servers offer, and text of one server that names another server's tool. */
function shadowing(servers: readonly ServerDefinitions[]): ToolDefinitionFinding[] {
  const findings: ToolDefinitionFinding[] = [];
  const rule = RULES.TD6;
  const owners = new Map<string, string[]>();
  for (const s of servers) for (const t of s.tools) owners.set(t.name, [...(owners.get(t.name) ?? []), s.server]);
  for (const s of servers) {
    for (const t of s.tools) {
      const others = (owners.get(t.name) ?? []).filter((o) => o !== s.server);
      if (others.length > 0)
        findings.push({
          rule: "TD6",
          severity: rule.severity,
          server: s.server,
          kind: "tool",
          tool: t.name,
          field: "name",
          detail: `the tool name is also offered by ${others.join(", ")}: a client that merges the servers' tools may call the wrong one`,
          evidence: printable(t.name),
          source: rule.source,
        });
    }
  }
  for (const s of servers) {
    const foreign = servers
      .filter((o) => o.server !== s.server)
      .flatMap((o) =>
        o.tools.filter((t) => !s.tools.some((own) => own.name === t.name)).map((t) => ({ server: o.server, name: t.name, re: mentionPattern(t.name) })),
      );
    if (foreign.length === 0) continue;
    for (const item of itemsOf(s)) {
      let count = 0;
      for (const text of textsOf(item.value).texts) {
        if (text.key || count >= MAX_FINDINGS_PER_RULE_AND_ITEM) continue;
        for (const f of foreign) {
          const m = f.re.exec(text.text);
          if (!m || count >= MAX_FINDINGS_PER_RULE_AND_ITEM) continue;
          count++;
          findings.push({
            rule: "TD6",
            severity: rule.severity,
            server: s.server,
            kind: item.kind,
            tool: item.name,
            field: text.field,
            detail: `names ${printable(f.name)}, a tool of ${f.server}: text of one server that steers how another server's tool is used`,
            evidence: `@${m.index}: ${excerpt(text.text, m.index, m.index + m[0].length)}`,
            source: rule.source,
          });
        }
      }
    }
  }
  return findings;
}
