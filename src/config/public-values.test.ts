/** The `public:` field of a custom server and the refusal of credentials too short to redact. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-public-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(server: string): string {
  const p = path.join(dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, `name: pub\nservers:\n  - ${server}\nagents: 1\nduration: 1s\nworkload: { kind: mix, calls: [{ server: mine, tool: t }] }\n`);
  return p;
}

describe("a custom server's public values", () => {
  it("defaults to nothing public, and takes lists or true", async () => {
    const none = await loadScenario(scenario(`{ name: mine, command: node, args: ["a.js"], env: { A: "x" } }`), "ci");
    expect(none.servers[0]!.public).toEqual({ env: [], args: [] });
    const lists = await loadScenario(
      scenario(`{ name: mine, command: node, args: ["a.js", "k"], env: { A: "x", B: "y" }, public: { env: [A], args: ["a.js"] } }`),
      "ci",
    );
    expect(lists.servers[0]!.public).toEqual({ env: ["A"], args: ["a.js"] });
    const all = await loadScenario(scenario(`{ name: mine, command: node, args: ["a.js"], public: { env: true, args: true } }`), "ci");
    expect(all.servers[0]!.public).toEqual({ env: true, args: true });
  });

  it("names only variables and args the server has, every problem at once with its path", async () => {
    const problems = await validateScenarioFile(
      scenario(`{ name: mine, command: node, args: ["a.js"], env: { A: "x" }, public: { env: [A, NOPE], args: ["b.js"] } }`),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/:3: servers\[0\]\.public\.env\[1\]: expected the name of one of this server's env variables \(A\), found "NOPE"/);
    expect(problems[1]).toMatch(/servers\[0\]\.public\.args\[0\]: expected one of this server's args as written, found "b\.js"/);
  });

  it("refuses a credential-named value too short to redact unless it is public, and never quotes it", async () => {
    const problems = await validateScenarioFile(
      scenario(
        `{ name: mine, command: node, env: { API_KEY: "s3cr3t", LOG_LEVEL: "warn", DB_PASSWORD: "{{postgres.url}}", OK_TOKEN: "long-enough-token" }, needs: [postgres] }`,
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /servers\[0\]\.env\.API_KEY: "API_KEY" looks like a credential, but its value is shorter than 8 characters.*list "API_KEY" in public\.env/,
    );
    expect(problems[0]).not.toContain("s3cr3t");
    expect(await validateScenarioFile(scenario(`{ name: mine, command: node, env: { API_KEY: "s3cr3t" }, public: { env: [API_KEY] } }`))).toEqual([]);
    // A wrong type under env or args is reported without quoting the value either.
    const typed = await validateScenarioFile(scenario(`{ name: mine, command: node, env: { TOKEN: 12345678901 }, args: [98765432101] }`));
    expect(typed.join("\n")).not.toMatch(/1234|9876/);
  });
});
