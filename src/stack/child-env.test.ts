import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { childEnvironment } from "./child-env.js";
import { spawnManaged } from "./managed-process.js";
import { RUN_ID_ENV } from "./resource-registry.js";
import { registriesPerTest } from "../../test/support/registry.js";

const newRegistry = registriesPerTest();

const HARNESS_ENV = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/me",
  LANG: "C.UTF-8",
  LC_ALL: "C",
  TZ: "UTC",
  TMPDIR: "/tmp",
  NODE_EXTRA_CA_CERTS: "/etc/ssl/corp.pem",
  SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
  GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_canary",
  NOTION_TOKEN: "ntn_canary",
  FIRECRAWL_API_KEY: "fc-canary",
  AWS_SECRET_ACCESS_KEY: "aws-canary",
  NODE_OPTIONS: "--inspect",
  HTTPS_PROXY: "http://user:pw@proxy:3128",
  no_proxy: "localhost",
  npm_config_registry: "https://npm.example",
  PIP_INDEX_URL: "https://pypi.example/simple",
  GOPROXY: "https://goproxy.example",
  XDG_RUNTIME_DIR: "/run/user/0",
  CONTAINERS_CONF: "/etc/containers.conf",
  SHELL: "/bin/bash",
  TERM: "xterm",
};

describe("childEnvironment", () => {
  it("passes the allow-list and nothing else by default: no token, no NODE_OPTIONS, no proxy", () => {
    expect(childEnvironment({ from: HARNESS_ENV })).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/home/me",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      TZ: "UTC",
      TMPDIR: "/tmp",
      NODE_EXTRA_CA_CERTS: "/etc/ssl/corp.pem",
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
    });
  });

  it("adds a group only when asked, and what it is given on top (undefined removes)", () => {
    const live = childEnvironment({ from: HARNESS_ENV, pass: ["proxy"], set: { NOTION_TOKEN: "given", TZ: undefined } });
    expect(live.HTTPS_PROXY).toBe("http://user:pw@proxy:3128");
    expect(live.no_proxy).toBe("localhost");
    expect(live.NOTION_TOKEN).toBe("given");
    expect(live.TZ).toBeUndefined();
    expect(live.GITHUB_PERSONAL_ACCESS_TOKEN).toBeUndefined();
    const install = childEnvironment({ from: HARNESS_ENV, pass: ["proxy", "package-registries"] });
    expect([install.npm_config_registry, install.PIP_INDEX_URL, install.GOPROXY]).toEqual(["https://npm.example", "https://pypi.example/simple", "https://goproxy.example"]);
    expect(install.XDG_RUNTIME_DIR).toBeUndefined();
    const podman = childEnvironment({ from: HARNESS_ENV, pass: ["container-engine"] });
    expect([podman.XDG_RUNTIME_DIR, podman.CONTAINERS_CONF, podman.HTTPS_PROXY]).toEqual(["/run/user/0", "/etc/containers.conf", undefined]);
  });
});

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
      expect(Object.keys(seen).every((k) => ["GIVEN", RUN_ID_ENV, "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PWD"].includes(k) || k.startsWith("LC_")), JSON.stringify(Object.keys(seen))).toBe(true);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

// The file must stay readable as the minimal environment's documentation: every name it passes is listed in it.
it("child-env.ts documents every name it passes", () => {
  const doc = readFileSync(new URL("./child-env.ts", import.meta.url), "utf8").split("export type PassEnv")[0]!;
  for (const name of ["PATH", "HOME", "LANG", "LC_*", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "HTTP_PROXY", "GOPROXY", "XDG_RUNTIME_DIR"]) expect(doc).toContain(name);
});
