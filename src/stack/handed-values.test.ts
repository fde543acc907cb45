import { describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { REDACTED, redactKnownSecrets } from "../telemetry/redact.js";
import { describeLaunch, isPublicArg, isPublicEnv, registerHandedValues, registerWrittenValues } from "./handed-values.js";

const custom = (over: Partial<ServerDefinition>): ServerDefinition => ({
  name: "mine",
  title: "mine",
  package: "custom",
  command: "node",
  args: [],
  env: {},
  needs: [],
  transport: "stdio",
  ...over,
});

describe("values handed to a custom server", () => {
  it("are secrets unless public; a value made only of placeholders is the harness's own", () => {
    const def = custom({
      args: ["./dist/server.js", "--api-key", "sk-handed-arg-0123456789", "{{redis.url}}"],
      env: { LOG_LEVEL: "warn", API_TOKEN: "handed-env-token-abcdef", DB: "{{postgres.url}}" },
      public: { env: ["LOG_LEVEL"], args: ["./dist/server.js", "--api-key"] },
    });
    expect(isPublicEnv(def, "LOG_LEVEL")).toBe(true);
    expect(isPublicEnv(def, "API_TOKEN")).toBe(false);
    expect(isPublicEnv(def, "DB")).toBe(true);
    expect([0, 1, 2, 3].map((i) => isPublicArg(def, i))).toEqual([true, true, false, true]);
    expect(isPublicArg({ ...def, public: { env: [], args: true } }, 2)).toBe(true);
    expect(isPublicEnv({ ...def, public: { env: true, args: [] } }, "API_TOKEN")).toBe(true);
  });

  it("registers the secret ones as written and as expanded, and only those", () => {
    const def = custom({
      args: ["./dist/server.js", "--token=tok-written-{{agent}}-0123456789"],
      env: { LOG_LEVEL: "verbose-logging", SECRET_URL: "https://user:pw-written-98765@{{workdir}}" },
      public: { env: ["LOG_LEVEL"], args: ["./dist/server.js"] },
    });
    registerWrittenValues(def);
    registerHandedValues(def, {
      env: { LOG_LEVEL: "verbose-logging", SECRET_URL: "https://user:pw-written-98765@/tmp/work-1" },
      args: ["./dist/server.js", "--token=tok-written-7-0123456789"],
    });
    const text = "args ./dist/server.js --token=tok-written-7-0123456789 env https://user:pw-written-98765@/tmp/work-1 level verbose-logging";
    expect(redactKnownSecrets(text)).toBe(`args ./dist/server.js ${REDACTED} env ${REDACTED} level verbose-logging`);
    // A literal part alone (the server printed only the part it parsed) is caught too.
    expect(redactKnownSecrets("got -0123456789 and https://user:pw-written-98765@")).toBe(`got ${REDACTED} and ${REDACTED}`);
  });

  it("does not register a catalog server's definition (public) nor its stand-in tokens", () => {
    const github = findServer("github")!;
    registerHandedValues(github, { env: { GITHUB_TOOLSETS: "default-toolsets-x" }, args: ["stdio"] });
    expect(redactKnownSecrets("default-toolsets-x")).toBe("default-toolsets-x");
  });

  it("describes the launch with every value that is not public replaced, whatever its length", () => {
    const def = custom({ args: ["./s.js", "-k", "abc", "{{sandbox}}"], env: { A: "1", PIN: "42", LOG: "x y" }, public: { env: ["LOG"], args: ["./s.js"] } });
    expect(describeLaunch(def, { command: "node", args: ["./s.js", "-k", "abc", "/tmp/sandbox 1"], env: { A: "1", PIN: "42", LOG: "x y" } })).toEqual([
      `command: node ./s.js ${REDACTED} ${REDACTED} "/tmp/sandbox 1"`,
      `environment given: A=${REDACTED} PIN=${REDACTED} LOG="x y" (besides PATH, HOME, LANG, TMPDIR and the rest of the allow-list; never the harness's own tokens)`,
    ]);
    const notion = findServer("notion")!;
    const [, env] = describeLaunch(notion, { command: "node", args: ["/x/bin.js"], env: { BASE_URL: "http://127.0.0.1:1", NOTION_TOKEN: "ntn_stand_in" } });
    expect(env).toContain(`NOTION_TOKEN=${REDACTED}`);
    expect(env).toContain("BASE_URL=http://127.0.0.1:1");
  });
});
