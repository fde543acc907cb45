/**
 * The decisions of the live probes, without a server: what counts as a leak, a change, an
 * evaluated template, an escape target; how a death becomes a finding; how secrets are masked.
 */
import { mkdtemp, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ServerDefinition } from "../../contracts/server-definition.js";
import { escapeTargets, hasRoot, type Canaries } from "./confinement.js";
import { answerText, maskOutcome, maskSecrets, type CallRecord, type ProbeContext } from "./context.js";
import { injectionPayloads, TEMPLATE_PRODUCT, templateEvaluated } from "./injection.js";
import { diffSnapshots, findNeedle, snapshotTree } from "./observe.js";
import { escapeStatements } from "./read-only.js";
import { livenessFinding, MALFORMED_LINES, nested } from "./robustness.js";
import { judgeSecrets, PROBE_SECRET_ENV, withProbeCanaries } from "./secrets.js";

const def = (over: Partial<ServerDefinition> = {}): ServerDefinition => ({
  name: "s",
  title: "S",
  package: "custom",
  command: "node",
  args: [],
  env: {},
  needs: [],
  transport: "stdio",
  ...over,
});

describe("confinement targets", () => {
  const canaries: Canaries = {
    token: "t",
    content: "C",
    outside: "/tmp/mcp-slo-probe-outside-t",
    prefixSibling: "/tmp/sb-t",
    link: "/tmp/sb/mcp-slo-probe-link-t",
    inside: "/tmp/sb/in.txt",
  };
  it("aims each escape at the canary beside the sandbox", () => {
    expect(escapeTargets("/tmp/sb", canaries, "canary.txt")).toEqual([
      { way: "traversal", path: "/tmp/sb/../mcp-slo-probe-outside-t/canary.txt" },
      { way: "traversal", path: "../mcp-slo-probe-outside-t/canary.txt" },
      { way: "absolute", path: "/tmp/mcp-slo-probe-outside-t/canary.txt" },
      { way: "symlink", path: "/tmp/sb/mcp-slo-probe-link-t/canary.txt" },
      { way: "prefix", path: "/tmp/sb-t/canary.txt" },
    ]);
    // The prefix sibling's name starts with the sandbox's: a string-prefix check lets it through.
    expect(canaries.prefixSibling.startsWith("/tmp/sb")).toBe(true);
  });
  it("applies only to a server given the sandbox as its root", () => {
    expect(hasRoot(def({ args: ["{{bin}}", "{{sandbox}}"] }))).toBe(true);
    expect(hasRoot(def({ env: { ROOT: "{{sandbox}}/x" } }))).toBe(true);
    expect(hasRoot(def({ args: ["{{bin}}"], env: { MEMORY_FILE_PATH: "{{workdir}}/m.jsonl" } }))).toBe(false);
  });
});

describe("snapshots", () => {
  it("see a file added, changed, removed, and a symlink retargeted; nothing when nothing changed", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "probes-unit-"));
    try {
      await mkdir(path.join(root, "d"));
      await writeFile(path.join(root, "d", "a.txt"), "one");
      await writeFile(path.join(root, "gone.txt"), "x");
      await symlink("/etc", path.join(root, "link"));
      const before = await snapshotTree(root);
      expect(diffSnapshots(before, await snapshotTree(root))).toEqual([]);
      await writeFile(path.join(root, "d", "a.txt"), "two");
      await writeFile(path.join(root, "status.log"), "new");
      await rm(path.join(root, "gone.txt"));
      await rm(path.join(root, "link"));
      await symlink("/usr", path.join(root, "link"));
      const changes = diffSnapshots(before, await snapshotTree(root));
      expect(changes.map((c) => c.split(" ").slice(0, 2).join(" ")).sort()).toEqual([
        "added status.log",
        "changed d/a.txt",
        "changed link",
        "removed gone.txt",
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("leaks", () => {
  it("finds a value raw, JSON-escaped, URL-encoded or in base64, and masks it in the excerpt", () => {
    const secret = 'tok"en/with+chars==';
    for (const text of [
      `error: ${secret} refused`,
      `{"t":${JSON.stringify(secret)}}`,
      `GET /?k=${encodeURIComponent(secret)}`,
      `b64 ${Buffer.from(secret).toString("base64")}`,
    ]) {
      const hit = findNeedle(text, secret, "<TOKEN>");
      expect(hit, text).toBeDefined();
      expect(hit!.excerpt).toContain("<TOKEN>");
      expect(hit!.excerpt).not.toContain(secret);
    }
    expect(findNeedle("nothing here", secret, "<T>")).toBeUndefined();
  });

  it("reads every text of an answer: content, resources, structured content, base64 data", () => {
    const text = answerText({
      content: [
        { type: "text", text: "a" },
        { type: "resource", resource: { uri: "x", text: "b" } },
        { type: "image", data: Buffer.from("c-in-image").toString("base64"), mimeType: "image/png" },
      ],
      structuredContent: { d: 1 },
    });
    expect(text.split("\n")).toEqual(["a", "b", "c-in-image", '{"d":1}']);
  });

  const ctx = (secrets: ProbeContext["secrets"], pkg = "custom") => ({ secrets, server: def({ package: pkg }) }) as unknown as ProbeContext;
  const call = (over: Partial<CallRecord>): CallRecord => ({ probe: "p", tool: "t", args: {}, answered: true, isError: true, text: "", ...over });

  it("judges every answer of every probe: a handed value anywhere is critical; a canary file only outside confinement's own reads", () => {
    const secrets = [{ name: "API_TOKEN", value: "canary-token-123456" }];
    const session = {
      ctx: ctx(secrets),
      calls: [
        call({ probe: "confinement.traversal", text: "FILE-CANARY" }),
        call({ probe: "injection.shell", tool: "fetch", text: "401 with canary-token-123456" }),
      ],
      otherTexts: [],
      fileCanaries: ["FILE-CANARY"],
    };
    const out = judgeSecrets(session);
    expect(out.map((o) => [o.status, o.probe, o.finding?.severity])).toEqual([["fail", "secrets.handed-value", "critical"]]);
    expect(out[0]!.detail).toBe("the value of API_TOKEN appeared in injection.shell: answer of fetch");
    expect(out[0]!.finding!.evidence).toBe("401 with <API_TOKEN>");
    // The same file canary in another probe's answer is a leak of file content.
    session.calls.push(call({ probe: "secrets.errors", text: "FILE-CANARY" }));
    expect(judgeSecrets(session).map((o) => o.probe)).toEqual(["secrets.handed-value", "secrets.file-content"]);
  });

  it("passes only after searching, and is not applicable with nothing to search for", () => {
    const clean = { ctx: ctx([{ name: "X", value: "value-12345678" }]), calls: [call({ text: "fine" })], otherTexts: [], fileCanaries: [] };
    expect(judgeSecrets(clean).map((o) => o.status)).toEqual(["pass"]);
    expect(judgeSecrets({ ...clean, ctx: ctx([]) }).map((o) => o.status)).toEqual(["not_applicable"]);
  });

  it("marks the reference test server's get-env as by design, still a failure", () => {
    const session = {
      ctx: ctx([{ name: PROBE_SECRET_ENV, value: "mcp-slo-probe-secret-abcdef" }], "@modelcontextprotocol/server-everything"),
      calls: [call({ tool: "get-env", isError: false, text: '{"MCP_SLO_PROBE_SECRET":"mcp-slo-probe-secret-abcdef"}' })],
      otherTexts: [],
      fileCanaries: [],
    };
    const [o] = judgeSecrets(session);
    expect(o!.status).toBe("fail");
    expect(o!.finding!.byDesign).toMatch(/get-env on purpose/);
  });
});

describe("canaries handed to a server", () => {
  it("replaces every catalog token by a canary of the same prefix, adds MCP_SLO_PROBE_SECRET, and lists the values to look for", () => {
    const { def: d, secrets } = withProbeCanaries(
      def({ package: "x", secrets: [{ env: "GITHUB_PERSONAL_ACCESS_TOKEN", standIn: "ghp_mcpSloStandInToken000000000000000000" }] }),
    );
    const token = d.secrets![0]!.standIn;
    expect(token).toMatch(/^ghp_[0-9a-f]{36}$/);
    expect(secrets.map((s) => s.name)).toEqual(["GITHUB_PERSONAL_ACCESS_TOKEN", PROBE_SECRET_ENV]);
    expect(secrets[0]!.value).toBe(token);
    expect(d.env[PROBE_SECRET_ENV]).toBe(secrets[1]!.value);
    // fresh each time
    expect(withProbeCanaries(def()).secrets[0]!.value).not.toBe(withProbeCanaries(def()).secrets[0]!.value);
  });
  it("counts a custom server's own env values as secrets unless public or made of placeholders", () => {
    const { secrets } = withProbeCanaries(
      def({ env: { TOKEN: "custom-secret-value", LEVEL: "warn", DIR: "{{sandbox}}", PUB: "public-value-123" }, public: { env: ["PUB"], args: true } }),
    );
    expect(secrets.map((s) => s.name)).toEqual([PROBE_SECRET_ENV, "TOKEN"]);
  });
  it("masks every handed value in every text of an outcome", () => {
    const secrets = [{ name: "T", value: "secret-value-42" }];
    const o = maskOutcome(
      {
        probe: "x",
        check: "probe.injection",
        status: "fail",
        detail: "saw secret-value-42",
        finding: {
          ruleId: "r",
          severity: "high",
          title: "t",
          message: "m secret-value-42",
          evidence: `e ${encodeURIComponent("secret-value-42")}`,
          reproduce: "r secret-value-42",
        },
      },
      secrets,
    );
    expect(JSON.stringify(o)).not.toContain("secret-value-42");
    expect(o.detail).toBe("saw <T>");
    expect(maskSecrets("none", secrets)).toBe("none");
  });
});

describe("injection, read-only and robustness inputs", () => {
  it("a template counts as evaluated only when the product appears beyond the payload itself", () => {
    expect(templateEvaluated(`result: ${TEMPLATE_PRODUCT}`, "{{1337*7331}}")).toBe(true);
    expect(templateEvaluated("echo: {{1337*7331}}", "{{1337*7331}}")).toBe(false);
    expect(templateEvaluated("no such page", "#{1337*7331}")).toBe(false);
    const payloads = injectionPayloads("/tmp/x/touched", "tbl", "canary_key");
    const shell = payloads.filter((p) => p.kind === "shell");
    expect(shell.every((p) => p.text.includes("touch /tmp/x/touched"))).toBe(true);
    // The Redis payload breaks the line so that a naive client sends a second command of its own.
    expect(payloads.find((p) => p.kind === "redis")!.text).toBe("x\r\nSET canary_key 1\r\n");
  });
  it("each escape statement writes its own canary table, which the plain write must not reach either", () => {
    const s = escapeStatements("abc");
    expect(s.map((x) => x.name)).toEqual(["commit-escape", "rollback-escape", "set-read-write", "plain-write"]);
    for (const x of s) expect(x.sql).toContain(`CREATE TABLE ${x.table}(`);
    expect(new Set(s.map((x) => x.table)).size).toBe(4);
  });
  it("malformed lines are what they say, and nesting is as deep as said", () => {
    expect(() => JSON.parse(MALFORMED_LINES[0]![1])).toThrow();
    expect(JSON.parse(MALFORMED_LINES[1]![1]).id).toEqual([]);
    let depth = 0;
    for (let v = nested(50) as { a?: unknown }; typeof v === "object"; v = v.a as { a?: unknown }) depth++;
    expect(depth).toBe(50);
  });
  it("a death or a hang is a high finding naming the input", () => {
    const crash = livenessFinding({ kind: "crash", probe: "malformed.not-json", input: "stdin: x", detail: "exited (code 1)" });
    expect(crash).toMatchObject({ probe: "robustness.malformed.not-json", check: "probe.robustness", status: "fail" });
    expect(crash.finding).toMatchObject({ ruleId: "probe.robustness.crash", severity: "high", reproduce: "stdin: x" });
    expect(livenessFinding({ kind: "hang", probe: "oversized", input: "i", detail: "d" }).finding!.ruleId).toBe("probe.robustness.hang");
  });
});
