/**
 * spawnManaged hands a real child the minimal environment of child-env.ts: it reads its own
 * /proc/<pid>/environ. The environment's rules themselves: child-env.test.ts.
 */
import { describe, expect, it } from "vitest";
import { spawnManaged } from "./managed-process.js";
import { RUN_ID_ENV } from "./resource-registry.js";
import { registriesPerTest } from "../testing/registry.js";

const newRegistry = registriesPerTest();

describe("spawnManaged gives a child the minimal environment", () => {
  it("a real child sees the allow-list, what it was given and the run id; not the harness's tokens", async () => {
    const registry = newRegistry();
    const saved = { ...process.env };
    Object.assign(process.env, { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_canary_in_harness_env", MCP_SLO_UNRELATED: "unrelated-canary" });
    try {
      const p = spawnManaged({ name: "env", command: "sh", args: ["-c", "cat /proc/$$/environ"], env: { GIVEN: "given-value" }, registry });
      const chunks: string[] = [];
      p.onLine((l) => chunks.push(l));
      await p.exited;
      await new Promise((r) => setTimeout(r, 50));
      const seen = Object.fromEntries(
        [...p.stderrTail(50), ...chunks]
          .join("\0")
          .split("\0")
          .filter((kv) => kv.includes("="))
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
      expect(seen.GIVEN).toBe("given-value");
      expect(seen[RUN_ID_ENV]).toBe(registry.runId);
      expect(seen.PATH).toBe(process.env.PATH);
      expect(seen.GITHUB_PERSONAL_ACCESS_TOKEN).toBeUndefined();
      expect(seen.MCP_SLO_UNRELATED).toBeUndefined();
      expect(
        Object.keys(seen).every(
          (k) =>
            [
              "GIVEN",
              RUN_ID_ENV,
              "PATH",
              "HOME",
              "USER",
              "LOGNAME",
              "LANG",
              "LANGUAGE",
              "TZ",
              "TMPDIR",
              "NODE_EXTRA_CA_CERTS",
              "SSL_CERT_FILE",
              "SSL_CERT_DIR",
              "REQUESTS_CA_BUNDLE",
              "CURL_CA_BUNDLE",
              "PWD",
            ].includes(k) || k.startsWith("LC_"),
        ),
        JSON.stringify(Object.keys(seen)),
      ).toBe(true);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
