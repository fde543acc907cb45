/**
 * `--provider docker`: every MCP session over stdio is a container of the harness image (the
 * project in /app, every catalog server in it) on the stack's network, and the harness speaks MCP
 * through the engine's attach.
 *
 * Why the engine's attach API and not `docker run -i` / `podman run -i`: the harness already talks
 * to the engine through dockerode (engine.ts), with no CLI, the same for Docker and Podman (whose
 * CLI may not be the one that serves the engine). The container is created, attached (stdin,
 * stdout, stderr on one hijacked connection) and only then started, so no byte the server writes
 * before the harness listens is lost, and none the harness writes waits on a CLI's own attach.
 * StdinOnce: when the harness ends its stdin (the session closes), the engine closes the server's
 * stdin, and the server exits as it would as a child process.
 *
 * The session's process is a ManagedProcess (ContainerProcess) like a local child: stdout is the
 * attach's stdout frames, stderr is collected for error messages, and signals are the engine's:
 * SIGKILL = kill, SIGSTOP = pause (cgroup freezer), SIGCONT = unpause, others = kill with that
 * signal. Its exit is the end of the attach stream, with the code the engine recorded (128 + n is
 * signal n; OOMKilled said so). No engine restart policy: an MCP stdio session does not survive its
 * process (a new process is a new session that must initialize), so the harness's supervisor, which
 * starts a new session container when one died, is the restart policy.
 *
 * The server sees the stack from inside the network: its {{redis.url}}, {{postgres.url}} and
 * {{upstream.url}} are Toxiproxy's (or the backend's) container addresses (assemble-stack.ts asks
 * for them when a serverHost is given); {{bin}} and {{tools}} are under /app; the sandbox and work
 * dir are bind-mounted at the paths the harness uses, and so is the directory the harness runs in
 * (read-only) for a custom server's relative paths.
 */
import http from "node:http";
import { type Duplex, PassThrough } from "node:stream";
import { constants } from "node:os";
import type { ServerLimits, ServerRunsOn } from "../../results/types.js";
import { HarnessError } from "../../errors.js";
import { groupEnvironment } from "../../stack/child-env.js";
import type { ExitInfo, ManagedProcess } from "../../stack/managed-process.js";
import { OutputTail } from "../../stack/managed-process.js";
import type { ServerHost, ServerLaunch } from "../../stack/server-host.js";
import { AddressInUseError } from "../../stack/ports.js";
import type { StackContainers } from "./containers.js";
import { engineAddress, engineMessage, engineStatus, withDeadline } from "./engine.js";
import { runLabels } from "./reaper.js";

const CALL_TIMEOUT_MS = 60_000;
/** How many container ids results.json keeps per server: a nightly run may start hundreds. */
const RUNS_ON_IDS = 64;
/** The harness image's project root and tools (containers/harness-deps.Dockerfile). */
const IMAGE_PROJECT_ROOT = "/app";
const EXIT_DRAIN_MS = 300;

export interface ServerContainersOptions {
  containers: StackContainers;
  image: string;
  imageDigest: string;
  /** "podman 4.3.1" */
  engine: string;
  /** Directories bind-mounted read-write at the same path (the sandbox, the work dir). */
  writable: readonly string[];
  /** The sessions' own network (StackContainers.createSessionsNetwork: why). */
  network: string;
  /** Limits by server name (scenario `resources`). */
  limits: Readonly<Record<string, ServerLimits>>;
  /**
   * The user the servers run as: the harness's own uid:gid for an engine whose container root is the
   * real root (files it writes into the sandbox stay the harness's to remove), "0:0" for a rootless
   * engine, whose container root is the harness's user.
   */
  user: string;
}

/** Signal number -> name (9 -> SIGKILL), for an exit code 128 + n. */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

export class ServerContainers implements ServerHost {
  readonly projectRoot = IMAGE_PROJECT_ROOT;
  readonly toolsDir = `${IMAGE_PROJECT_ROOT}/.tools`;
  readonly node = "node";
  readonly #opts: ServerContainersOptions;
  readonly #ids = new Map<string, string[]>();

  constructor(opts: ServerContainersOptions) {
    this.#opts = opts;
  }

  async spawn(launch: ServerLaunch, signal?: AbortSignal): Promise<ManagedProcess> {
    const { containers, image, writable, limits, user, network } = this.#opts;
    const run = containers.run;
    const server = launch.def.name;
    const name = `mcp-slo-${containers.runId}-server-${server}-${++run.serial}`;
    // Nothing of the host's environment but what a child would be passed beyond the base (PATH, HOME
    // ... are the image's): a server calling its real API (live mode) gets the proxy settings.
    const env: Record<string, string> = { HOME: "/tmp", ...Object.assign({}, ...launch.passEnv.map(groupEnvironment)), ...launch.env };
    const binds = [...new Set(writable)].map((d) => `${d}:${d}`);
    if (!writable.includes(launch.cwd)) binds.push(`${launch.cwd}:${launch.cwd}:ro`);
    const limit = limits[server];
    const hosts = await containers.sessionHosts(network).catch((err: unknown) => {
      throw new HarnessError("environment", `the stack's services could not be joined to the sessions' network ${network}: ${engineMessage(err)}`, {
        cause: err,
      });
    });
    let id: string;
    try {
      const created = await withDeadline(`creating container ${name}`, CALL_TIMEOUT_MS, (abortSignal) =>
        run.engine.docker.createContainer({
          name,
          Image: image,
          // The image's CMD is the harness's --help; its entrypoint is replaced, not prefixed.
          Entrypoint: [launch.command],
          Cmd: launch.args,
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          WorkingDir: launch.cwd,
          User: user,
          Labels: { ...runLabels(containers.runId, `server:${server}`) },
          Tty: false,
          OpenStdin: true,
          StdinOnce: true,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          ...(launch.publish !== undefined && { ExposedPorts: { [`${launch.publish}/tcp`]: {} } }),
          HostConfig: {
            // The same port on 127.0.0.1 only, like the harness's own listeners.
            ...(launch.publish !== undefined && {
              PortBindings: { [`${launch.publish}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: String(launch.publish) }] },
            }),
            NetworkMode: network,
            ExtraHosts: hosts,
            Binds: binds,
            ...(limit?.cpus !== undefined && { NanoCpus: Math.round(limit.cpus * 1e9) }),
            // No swap beyond the limit: the limit is what the server gets.
            ...(limit?.memoryBytes !== undefined && { Memory: limit.memoryBytes, MemorySwap: limit.memoryBytes }),
          },
          abortSignal,
        }),
      );
      id = created.id;
    } catch (err) {
      throw new HarnessError("environment", `the container of ${launch.name} could not be created: ${engineMessage(err)}`, { cause: err });
    }
    containers.adopt(id, name);
    const docker = run.engine.docker.getContainer(id);
    const fail = async (what: string, err: unknown): Promise<never> => {
      await containers.discard(id).catch(() => undefined);
      throw new HarnessError("environment", `the container of ${launch.name} (${name}) ${what}: ${engineMessage(err)}`, { cause: err });
    };
    // Attached before it starts: nothing it writes first is missed.
    const stream = await withDeadline(`attaching to ${name}`, CALL_TIMEOUT_MS, (abortSignal) => attachStdio(run.engine.dockerHost, id, abortSignal)).catch(
      (err: unknown) => fail("could not be attached to", err),
    );
    if (signal?.aborted) return fail("was not started", new Error("the run was interrupted"));
    const proc = new ContainerProcess(launch, name, id, docker, stream, run.engine.docker.modem, containers);
    try {
      await withDeadline(`starting ${name}`, CALL_TIMEOUT_MS, (abortSignal) => docker.start({ abortSignal }));
      const info = await withDeadline(`inspecting ${name}`, CALL_TIMEOUT_MS, (abortSignal) => docker.inspect({ abortSignal }));
      proc.pid = info.State?.Pid ?? -1;
    } catch (err) {
      proc.detach();
      // The port was free when chosen and taken before the engine bound it: the caller picks another.
      if (launch.publish !== undefined && /address already in use/i.test(engineMessage(err))) {
        await containers.discard(id).catch(() => undefined);
        throw new AddressInUseError(`${launch.name}: port ${launch.publish} is taken`, launch.publish);
      }
      return fail("could not be started", err);
    }
    const ids = this.#ids.get(server) ?? [];
    if (ids.length < RUNS_ON_IDS) ids.push(id);
    this.#ids.set(server, ids);
    return proc;
  }

  runsOn(server: string): ServerRunsOn {
    const limits = this.#opts.limits[server];
    return {
      kind: "container",
      engine: this.#opts.engine,
      image: this.#opts.image,
      imageDigest: this.#opts.imageDigest,
      containers: this.#ids.get(server) ?? [],
      ...(limits && { limits }),
    };
  }
}

/**
 * POST /containers/{id}/attach upgraded to a raw stream (stdin in, multiplexed stdout and stderr
 * out). Written here rather than with dockerode's attach, which sends its options as the request's
 * JSON body: the engine hands that body to the container's stdin ahead of anything else (seen with
 * Podman: `{"stream":true,...}` as the server's first input line).
 */
function attachStdio(dockerHost: string, id: string, abortSignal: AbortSignal): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const req = http.request({
      ...engineAddress(dockerHost),
      path: `/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      method: "POST",
      headers: { Connection: "Upgrade", Upgrade: "tcp", "Content-Length": 0 },
      signal: abortSignal,
    });
    req.on("upgrade", (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c.slice(0, 2000);
      });
      res.on("end", () => reject(new Error(`HTTP ${res.statusCode}: ${body.trim() || "the engine did not upgrade the attach"}`)));
    });
    req.on("error", reject);
    req.end();
  });
}

type Modem = { demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void };
type EngineContainer = ReturnType<StackContainers["run"]["engine"]["docker"]["getContainer"]>;

/** One session's container as a ManagedProcess (see the file comment). */
class ContainerProcess implements ManagedProcess {
  readonly name: string;
  readonly command: string;
  readonly resolvedCommand: string;
  readonly args: readonly string[];
  pid = -1;
  readonly runAs = undefined;
  readonly stdin: Duplex;
  readonly stdout = new PassThrough();
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  readonly containerName: string;
  readonly #id: string;
  readonly #docker: EngineContainer;
  readonly #containers: StackContainers;
  readonly #stream: Duplex;
  readonly #output = new OutputTail();
  /** Engine calls in the order they were asked for (a pause must not overtake the kill before it). */
  #queue: Promise<void> = Promise.resolve();
  #paused = false;
  #stopping: Promise<void> | undefined;

  constructor(launch: ServerLaunch, containerName: string, id: string, docker: EngineContainer, stream: Duplex, modem: Modem, containers: StackContainers) {
    this.name = launch.name;
    this.command = launch.command;
    this.resolvedCommand = launch.command;
    this.args = [...launch.args];
    this.containerName = containerName;
    this.#id = id;
    this.#docker = docker;
    this.#containers = containers;
    this.#stream = stream;
    this.stdin = stream;
    const stderr = new PassThrough();
    this.#output.collect(stderr);
    modem.demuxStream(stream, this.stdout, stderr);
    if (process.env.DBG_CTR) {
      const t0 = performance.now();
      const log = (what: string) => process.stderr.write(`DBG ${containerName} ${launch.name} +${(performance.now() - t0).toFixed(0)}ms ${what}\n`);
      stream.on("data", (b: Buffer) => log(`raw ${b.length}B`));
      const w = stream.write.bind(stream);
      (stream as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
        log(`write ${String(a[0]).slice(0, 60)}`);
        return (w as (...x: unknown[]) => boolean)(...a);
      };
      stream.on("end", () => log("end"));
    }
    // A write after the server died must not crash the harness.
    stream.on("error", () => undefined);
    this.exited = new Promise<ExitInfo>((resolve) => {
      let done = false;
      const ended = () => {
        if (done) return;
        done = true;
        // The attach ends with the process; the engine has the exit code a moment later.
        void (async () => {
          await new Promise((r) => setTimeout(r, EXIT_DRAIN_MS));
          const info = await this.#exitFromEngine();
          this.exitInfo = info;
          this.stdout.end();
          stderr.end();
          resolve(info);
        })();
      };
      stream.once("end", ended);
      stream.once("close", ended);
    });
  }

  async #exitFromEngine(): Promise<ExitInfo> {
    try {
      const s = (await withDeadline(`inspecting ${this.containerName}`, 5000, (abortSignal) => this.#docker.inspect({ abortSignal }))).State;
      if (s?.OOMKilled) this.#output.push(`(the engine OOM-killed container ${this.containerName}: it reached its memory limit)`);
      const code = s?.ExitCode ?? null;
      const sig = code !== null && code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
      return sig ? { code: null, signal: sig } : { code, signal: null };
    } catch {
      // Removed already (stopped by us): nothing more to say.
      return { code: null, signal: null };
    }
  }

  /** Lets go of the attach (a container that never started). */
  detach(): void {
    this.#stream.destroy();
  }

  isRunning(): boolean {
    return this.pid > 0 && this.exitInfo === undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitInfo !== undefined) return;
    if (sig === "SIGSTOP") {
      if (this.#paused) return;
      this.#paused = true;
      this.#enqueue("pause", (abortSignal) => this.#docker.pause({ abortSignal }));
    } else if (sig === "SIGCONT") {
      if (!this.#paused) return;
      this.#paused = false;
      this.#enqueue("unpause", (abortSignal) => this.#docker.unpause({ abortSignal }));
    } else {
      this.#enqueue(`kill ${sig}`, (abortSignal) => this.#docker.kill({ signal: sig, abortSignal }));
    }
  }

  #enqueue(what: string, call: (abortSignal: AbortSignal) => Promise<unknown>): void {
    this.#queue = this.#queue.then(async () => {
      try {
        await withDeadline(`${what} ${this.containerName}`, CALL_TIMEOUT_MS, call);
      } catch (err) {
        // 409/304: not running (it died meanwhile), already paused or not paused: what was asked holds.
        const status = engineStatus(err);
        if (status !== 304 && status !== 409 && status !== 404) this.#output.push(`(${what} of container ${this.containerName} failed: ${engineMessage(err)})`);
      }
    });
  }

  /**
   * Ends the session's container: a paused one is thawed, then SIGTERM, SIGKILL after `graceMs`
   * (a server that is the container's PID 1 ignores SIGTERM unless it handles it: its stdin's end
   * has normally stopped it already), and the container is removed.
   */
  stop(opts: { graceMs?: number; signal?: NodeJS.Signals } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.exitInfo === undefined) {
        if (this.#paused) this.signal("SIGCONT");
        this.signal(opts.signal ?? "SIGTERM");
        const graceOver = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), opts.graceMs ?? 3000).unref());
        if ((await Promise.race([this.exited.then(() => "exited" as const), graceOver])) === "timeout") {
          this.signal("SIGKILL");
          await Promise.race([this.exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
        }
      }
      await this.#queue;
      this.detach();
      await this.#containers.discard(this.#id).catch(() => undefined);
    })();
    return this.#stopping;
  }

  dispose(): Promise<void> {
    return this.stop({ graceMs: 1000 });
  }

  disposeSync(): void {
    // The stack's containers are removed synchronously by StackContainers' last resort.
  }

  stderrTail(n = 20): string[] {
    return this.#output.tail(n);
  }

  onLine(fn: (line: string) => void): () => void {
    return this.#output.onLine(fn);
  }
}
