/** A run's identity: the CI allow-list, the machine fingerprint and the scenario hash. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAll } from "../config/load-scenario.js";
import { canonicalJson, ciIdentity, machineFingerprint, scenarioHash } from "./identity.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "identity-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("ciIdentity", () => {
  it("reads only the allow-listed variables: tokens and anything else stay out", () => {
    const env = {
      GITHUB_RUN_ID: "42",
      GITHUB_RUN_ATTEMPT: "2",
      GITHUB_WORKFLOW: "nightly",
      GITHUB_JOB: "slo",
      GITHUB_REF: "refs/heads/main",
      GITHUB_SHA: "abc123",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_TOKEN: "ghs_secret_value_0123456789",
      ACTIONS_RUNTIME_TOKEN: "runtime-secret",
      HOME: "/home/runner",
    };
    const ci = ciIdentity(env);
    expect(ci).toEqual({
      system: "github-actions",
      variables: {
        GITHUB_RUN_ID: "42",
        GITHUB_RUN_ATTEMPT: "2",
        GITHUB_WORKFLOW: "nightly",
        GITHUB_JOB: "slo",
        GITHUB_REF: "refs/heads/main",
        GITHUB_SHA: "abc123",
      },
      branch: "main",
      commit: "abc123",
      url: "https://github.com/acme/shop/actions/runs/42",
    });
    expect(JSON.stringify(ci)).not.toMatch(/secret|runner/);
  });

  it("knows GitLab, Jenkins and Buildkite; nothing outside CI", () => {
    expect(
      ciIdentity({ CI_PIPELINE_ID: "7", CI_JOB_ID: "8", CI_COMMIT_REF_NAME: "dev", CI_COMMIT_SHA: "f00", CI_JOB_URL: "https://gl/j/8", CI_JOB_TOKEN: "x" }),
    ).toEqual({
      system: "gitlab",
      variables: { CI_PIPELINE_ID: "7", CI_JOB_ID: "8", CI_COMMIT_REF_NAME: "dev", CI_COMMIT_SHA: "f00", CI_JOB_URL: "https://gl/j/8" },
      branch: "dev",
      commit: "f00",
      url: "https://gl/j/8",
    });
    expect(ciIdentity({ BUILD_NUMBER: "3", JOB_NAME: "slo", BUILD_URL: "https://j/3", GIT_BRANCH: "origin/release", GIT_COMMIT: "b0b" })).toMatchObject({
      system: "jenkins",
      branch: "release",
      commit: "b0b",
      url: "https://j/3",
    });
    expect(ciIdentity({ BUILDKITE_BUILD_NUMBER: "9", BUILDKITE_BRANCH: "main", BUILDKITE_COMMIT: "c0c", BUILDKITE_AGENT_ACCESS_TOKEN: "t" })).toMatchObject({
      system: "buildkite",
      variables: { BUILDKITE_BUILD_NUMBER: "9", BUILDKITE_BRANCH: "main", BUILDKITE_COMMIT: "c0c" },
      branch: "main",
      url: null,
    });
    // A pull request's merge ref is no branch.
    expect(ciIdentity({ GITHUB_RUN_ID: "1", GITHUB_REF: "refs/pull/5/merge" })?.branch).toBeNull();
    expect(ciIdentity({ PATH: "/usr/bin" })).toBeNull();
  });
});

describe("machine and identity", () => {
  it("the same machine gives the same fingerprint hash", () => {
    const a = machineFingerprint();
    expect(a.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(machineFingerprint()).toEqual(a);
    expect(a.cpus).toBe(os.cpus().length);
    expect(a.node).toBe(process.version);
  });

  it("canonical JSON sorts keys at every depth and leaves out undefined and functions", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 2, y: undefined }], c: () => 1 } })).toBe('{"a":{"d":[1,{"z":2}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe("scenarioHash", () => {
  const scenario = (opts: { agents?: number; secret?: string; description?: string; logLevel?: string } = {}) => `
name: hashed
description: ${opts.description ?? "one"}
servers:
  - name: custom
    command: node
    args: ["server.js", "--key", "${opts.secret ?? "sk-live-0123456789"}"]
    env: { LOG_LEVEL: ${opts.logLevel ?? "warn"}, API_TOKEN: "${opts.secret ?? "sk-live-0123456789"}" }
    public: { env: [LOG_LEVEL], args: ["server.js", "--key"] }
agents: ${opts.agents ?? 2}
warmup: 0s
duration: 3s
workload:
  kind: mix
  calls:
    - { server: custom, tool: anything }
profiles:
  smoke: { agents: 1, duration: 2s }
`;
  async function hashOf(text: string, profile = "ci", name = "a.yaml"): Promise<string> {
    const file = path.join(await tempDir(), name);
    await writeFile(file, text);
    const [s] = await loadAll([file], profile);
    return scenarioHash(s!);
  }

  it("is 16 hex digits, the same for the same scenario anywhere, and changes with what is measured", async () => {
    const base = await hashOf(scenario());
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf(scenario(), "ci", "elsewhere.yaml")).toBe(base);
    expect(await hashOf(scenario({ description: "reworded" }))).toBe(base);
    expect(await hashOf(scenario({ agents: 3 }))).not.toBe(base);
    expect(await hashOf(scenario(), "smoke")).not.toBe(base);
    expect(await hashOf(scenario({ logLevel: "debug" }))).not.toBe(base); // a public value is part of the server's start
  });

  it("a secret's value is not part of it: another key gives the same hash", async () => {
    expect(await hashOf(scenario({ secret: "sk-live-ffffffffff" }))).toBe(await hashOf(scenario()));
  });

  it("changes with the agents' resilience policy, down to a fallback's tool mapping (a Map, written by its entries)", async () => {
    const withPolicy = (tool: string) => `
name: hashed
servers: [redis, redis-official]
agents: 1
duration: 3s
workload: { kind: mix, calls: [{ server: redis, tool: get, args: { key: k } }] }
resilience: { redis: { fallback: { server: redis-official, tools: { get: { tool: ${tool} } } } } }
`;
    const get = await hashOf(withPolicy("get"));
    expect(await hashOf(withPolicy("hget"))).not.toBe(get);
    expect(await hashOf(withPolicy("get").replace(/^resilience:.*$/m, ""))).not.toBe(get);
  });
});
