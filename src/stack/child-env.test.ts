/**
 * The minimal environment every child gets (childEnvironment), and that child-env.ts documents
 * what it passes. What a real child sees: child-env.integration.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { childEnvironment } from "./child-env.js";

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
    expect([install.npm_config_registry, install.PIP_INDEX_URL, install.GOPROXY]).toEqual([
      "https://npm.example",
      "https://pypi.example/simple",
      "https://goproxy.example",
    ]);
    expect(install.XDG_RUNTIME_DIR).toBeUndefined();
    const podman = childEnvironment({ from: HARNESS_ENV, pass: ["container-engine"] });
    expect([podman.XDG_RUNTIME_DIR, podman.CONTAINERS_CONF, podman.HTTPS_PROXY]).toEqual(["/run/user/0", "/etc/containers.conf", undefined]);
  });
});

// The file must stay readable as the minimal environment's documentation: every name it passes is listed in it.
it("child-env.ts documents every name it passes", () => {
  const doc = readFileSync(new URL("./child-env.ts", import.meta.url), "utf8").split("export type PassEnv")[0]!;
  for (const name of ["PATH", "HOME", "LANG", "LC_*", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "HTTP_PROXY", "GOPROXY", "XDG_RUNTIME_DIR"])
    expect(doc).toContain(name);
});
