import { processRunning } from "../util/proc-stat.js";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findProcessesOfRun } from "./leftovers.js";
import { hasPdeathsig, spawnManaged, stackPriority } from "./managed-process.js";
import os from "node:os";
import { ownerRecordPath, RUN_ID_ENV } from "./resource-registry.js";
import { registriesPerTest } from "../testing/registry.js";
import { waitFor, waitUpTo } from "../util/wait-for.js";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasPostgresUser = (() => {
  try {
    return readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .some((l) => l.startsWith("postgres:"));
  } catch {
    return false;
  }
})();

const newRegistry = registriesPerTest();

const alive = processRunning;

/** Whether `cond` came to hold within `ms`. */
async function holdsWithin(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  return (await waitUpTo(cond, { what: "the condition", timeoutMs: ms, intervalMs: 25 })) ?? false;
}

describe("spawnManaged", () => {
  it("runs a child of the stack below the harness's priority, and a load generator at the harness's own", async () => {
    const registry = newRegistry();
    const { harnessNice, stackNice } = stackPriority();
    const server = spawnManaged({ name: "sleep", command: "sleep", args: ["30"], registry });
    const generator = spawnManaged({ name: "sleep", command: "sleep", args: ["30"], registry, priority: "harness" });
    try {
      expect(stackNice).toBeGreaterThan(harnessNice);
      expect(os.getPriority(server.pid)).toBe(stackNice);
      expect(os.getPriority(generator.pid)).toBe(harnessNice);
    } finally {
      await Promise.all([server.stop(), generator.stop()]);
    }
  });

  it("passes the run id, keeps an output tail and reports the exit", async () => {
    const registry = newRegistry();
    const p = spawnManaged({
      name: "sh",
      command: "sh",
      args: ["-c", `echo out-$${RUN_ID_ENV}; for i in $(seq 1 60); do echo err$i >&2; done; exit 3`],
      registry,
    });
    expect(p.pid).toBeGreaterThan(0);
    const info = await p.exited;
    expect(info).toEqual({ code: 3, signal: null });
    expect(p.isRunning()).toBe(false);
    expect(p.stderrTail(3)).toEqual(["err58", "err59", "err60"]);
    expect(p.stderrTail(1000)).toHaveLength(50);
    expect(p.stderrTail().length).toBe(20);
    expect(registry.processes).toEqual([]);
  });

  it("with stdin 'pipe' leaves stdout to the caller (echo round trip)", async () => {
    const registry = newRegistry();
    const p = spawnManaged({ name: "cat", command: "cat", args: [], registry, stdin: "pipe" });
    expect(p.stdin).not.toBeNull();
    expect(p.stdout).not.toBeNull();
    const got = new Promise<string>((resolve) => p.stdout!.once("data", (d: Buffer) => resolve(d.toString())));
    p.stdin!.write("hello\n");
    expect(await got).toBe("hello\n");
    expect(registry.processes).toContain(p);
    await p.stop({ graceMs: 1000 });
    expect(p.isRunning()).toBe(false);
  });

  it("throws a clear error naming a missing command", () => {
    const registry = newRegistry();
    expect(() => spawnManaged({ name: "ghost", command: "no-such-binary-xyz", args: [], registry })).toThrow(/ghost.*no-such-binary-xyz/);
    expect(registry.processes).toEqual([]);
    expect(() => spawnManaged({ name: "lost", command: "true", args: [], registry, cwd: "/no/such/dir" })).toThrow(/lost.*working directory.*\/no\/such\/dir/);
  });

  it("stop() escalates to SIGKILL for a process (group) that ignores SIGTERM", async () => {
    const registry = newRegistry();
    // The shell ignores TERM and so does its child: the group must still die. It says when its trap
    // is set and its child started (a SIGTERM before that would end it at once, with no escalation).
    const dir = await registry.makeTempDir("stubborn");
    const p = spawnManaged({ name: "stubborn", command: "sh", args: ["-c", "trap '' TERM; sleep 60 & : > ready; wait"], registry, cwd: dir });
    await waitFor(() => existsSync(`${dir}/ready`), { what: "the shell to set its trap", timeoutMs: 10_000, intervalMs: 10 });
    const t0 = Date.now();
    await p.stop({ graceMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(p.exitInfo?.signal).toBe("SIGKILL");
    expect(await holdsWithin(async () => (await findProcessesOfRun(registry.runId)).length === 0, 2000)).toBe(true);
  });

  if (!isRoot || !hasPostgresUser) console.warn("SKIPPED: runAs needs root and a postgres user; not testable on this machine as this user");
  it.skipIf(!isRoot || !hasPostgresUser)("runAs runs the process as that user (needs root and a postgres user)", async () => {
    const registry = newRegistry();
    const p = spawnManaged({ name: "id", command: "id", args: ["-un"], registry, runAs: "postgres" });
    await p.exited;
    expect(p.stderrTail()).toEqual(["postgres"]);
  });

  if (isRoot) console.warn("SKIPPED: 'runAs is refused when not root' cannot be tested while running as root");
  it.skipIf(isRoot)("runAs is refused when not root (only testable as a non-root user)", () => {
    const registry = newRegistry();
    expect(() => spawnManaged({ name: "id", command: "id", args: [], registry, runAs: "postgres" })).toThrow(/root/);
  });
});

describe("parent death (setpriv --pdeathsig)", () => {
  if (!hasPdeathsig()) {
    console.warn(
      "\n!!! SKIPPING the parent-death tests: /usr/bin/setpriv (util-linux) is missing, so children of a " +
        "SIGKILLed harness are NOT killed by the kernel on this machine. Install util-linux to enable them.\n",
    );
  }

  const managedProcessModule = fileURLToPath(new URL("./managed-process.ts", import.meta.url));
  const registryModule = fileURLToPath(new URL("./resource-registry.ts", import.meta.url));
  const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

  /** Starts a node "harness" that spawns a managed `sleep 60`, SIGKILLs the harness, and checks the sleep dies. */
  async function harnessDies(runAs: string | undefined) {
    const runId = `pd${process.pid}-${Date.now().toString(36)}`;
    const script = `
      import { spawnManaged } from ${JSON.stringify(managedProcessModule)};
      import { ResourceRegistry } from ${JSON.stringify(registryModule)};
      const registry = new ResourceRegistry({ runId: ${JSON.stringify(runId)} });
      const p = spawnManaged({ name: "sleep", command: "sleep", args: ["60"], registry, runAs: ${JSON.stringify(runAs)} });
      console.log("CHILD " + p.pid);
      setInterval(() => {}, 1000);
    `;
    const harness = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: projectRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const childPid = await new Promise<number>((resolve, reject) => {
        let buf = "";
        harness.stdout!.on("data", (d: Buffer) => {
          buf += d.toString();
          const m = /CHILD (\d+)/.exec(buf);
          if (m) resolve(Number(m[1]));
        });
        harness.once("exit", (code) => reject(new Error(`harness exited early with ${code}`)));
        setTimeout(() => reject(new Error("harness did not report its child in 15 s")), 15_000);
      });
      expect(alive(childPid)).toBe(true);
      // The pid is known at fork time; setpriv exec()s into the command (same pid) a moment later.
      const cmdOf = () => readFileSync(`/proc/${childPid}/cmdline`, "utf8").split("\0").join(" ").trim();
      await holdsWithin(() => cmdOf().endsWith("sleep 60") && !cmdOf().includes("setpriv"), 3000);
      const status = readFileSync(`/proc/${childPid}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      expect(cmdOf()).toMatch(/^(\/usr)?\/bin\/sleep 60$/); // setpriv exec()ed into the command: same pid
      expect((await findProcessesOfRun(runId)).map((p) => p.pid)).toEqual([childPid]);

      harness.kill("SIGKILL");
      const gone = await holdsWithin(() => !alive(childPid), 3000);
      expect(gone, `managed child ${childPid} survived the SIGKILL of its harness`).toBe(true);
      expect(await findProcessesOfRun(runId)).toEqual([]);
      return { uid };
    } finally {
      harness.kill("SIGKILL");
      // Should the assertion have failed, do not leave the sleep behind.
      for (const p of await findProcessesOfRun(runId)) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      // Nor the owner record the killed harness could not remove (a later command would reap it).
      rmSync(ownerRecordPath(runId), { force: true });
    }
  }

  it.skipIf(!hasPdeathsig())(
    "kills the managed child when the harness is SIGKILLed",
    async () => {
      await harnessDies(undefined);
    },
    20_000,
  );

  it.skipIf(!hasPdeathsig() || !isRoot || !hasPostgresUser)(
    "also when the child runs as another user (--reuid postgres)",
    async () => {
      const { uid } = await harnessDies("postgres");
      expect(uid).not.toBe(0);
    },
    20_000,
  );
});
