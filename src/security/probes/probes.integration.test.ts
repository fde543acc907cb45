/**
 * The live probes against real MCP servers started as a run starts them (startSession: a managed
 * child on stdio, the SDK client):
 *  - test/fixtures/servers/vulnerable-server.mjs, whose planted flaws must each come out as a failed
 *    probe with its finding (traversal read and write, write through a read-only tool, token in an
 *    error, crash on a line that is not JSON, hang on an oversized argument), and whose honest parts
 *    must pass;
 *  - the catalog's filesystem, memory and postgres servers on the real local stack (Redis,
 *    PostgreSQL), each outcome checked against what the server is known to do.
 * Afterwards nothing may be left: no process of the run, no canary dir beside the sandbox, no
 * canary table in PostgreSQL.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findServer } from "../../catalog/servers.js";
import type { ServerDefinition } from "../../contracts/server-definition.js";
import { PROJECT_ROOT } from "../../project-root.js";
import type { Stack } from "../../providers/provider.js";
import { localProvider } from "../../providers/local.js";
import { findProcessesOfRun } from "../../stack/leftovers.js";
import { startSession, writeServerFiles, type McpSession, type StackEndpoints } from "../../stack/mcp-session.js";
import { ResourceRegistry } from "../../stack/resource-registry.js";
import { registriesPerTest } from "../../testing/registry.js";
import { collectDefinitions } from "../collect-definitions.js";
import type { ProbeOutcome } from "../model.js";
import { runProbes, withProbeCanaries } from "./index.js";

const FIXTURE = path.join(PROJECT_ROOT, "test", "fixtures", "servers", "vulnerable-server.mjs");
const newRegistry = registriesPerTest();

/** Starts `def` with canary secrets, runs every probe, closes whatever session is last. */
async function probe(
  defIn: ServerDefinition,
  endpoints: StackEndpoints,
  registry: ResourceRegistry,
  deadlines: { callTimeoutMs?: number; pingTimeoutMs?: number } = {},
): Promise<ProbeOutcome[]> {
  const { def, secrets } = withProbeCanaries(defIn);
  const start = () => startSession({ def, agent: 0, endpoints, registry, timeoutMs: 60_000 });
  let session: McpSession = await start();
  try {
    const definitions = await collectDefinitions(def.name, session.client);
    return await runProbes({
      server: def,
      session,
      definitions,
      endpoints,
      registry,
      signal: AbortSignal.timeout(600_000),
      secrets,
      ...deadlines,
      restartSession: async () => {
        session = await start();
        return session;
      },
    });
  } finally {
    await session.close();
  }
}

const statusOf = (outcomes: ProbeOutcome[], probe: string) => outcomes.filter((o) => o.probe === probe).map((o) => o.status);
const failed = (outcomes: ProbeOutcome[]) => [...new Set(outcomes.filter((o) => o.status === "fail").map((o) => o.finding!.ruleId))].sort();
const summary = (outcomes: ProbeOutcome[]) => outcomes.map((o) => `${o.status.padEnd(14)} ${o.probe}: ${o.detail}`).join("\n");

/** Nothing the probes made is left beside the sandbox. */
async function expectNoCanaryDirs(sandbox: string): Promise<void> {
  const beside = await readdir(path.dirname(sandbox));
  const base = path.basename(sandbox);
  expect(beside.filter((n) => n.startsWith("mcp-slo-probe-outside-") || (n.startsWith(`${base}-`) && n !== base))).toEqual([]);
  expect((await readdir(sandbox)).filter((n) => n.startsWith("mcp-slo-probe-"))).toEqual([]);
}

describe("live probes against the deliberately vulnerable server", () => {
  it("finds each planted flaw by its effect, and passes what it does right", async () => {
    const registry = newRegistry();
    const endpoints = { sandbox: await registry.makeTempDir("sandbox"), workdir: await registry.makeTempDir("work") };
    const def: ServerDefinition = {
      name: "vulnerable",
      title: "Deliberately vulnerable (test fixture)",
      package: "custom",
      command: "node",
      args: [FIXTURE, "{{sandbox}}"],
      env: { VULN_TOKEN: "vuln-token-0123456789abcdef" },
      needs: [],
      transport: "stdio",
      public: { env: [], args: true },
    };
    // Its hang lasts 60 s: shorter deadlines than the default 15 s + 10 s keep the test short, and are
    // still far above what its other answers take (milliseconds) on a loaded machine.
    const outcomes = await probe(def, endpoints, registry, { callTimeoutMs: 8000, pingTimeoutMs: 5000 });
    const report = summary(outcomes);
    console.log(`vulnerable:\n${report}`);

    // The traversal: ../ reads the canary beside the sandbox; absolute paths and the prefix sibling are refused.
    expect(failed(outcomes), report).toEqual([
      "probe.confinement.traversal",
      "probe.read-only.annotated",
      "probe.robustness.crash",
      "probe.robustness.hang",
      "probe.secrets.handed-value",
    ]);
    const traversals = outcomes.filter((o) => o.finding?.ruleId === "probe.confinement.traversal");
    // By the relative form (`../outside/...`) only: the fixture refuses every absolute path, `<sandbox>/../` included.
    // save_note twice: a new file created beside the sandbox, and the canary overwritten.
    expect(traversals.map((o) => `${o.finding!.tool} ${o.finding!.title}`).sort(), report).toEqual([
      "read_file Reads outside its root (traversal)",
      "save_note Writes outside its root (traversal)",
      "save_note Writes outside its root (traversal)",
    ]);
    for (const t of traversals) expect(t.finding).toMatchObject({ severity: "critical", field: "path" });
    expect(traversals[0]!.finding!.reproduce).toMatch(/^tools\/call read_file .*\.\.\/mcp-slo-probe-outside-/);
    // The write landed beside the sandbox: the probe saw the file, or the canary overwritten.
    expect(traversals.filter((o) => o.finding!.tool === "save_note").map((o) => o.finding!.evidence.split(";")[0]!.replace(/.*\//, ""))).toEqual([
      "written-1-save_note-path was created",
      "canary.txt was changed",
    ]);
    expect(statusOf(outcomes, "confinement.absolute"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "confinement.prefix"), report).toEqual(["pass"]);

    // get_status is annotated read-only and writes status.log into its root.
    const readOnly = outcomes.find((o) => o.finding?.ruleId === "probe.read-only.annotated")!;
    expect(readOnly.finding).toMatchObject({ severity: "critical", tool: "get_status" });
    expect(readOnly.finding!.evidence).toContain("sandbox: added status.log");

    // fetch_url's error quotes VULN_TOKEN and the probe's canary is what came back; the evidence masks it.
    const leaks = outcomes.filter((o) => o.finding?.ruleId === "probe.secrets.handed-value");
    expect(leaks.map((o) => o.detail)).toEqual([expect.stringMatching(/^the value of VULN_TOKEN appeared in .*fetch_url/)]);
    expect(leaks[0]!.finding!.evidence).toContain("<VULN_TOKEN>");
    expect(leaks[0]!.finding!.evidence).not.toContain("vuln-token-0123456789abcdef");
    expect(leaks[0]!.finding!.severity).toBe("critical");

    // The crash: the line that is not JSON, and only it.
    const crashes = outcomes.filter((o) => o.finding?.ruleId === "probe.robustness.crash");
    expect(crashes.map((o) => o.probe)).toEqual(["robustness.malformed.not-json"]);
    expect(crashes[0]!.finding).toMatchObject({ severity: "high" });
    expect(crashes[0]!.detail).toContain("code 70");
    // The hang: 1 MiB in add's sidenote; no answer by the call's deadline, none to ping after it.
    const hangs = outcomes.filter((o) => o.finding?.ruleId === "probe.robustness.hang");
    expect(hangs.map((o) => o.probe)).toEqual(["robustness.oversized"]);
    expect(hangs[0]!.finding).toMatchObject({ severity: "high", reproduce: expect.stringMatching(/^tools\/call add .*sidenote.*\(1048576 chars\)/) });
    expect(hangs[0]!.detail).toContain("no answer within 8 s and no answer to ping within 5 s");
    // ...and the probes after them ran on a restarted server.
    expect(statusOf(outcomes, "secrets.handed-value")).toEqual(["fail"]);

    // No injection takes effect here, and no probe was left unmeasured.
    expect(statusOf(outcomes, "injection.shell"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "injection.template"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "injection.sql")).toEqual(["not_applicable"]);
    // fetch_url only pretends: the probe's loopback listener got no request.
    expect(statusOf(outcomes, "injection.ssrf"), report).toEqual(["pass"]);
    expect(
      outcomes.filter((o) => o.status === "not_measured"),
      report,
    ).toEqual([]);
    await expectNoCanaryDirs(endpoints.sandbox);
  }, 300_000);
});

describe("live probes against catalog servers on the local stack", () => {
  let registry: ResourceRegistry;
  let stack: Stack;
  const servers = ["filesystem", "memory", "postgres"].map((n) => findServer(n)!);
  beforeAll(async () => {
    registry = new ResourceRegistry({ runId: `probes-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
    stack = await localProvider.start({
      servers,
      extraNeeds: [],
      registry,
      seedRows: 10,
      proxied: false,
      redis: { persistence: "none" },
      postgres: { synchronousCommit: "on" },
    });
    await writeServerFiles(servers, stack.endpoints);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await registry?.disposeAll();
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  }, 60_000);

  it("filesystem: confined (all four escapes, reads and writes), survives bad input, leaks nothing", async () => {
    const outcomes = await probe(findServer("filesystem")!, stack.endpoints, registry);
    const report = summary(outcomes);
    console.log(`filesystem:\n${report}`);
    expect(failed(outcomes), report).toEqual([]);
    for (const way of ["traversal", "absolute", "symlink", "prefix"]) expect(statusOf(outcomes, `confinement.${way}`), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "read-only.annotated"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "robustness"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "secrets"), report).toEqual(["pass"]);
    await expectNoCanaryDirs(stack.endpoints.sandbox);
  }, 300_000);

  it("memory: no root, so confinement does not apply; the rest passes", async () => {
    const outcomes = await probe(findServer("memory")!, stack.endpoints, registry);
    const report = summary(outcomes);
    console.log(`memory:\n${report}`);
    expect(statusOf(outcomes, "confinement"), report).toEqual(["not_applicable"]);
    expect(failed(outcomes), report).toEqual([]);
    expect(statusOf(outcomes, "robustness"), report).toEqual(["pass"]);
  }, 300_000);

  it("postgres: its READ ONLY transaction is escaped by a COMMIT in the query (a real defect), seen in the database", async () => {
    const outcomes = await probe(findServer("postgres")!, stack.endpoints, registry);
    const report = summary(outcomes);
    console.log(`postgres:\n${report}`);
    // server-postgres 0.6.2 runs `BEGIN TRANSACTION READ ONLY` then the agent's text as one simple-protocol
    // query: a COMMIT or ROLLBACK in it ends the transaction and what follows runs read-write.
    expect(statusOf(outcomes, "read-only.commit-escape"), report).toEqual(["fail"]);
    expect(statusOf(outcomes, "read-only.rollback-escape"), report).toEqual(["fail"]);
    const commitEscape = outcomes.find((o) => o.probe === "read-only.commit-escape")!;
    expect(commitEscape.finding).toMatchObject({ ruleId: "probe.read-only.commit-escape", severity: "critical", tool: "query", field: "sql" });
    expect(commitEscape.finding!.reproduce).toMatch(/^tools\/call query \{"sql":"COMMIT; CREATE TABLE mcp_slo_canary_[0-9a-f]+_commit\(x int\)"\}$/);
    // Inside the READ ONLY transaction a plain write is refused: the claim holds for it.
    expect(statusOf(outcomes, "read-only.plain-write"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "robustness"), report).toEqual(["pass"]);
    expect(statusOf(outcomes, "secrets"), report).toEqual(["pass"]);
    // The canary tables were dropped again.
    const left = await stack.postgresQuery!("SELECT tablename FROM pg_tables WHERE tablename LIKE 'mcp_slo_canary_%'");
    expect(left.rows).toEqual([]);
  }, 300_000);
});
