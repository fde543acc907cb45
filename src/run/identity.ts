/**
 * A run's identity (issue 13): what a comparison with another run needs to know about it — the
 * harness's version and commit, the git checkout it ran in, the CI job, the user's tags, the
 * provider, the machine — and the hash of each scenario as run, which says whether two runs
 * measured the same thing.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import os from "node:os";
import type { Scenario } from "../contracts/plan.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { HARNESS_VERSION, PROJECT_ROOT } from "../project-root.js";
import type { CiIdentity, RunIdentity } from "../results/types.js";
import { childEnvironment } from "../stack/child-env.js";
import { RUN_ID_ENV } from "../stack/resource-registry.js";
import { isPublicArg, isPublicEnv } from "../stack/handed-values.js";

/** `git` on a loaded machine or a huge checkout: past this the field is unknown, the run goes on. */
const GIT_TIMEOUT_MS = 10_000;

/** Stands for a value of a custom server's env, args or files the scenario did not mark public. */
const SECRET_MARK = "[secret]";

/** Runs git without a shell; null when git is missing, fails, or times out. */
function git(cwd: string, args: string[], runId?: string): Promise<string | null> {
  return new Promise((resolve) => {
    // Least privilege like every child (src/stack/child-env.ts): git gets no token of the harness's
    // environment. GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock of a checkout
    // someone is working in.
    execFile(
      "git",
      ["-C", cwd, ...args],
      {
        timeout: GIT_TIMEOUT_MS,
        encoding: "utf8",
        // The run's marker too, as on every child of a run: a leftover can always be traced to its run.
        env: childEnvironment({ set: { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", ...(runId !== undefined && { [RUN_ID_ENV]: runId }) } }),
        maxBuffer: 4 * 2 ** 20,
      },
      (err, stdout) => resolve(err ? null : stdout.trim()),
    );
  });
}

/**
 * The git checkout `dir` is in: commit, branch (null on a detached HEAD) and whether tracked files
 * changed. Untracked files do not count as dirty: the run itself writes reports/ into the directory.
 */
export async function gitCheckout(dir: string, runId?: string): Promise<RunIdentity["workdir"]> {
  const commit = await git(dir, ["rev-parse", "--verify", "HEAD"], runId);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
  const branch = await git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"], runId);
  const status = await git(dir, ["status", "--porcelain", "--untracked-files=no"], runId);
  return { commit, branch: branch || null, dirty: status === null ? null : status.length > 0 };
}

/** The commit of the harness's own checkout; null when it is not one (an npm install inside someone's repository is not). */
export async function harnessCommit(root = PROJECT_ROOT, runId?: string): Promise<string | null> {
  const top = await git(root, ["rev-parse", "--show-toplevel"], runId);
  if (!top) return null;
  const [a, b] = await Promise.all([realpath(top).catch(() => top), realpath(root).catch(() => root)]);
  if (a !== b) return null;
  return (await gitCheckout(root, runId))?.commit ?? null;
}

/** The variables read per CI system: an allow-list, so no token in the environment can slip into a record. */
const CI_VARIABLES = {
  "github-actions": [
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_WORKFLOW",
    "GITHUB_JOB",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
  ],
  gitlab: ["CI_PIPELINE_ID", "CI_JOB_ID", "CI_COMMIT_REF_NAME", "CI_COMMIT_SHA", "CI_JOB_URL"],
  jenkins: ["BUILD_NUMBER", "JOB_NAME", "BUILD_URL", "GIT_COMMIT", "GIT_BRANCH"],
  buildkite: ["BUILDKITE_BUILD_NUMBER", "BUILDKITE_PIPELINE_SLUG", "BUILDKITE_BRANCH", "BUILDKITE_COMMIT", "BUILDKITE_BUILD_URL"],
} as const;

/** Which variable tells each system is the one running (tried in this order). */
const CI_MARKER: Record<CiIdentity["system"], string> = {
  "github-actions": "GITHUB_RUN_ID",
  gitlab: "CI_PIPELINE_ID",
  buildkite: "BUILDKITE_BUILD_NUMBER",
  jenkins: "BUILD_NUMBER",
};

/** The CI job the run is part of, from the allow-listed variables only; null outside CI. */
export function ciIdentity(env: NodeJS.ProcessEnv = process.env): CiIdentity | null {
  const system = (Object.keys(CI_MARKER) as CiIdentity["system"][]).find((s) => env[CI_MARKER[s]]);
  if (system === undefined) return null;
  const variables: Record<string, string> = {};
  for (const name of CI_VARIABLES[system]) {
    const value = env[name];
    if (value) variables[name] = value;
  }
  const v = (name: string) => variables[name] ?? null;
  switch (system) {
    case "github-actions": {
      const ref = v("GITHUB_REF");
      const url =
        v("GITHUB_SERVER_URL") && v("GITHUB_REPOSITORY") ? `${v("GITHUB_SERVER_URL")}/${v("GITHUB_REPOSITORY")}/actions/runs/${v("GITHUB_RUN_ID")}` : null;
      delete variables.GITHUB_SERVER_URL;
      delete variables.GITHUB_REPOSITORY;
      return { system, variables, branch: ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null, commit: v("GITHUB_SHA"), url };
    }
    case "gitlab":
      return { system, variables, branch: v("CI_COMMIT_REF_NAME"), commit: v("CI_COMMIT_SHA"), url: v("CI_JOB_URL") };
    case "jenkins":
      // Jenkins names the branch as the remote has it ("origin/main").
      return { system, variables, branch: v("GIT_BRANCH")?.replace(/^origin\//, "") ?? null, commit: v("GIT_COMMIT"), url: v("BUILD_URL") };
    case "buildkite":
      return { system, variables, branch: v("BUILDKITE_BRANCH"), commit: v("BUILDKITE_COMMIT"), url: v("BUILDKITE_BUILD_URL") };
  }
}

/** The machine the numbers come from; runs on the same kind of machine share `hash` (the host name is left out on purpose: CI runners of one kind differ only in it). */
export function machineFingerprint(): RunIdentity["machine"] {
  const cpus = os.cpus();
  const facts = {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
  return { ...facts, hash: sha256(canonicalJson(facts)).slice(0, 12) };
}

export async function collectIdentity(opts: {
  provider: string;
  tags: Record<string, string>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The run the git children belong to (their MCP_SLO_RUN_ID). */
  runId?: string;
}): Promise<RunIdentity> {
  const [commit, workdir] = await Promise.all([harnessCommit(PROJECT_ROOT, opts.runId), gitCheckout(opts.cwd ?? process.cwd(), opts.runId)]);
  return {
    harness: { version: HARNESS_VERSION, commit },
    workdir,
    ci: ciIdentity(opts.env),
    tags: opts.tags,
    provider: opts.provider,
    machine: machineFingerprint(),
  };
}

/**
 * JSON with every object's keys sorted and `undefined` and functions left out, so equal plans give
 * equal text. Hand-written: ten lines, and no canonical-JSON library is a dependency of the project.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === "function" ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A server as the hash sees it. Out: its title (words), installedVersion (a function; a new server
 * version is what a comparison is for, not a different scenario), the other versions the catalog holds, and every value of a custom
 * server's env, args and files its scenario did not mark public (src/stack/handed-values.ts): those
 * are where credentials go, and a credential does not change what is measured, so only the name of
 * such a variable counts, never its value, which cannot be recovered from the hash.
 */
function measuredServer(def: ServerDefinition): unknown {
  // versions: the other releases the catalog holds, not the one that runs (versionOf says that).
  const { title: _title, installedVersion: _version, versions: _versions, ...rest } = def;
  const custom = def.package === "custom";
  const publicArgs = def.public?.args ?? [];
  return {
    ...rest,
    env: Object.fromEntries(Object.entries(def.env).map(([name, value]) => [name, isPublicEnv(def, name) ? value : SECRET_MARK])),
    args: def.args.map((arg, i) => (isPublicArg(def, i) ? arg : SECRET_MARK)),
    http: def.http && { ...def.http, args: def.http.args.map((arg) => (!custom || publicArgs === true || publicArgs.includes(arg) ? arg : SECRET_MARK)) },
    files: def.files && Object.fromEntries(Object.keys(def.files).map((name) => [name, custom ? SECRET_MARK : def.files![name]])),
    // A stand-in token is the harness's own fake; only which variable carries a token counts.
    secrets: def.secrets?.map((s) => s.env),
  };
}

/**
 * The hash of a scenario as run (after profile and matrix cell): the first 16 hex digits of the
 * sha256 of its plan as canonical JSON.
 * In: everything that decides what is measured and how — servers and how they start, agents, load
 * model and rate, duration, warm-up, timeouts, seed, workload, transport, driver, backends' settings,
 * stand-ins and their behaviour, faults, recovery, RPO writers, capacity search, availability probe,
 * the agents' resilience policies and version switch, the profile name and the matrix cell (variant).
 * Out: the file's path (the same scenario from another checkout or directory is the same scenario),
 * its description, the SLOs (targets judge a figure, they do not change it: runs judged by other
 * targets still compare figure by figure), the list of the other matrix cells, and secret values
 * (measuredServer).
 */
export function scenarioHash(scenario: Scenario): string {
  const { file: _file, description: _description, slos: _slos, matrix: _matrix, servers, resilience, versionSwitch, ...rest } = scenario;
  // No resilience and no switch is the plan of every scenario recorded before them: left out when empty, so
  // those scenarios keep their hash (a history compares runs by it). A fallback's tool mapping is a Map, which
  // canonical JSON (like JSON.stringify) would write as {}: written by its entries.
  const policies = resilience.map((p) =>
    p.fallback?.kind === "server" ? { ...p, fallback: { ...p.fallback, tools: Object.fromEntries(p.fallback.tools) } } : p,
  );
  return sha256(
    canonicalJson({
      ...rest,
      ...(policies.length > 0 && { resilience: policies }),
      ...(versionSwitch !== undefined && { versionSwitch }),
      servers: servers.map(measuredServer),
    }),
  ).slice(0, 16);
}
