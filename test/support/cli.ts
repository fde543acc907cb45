/**
 * Running the real CLI in end-to-end tests: a child process with CI=true,
 * its output collected, a guard that interrupts it if it hangs, and helpers
 * for the run directory and for proving nothing of the run was left behind.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { RunRecord } from "../../src/results/types.js";
import { findProcessesOfRun } from "../../src/stack/leftovers.js";
import { tempDirMarker } from "../../src/stack/resource-registry.js";
import { waitUpTo } from "../../src/util/wait-for.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(ROOT, "bin", "mcp-slo.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from spawn to exit */
  elapsedMs: number;
  /** performance.now() at exit */
  exitedAt: number;
}

export interface CliRun {
  child: ChildProcess;
  /** stderr so far */
  stderr(): string;
  done: Promise<CliResult>;
}

export interface CliOptions {
  /** After this long (default 300 s) the CLI gets SIGINT, so it can clean up, then SIGKILL 20 s later. */
  timeoutMs?: number;
  /** Sees the whole stderr so far each time more arrives. */
  onStderr?: (text: string, child: ChildProcess) => void;
  /** Sees the whole stdout so far each time more arrives. */
  onStdout?: (text: string, child: ChildProcess) => void;
  /** Added to the CLI's environment. */
  env?: Record<string, string>;
  /**
   * Give the CLI real-time priority (see realtimeAllowed) once it is running: every thread it has
   * by its first line on stderr (the event loop, V8's and libuv's helpers, which the event loop may
   * wait for), but not the processes it starts.
   */
  realtime?: boolean;
}

/**
 * The test suite's own environment without what makes a run publish to a CI job page: run under
 * GitHub Actions, the CLIs the tests start would otherwise append their summaries to the suite's own
 * step summary and annotate its job. A test that wants them sets them in CliOptions.env.
 */
function withoutCiPublishing(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { GITHUB_STEP_SUMMARY: _summary, GITHUB_ACTIONS: _actions, ...rest } = env;
  return rest;
}

/** Starts `node bin/mcp-slo.js ...args` in the project root with CI=true (plain progress lines). */
export function startCli(args: string[], opts: CliOptions = {}): CliRun {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...withoutCiPublishing(process.env), CI: "true", NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  if (opts.realtime) {
    child.stderr!.once("data", () => {
      try {
        // -a: all its threads; -R: reset on fork, so the servers it starts get the normal policy.
        execFileSync("chrt", ["-a", "-R", "-r", "-p", "1", String(child.pid)], { stdio: "ignore", timeout: 5000 });
      } catch {
        /* gone already, or not allowed after all: the test says what it needed */
      }
    });
  }
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    stdout += s;
    opts.onStdout?.(stdout, child);
  });
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    opts.onStderr?.(stderr, child);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    // A hung run is interrupted, then killed: a test never leaves a harness behind.
    const guard = setTimeout(() => {
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
    }, opts.timeoutMs ?? 300_000);
    child.on("error", (err) => {
      clearTimeout(guard);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      const exitedAt = performance.now();
      resolve({ code, signal, stdout, stderr, elapsedMs: exitedAt - started, exitedAt });
    });
  });
  return { child, stderr: () => stderr, done };
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/**
 * Whether this machine lets us give the CLI real-time (SCHED_RR) priority (CliOptions.realtime).
 * For tests whose claim needs the load generator to keep its schedule to 10 ms: on a machine shared
 * by many jobs the kernel can leave a woken process waiting tens of ms (measured here, load 11 on 2
 * cores: 1-5 % of 5-20 ms timer ticks more than 10 ms late at any nice level, none of 6000 with
 * SCHED_RR). All of the CLI's threads get it, not only the event loop: with the event loop alone,
 * up to 1.8 % of a capacity step's sends were still late (it waits for its helper threads), with
 * all of them at most 0.4 %. The servers it starts do not: they compete for the CPU like any
 * process and are measured as they are.
 */
export function realtimeAllowed(): boolean {
  if (realtime === undefined) {
    try {
      execFileSync("chrt", ["-R", "-r", "1", "true"], { stdio: "ignore", timeout: 5000 });
      realtime = true;
    } catch {
      realtime = false; // not Linux, no util-linux chrt, or not allowed (needs CAP_SYS_NICE or an RLIMIT_RTPRIO)
    }
  }
  return realtime;
}
let realtime: boolean | undefined;

/** What a failed expectation should show: the CLI's own words. */
export function transcript(r: CliResult): string {
  return `exit ${r.code ?? r.signal} after ${(r.elapsedMs / 1000).toFixed(1)} s\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

const outDirs: string[] = [];

/** A temp output dir, removed by removeOutDirs(). */
export async function newOutDir(prefix = "e2e-out-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  outDirs.push(dir);
  return dir;
}

export async function removeOutDirs(): Promise<void> {
  await Promise.all(outDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export async function readRecord(outDir: string): Promise<RunRecord> {
  return JSON.parse(await readFile(path.join(outDir, "results.json"), "utf8")) as RunRecord;
}

/**
 * No process and no temp dir of the run remain (processes get a few seconds to go). `shared` says
 * which processes carrying the run's id are not the run's to stop (see the container tests).
 */
export async function expectNothingLeft(runId: string, shared: (p: { pid: number; cmd: string }) => boolean = () => false): Promise<void> {
  const left = async () => (await findProcessesOfRun(runId)).filter((p) => !shared(p));
  await waitUpTo(async () => (await left()).length === 0, { what: `the processes of run ${runId} to be gone`, timeoutMs: 5000, intervalMs: 100 });
  expect(await left(), `processes of run ${runId} still alive`).toEqual([]);
  expect(
    (await readdir(os.tmpdir())).filter((n) => n.startsWith(tempDirMarker(runId))),
    `temp dirs of run ${runId} left`,
  ).toEqual([]);
}
