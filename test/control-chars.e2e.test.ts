/**
 * Escape sequences a server writes cannot act on the terminal that shows the harness's output, nor
 * on one that shows summary.md: a real MCP server (test/fixtures/servers/leaky-server.mjs with
 * LEAKY_ESCAPES=1) puts ESC ] 0 ; title BEL (retitle), ESC [ 2 J (clear screen), ESC [ 31 m, a bare
 * CR and a bidi override (U+202E) into its stderr, its tool names, its tool errors and the version it
 * reports, plus HTML. Through the real CLI:
 *  - failing to start (its stderr quoted): exit 3, stdout/stderr and summary.md show `\x1b]0;...`;
 *  - calling its tool whose name carries them, which fails with them: summary.md escapes the tool
 *    name, the error and the version; report.html keeps the HTML as text;
 *  - calling a tool it does not have (its tools/list quoted): exit 2, stderr escapes the names.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

const FIXTURE = path.join(ROOT, "test", "fixtures", "servers", "leaky-server.mjs");
// Must match EVIL in the fixture.
const EVIL = "\u001b]0;pwned-title\u0007\u001b[2J\u001b[31mred\rover\u202eevil<img src=x onerror=alert(1)>";
const EVIL_SHOWN = "\\x1b]0;pwned-title\\x07\\x1b[2J\\x1b[31mred\\rover\\u202eevil";
/** Any character that would act on a terminal (newline and tab aside). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let dir: string | undefined;
afterAll(async () => {
  await removeOutDirs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scenario(name: string, mode: "serve" | "fail-start", tool: string, extraServers: string[] = []): Promise<string> {
  dir ??= await mkdtemp(path.join(os.tmpdir(), "e2e-control-"));
  const file = path.join(dir, `${name}.yaml`);
  const server = { name: "leaky", command: "node", args: [FIXTURE], env: { LEAKY_ESCAPES: "1", LEAKY_MODE: mode }, public: { env: true, args: true } };
  // JSON is YAML: the tool name keeps its escapes (\u001b ...) as YAML escapes.
  await writeFile(
    file,
    `name: ${name}\nservers:\n  - ${JSON.stringify(server)}\n${extraServers.map((x) => `  - ${x}\n`).join("")}agents: 1\nwarmup: 0s\nduration: 2s\nworkload: { kind: mix, calls: [{ server: leaky, tool: ${JSON.stringify(tool)} }] }\n`,
  );
  return file;
}

function expectNoRawControl(name: string, text: string): void {
  const m = RAW_CONTROL.exec(text);
  expect(
    m,
    `${name} holds a raw control character U+${m?.[0].charCodeAt(0).toString(16).padStart(4, "0")} near ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`,
  ).toBeNull();
}

describe("escape sequences from a server", () => {
  it("in its stderr, quoted when it fails to start: escaped on stdout, stderr and in summary.md (exit 3)", async () => {
    const out = await newOutDir("e2e-control-");
    const r = await runCli(["run", await scenario("control-start", "fail-start", "leak"), "--out", out], { timeoutMs: 180_000 });
    expect(r.code, transcript(r)).toBe(3);
    expectNoRawControl("stdout", r.stdout);
    expectNoRawControl("stderr", r.stderr);
    expect(r.stdout + r.stderr).toContain(EVIL_SHOWN);
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expectNoRawControl("summary.md", summary);
    expect(summary).toContain(`${EVIL_SHOWN}&lt;img src=x onerror=alert(1)>`);
    await expectNothingLeft((await readRecord(out)).runId);
  }, 200_000);

  it("in a tool's name, its error message and the server's version: escaped in summary.md, HTML kept as text in report.html", async () => {
    const out = await newOutDir("e2e-control-");
    const r = await runCli(["run", await scenario("control-tool", "serve", `evil${EVIL}`, ["memory"]), "--out", out], { timeoutMs: 180_000 });
    expect([0, 1], transcript(r)).toContain(r.code);
    expectNoRawControl("stdout", r.stdout);
    expectNoRawControl("stderr", r.stderr);
    const record = await readRecord(out);
    // The record keeps what the server said, exactly (JSON escapes it): only renderings escape.
    expect(record.scenarios[0]!.errors.some((e) => e.tool === `evil${EVIL}` && e.message.includes(EVIL))).toBe(true);
    expect(record.scenarios[0]!.servers[0]!.version).toBe(`6.6.6${EVIL}`);
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expectNoRawControl("summary.md", summary);
    const errorRow = summary.split("\n").find((l) => l.includes("pwned-title") && l.includes("leak: tokens-seen"));
    expect(errorRow, summary).toBeDefined();
    expect(errorRow).toContain("evil\\x1b]0;pwned-title\\x07\\x1b[2J\\x1b[31mred\\rover\\u202eevil&lt;img src=x onerror=alert(1)>");
    // The servers table (two servers) shows the version the server reported.
    expect(summary).toContain("6.6.6\\x1b]0;pwned-title");
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    await expectNothingLeft(record.runId);
  }, 200_000);

  it("in its tool names, quoted when a scenario calls a tool it lacks: escaped on stderr (exit 2)", async () => {
    const out = await newOutDir("e2e-control-");
    const r = await runCli(["run", await scenario("control-missing", "serve", "nope"), "--out", out], { timeoutMs: 180_000 });
    expect(r.code, transcript(r)).toBe(2);
    expectNoRawControl("stdout", r.stdout);
    expectNoRawControl("stderr", r.stderr);
    expect(r.stderr).toMatch(/does not offer tool\(s\) nope/);
    expect(r.stderr).toContain(`tools/list answered: leak, evil${EVIL_SHOWN}`);
  }, 200_000);
});
