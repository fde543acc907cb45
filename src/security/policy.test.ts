import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { DEFAULT_POLICY, declaredPublisher, policyChecks, publisherMatches, readPolicyFile } from "./policy.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("declaredPublisher", () => {
  it("names the npm scope, the unscoped package, the PyPI project and the Go module's owner", () => {
    expect(declaredPublisher({ package: "@modelcontextprotocol/server-memory" })).toBe("npm:@modelcontextprotocol");
    expect(declaredPublisher({ package: "firecrawl-mcp" })).toBe("npm:firecrawl-mcp");
    expect(declaredPublisher({ package: "redis-mcp-server", registry: "pypi" })).toBe("pypi:redis-mcp-server");
    expect(declaredPublisher({ package: "github.com/github/github-mcp-server", registry: "go" })).toBe("go:github.com/github");
    expect(declaredPublisher({ package: "custom" })).toBeUndefined();
  });

  it("a policy entry matches the name or a prefix ending at a slash, not a longer name", () => {
    expect(publisherMatches("go:github.com/github", "go:github.com/github")).toBe(true);
    expect(publisherMatches("go:github.com", "go:github.com/github")).toBe(true);
    expect(publisherMatches("go:github.com/git", "go:github.com/github")).toBe(false);
    expect(publisherMatches("npm:@modelcontextprotocol", "npm:@modelcontextprotocol-evil")).toBe(false);
  });
});

describe("policyChecks", () => {
  it("the default policy approves the reference servers' scope and the public registries, and names what it does not approve", () => {
    const ok = policyChecks({ name: "memory", package: "@modelcontextprotocol/server-memory" }, "https://registry.npmjs.org/", DEFAULT_POLICY);
    expect(ok.map((c) => c.status)).toEqual(["pass", "pass"]);
    const other = policyChecks({ name: "notion", package: "@notionhq/notion-mcp-server" }, "https://registry.npmjs.org", DEFAULT_POLICY);
    expect(other.map((c) => c.status)).toEqual(["pass", "fail"]);
    expect(other[1]!.detail).toContain("npm:@notionhq");
    const mirror = policyChecks({ name: "memory", package: "@modelcontextprotocol/server-memory" }, "https://npm.example.internal", DEFAULT_POLICY);
    expect(mirror[0]).toMatchObject({ status: "fail" });
  });

  it("a custom server fails both: it comes from no registry", () => {
    expect(policyChecks({ name: "x", package: "custom" }, undefined, DEFAULT_POLICY).map((c) => c.status)).toEqual(["fail", "fail"]);
  });

  it("a policy file's per-server publisher overrides the declared one", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcp-slo-policy-"));
    dirs.push(dir);
    const file = path.join(dir, "policy.yaml");
    await writeFile(file, "registries: [https://registry.npmjs.org]\npublishers: ['npm:@acme']\nservers:\n  firecrawl: { publisher: 'npm:@acme' }\n");
    const policy = await readPolicyFile(file);
    expect(policy.file).toBe(file);
    expect(policyChecks({ name: "firecrawl", package: "firecrawl-mcp" }, "https://registry.npmjs.org", policy).map((c) => c.status)).toEqual(["pass", "pass"]);
  });

  it("a bad policy file is invalid input naming the file and every problem", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mcp-slo-policy-"));
    dirs.push(dir);
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, "registries: [ftp://x]\npublishers: [acme]\nextra: 1\n");
    const err = await readPolicyFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe("invalid_input");
    const text = [(err as HarnessError).message, ...(err as HarnessError).details].join("\n");
    expect(text).toContain(file);
    expect(text).toMatch(/registries\[0\]/);
    expect(text).toMatch(/publishers\[0\]/);
    expect(text).toMatch(/extra/);
    await expect(readPolicyFile(path.join(dir, "missing.yaml"))).rejects.toThrow(/no such file/);
  });
});

describe("pipIndexOrigin", () => {
  it("takes the origin of PIP_INDEX_URL (no path, no credentials), PyPI without it, and never throws", async () => {
    const { pipIndexOrigin } = await import("./scan.js");
    expect(pipIndexOrigin(undefined)).toBe("https://pypi.org");
    expect(pipIndexOrigin("https://user:secret@pypi.example.com/simple/")).toBe("https://pypi.example.com");
    expect(pipIndexOrigin("not a url")).toBe("an unreadable PIP_INDEX_URL");
    // An unreadable index is not on any allow-list: policy.registry fails, naming it.
    expect(policyChecks({ name: "r", package: "redis-mcp-server", registry: "pypi" }, pipIndexOrigin("not a url"), DEFAULT_POLICY)[0]!.status).toBe("fail");
  });
});
