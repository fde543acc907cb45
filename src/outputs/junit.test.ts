import { describe, it, expect } from "vitest";
import type { RunRecord } from "../results/types.js";
import { sampleRunRecord } from "../../test/support/records.js";
import { securityRunRecord } from "../../test/support/security-records.js";
import { SECURITY_CHECKS } from "../security/model.js";
import { escapeXml, renderJunit } from "./junit.js";
import { sloName } from "./slo-text.js";

/**
 * A deliberately small, strict XML reader: enough to prove the output is
 * well-formed (one root, balanced tags, quoted attributes, only known entities,
 * no forbidden characters) and to query it, without an XML dependency.
 */
interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(raw: string): string {
  return raw.replace(/&([^;]*);/g, (_, name: string) => {
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity &${name};`);
    return value;
  });
}

function parseXml(xml: string): XmlElement {
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) throw new Error("character not allowed in XML 1.0");
  let rest = xml.replace(/^<\?xml [^?]*\?>\s*/, "");
  const token = /^(?:<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+))/;
  const attr = /([A-Za-z_][\w.-]*)="([^"]*)"/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (rest.length > 0) {
    const m = token.exec(rest);
    if (!m) throw new Error(`malformed XML near: ${rest.slice(0, 60)}`);
    rest = rest.slice(m[0].length);
    const [, closing, name, attrText, selfClosing, text] = m;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error("bare &");
      if (stack.length === 0) {
        if (text.trim() !== "") throw new Error("text outside the root element");
        continue;
      }
      (stack[stack.length - 1] as XmlElement).text += decode(text);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const el: XmlElement = { name: name as string, attrs: {}, children: [], text: "" };
    for (const a of (attrText ?? "").matchAll(attr)) {
      const key = a[1] as string;
      if (key in el.attrs) throw new Error(`duplicate attribute ${key}`);
      el.attrs[key] = decode(a[2] as string);
    }
    if (stack.length > 0) (stack[stack.length - 1] as XmlElement).children.push(el);
    else if (root) throw new Error("second root element");
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

function all(el: XmlElement, name: string): XmlElement[] {
  const found = el.name === name ? [el] : [];
  return found.concat(el.children.flatMap((c) => all(c, name)));
}

function caseNamed(root: XmlElement, name: string): XmlElement {
  const c = all(root, "testcase").find((t) => t.attrs.name === name);
  if (!c) throw new Error(`no testcase ${name}`);
  return c;
}

function testcases(el: XmlElement): XmlElement[] {
  return el.children.filter((c) => c.name === "testcase");
}

function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

describe("renderJunit", () => {
  const run = sampleRunRecord();
  const root = parseXml(renderJunit(run));

  it("is well-formed XML with a testsuites root", () => {
    expect(root.name).toBe("testsuites");
  });

  it("has one testsuite per scenario and one testcase per SLO, named by the SLO's id and scope", () => {
    const suites = all(root, "testsuite");
    // A matrix cell is part of the suite's name, and of its test cases' classname, so cells never merge.
    expect(suites.map((s) => s.attrs.name)).toEqual([
      "coordination-and-cache",
      "tool-latency <baseline> & friends",
      "redis-durability [redis.persistence=none]",
    ]);
    expect(suites.map((s) => testcases(s).map((c) => c.attrs.name))).toEqual([
      ["coordination.latency.p99", "coordination.latency.p50", "cache.hit_ratio [server=redis]"],
      ["server.latency.p50@memory [server=memory]", "server.latency.p95@github [server=github tool=get_issue]", "server.success_rate@github [server=github]"],
      ["redis.rto [server=redis]", "recovery.coordination.rpo [server=redis]", "recovery.audit.rpo [server=postgres]"],
    ]);
    for (const suite of suites) expect(testcases(suite).every((c) => c.attrs.classname === suite.attrs.name)).toBe(true);
    // The objective is never in a name: it changes when a target does.
    for (const c of all(root, "testcase")) expect(c.attrs.name).not.toMatch(/[<>]=?\s*\d/);
  });

  it("keeps a test case's name when its objective changes (a CI keeps a test's history by its name)", () => {
    const changed = sampleRunRecord();
    const slo = changed.scenarios[0]!.slos[2]!;
    slo.objective = "cache hit ratio > 95 %";
    slo.verdict = "pass";
    const names = (r: RunRecord) => all(parseXml(renderJunit(r)), "testcase").map((c) => `${c.attrs.classname} / ${c.attrs.name}`);
    expect(names(changed)).toEqual(names(run));
    const tc = caseNamed(parseXml(renderJunit(changed)), "cache.hit_ratio [server=redis]");
    expect(child(tc, "system-out")!.text).toContain("objective: cache hit ratio > 95 %");
    expect(child(tc, "system-out")!.text).toContain("target: > 95 %");
  });

  it("counts tests, failures, errors and skipped; a case's time is its scenario's measurement window", () => {
    // jenkins-junit.xsd: testsuites has no skipped or timestamp attribute, a testsuite has both.
    expect(root.attrs).toEqual({ name: `mcp-slo-harness ${run.runId}`, tests: "9", failures: "3", errors: "0", time: "240.000" });
    const [first, second, third] = all(root, "testsuite");
    expect(first!.attrs).toMatchObject({ tests: "3", failures: "1", errors: "0", skipped: "0", time: "80.000" });
    expect(second!.attrs).toMatchObject({ tests: "3", failures: "1", errors: "0", skipped: "1", time: "45.000" });
    expect(third!.attrs).toMatchObject({ tests: "3", failures: "1", errors: "0", skipped: "0", time: "110.000" });
    all(root, "testsuite").forEach((suite, i) => {
      const window = run.scenarios[i]!.load!.measuredMs / 1000;
      expect(window).toBeGreaterThan(0);
      for (const c of testcases(suite)) expect(c.attrs.time).toBe(window.toFixed(3));
      const props = Object.fromEntries(child(suite, "properties")!.children.map((p) => [p.attrs.name, p.attrs.value]));
      expect(props).toMatchObject({ file: run.scenarios[i]!.file, profile: "ci", "measurement window s": window.toFixed(3), "fail-on-inconclusive": "false" });
    });
  });

  it("with no load (judged from Prometheus, cold installs) a case's time is the scenario's span", () => {
    const r = sampleRunRecord();
    r.scenarios[0]!.load = null;
    const tc = testcases(all(parseXml(renderJunit(r)), "testsuite")[0]!)[0]!;
    expect(tc.attrs.time).toBe("80.000");
  });

  it("carries what was measured on every case, a pass too, in its system-out", () => {
    for (const scenario of run.scenarios) {
      for (const slo of scenario.slos) {
        const out = child(caseNamed(root, sloName(slo)), "system-out")!.text.split("\n");
        expect(out).toContain(`measured: ${slo.measuredText}`);
        expect(out).toContain(`objective: ${slo.objective}`);
        expect(out).toContain(`samples: ${slo.samples}`);
        expect(out.find((l) => l.startsWith("verdict: "))).toMatch(new RegExp(`^verdict: ${slo.verdict}`));
        expect(out.find((l) => l.startsWith("target: "))).toMatch(/^target: (<|>|<=|>=) \d/);
        expect(out.find((l) => l.startsWith("source: "))).toBe(
          `source: ${slo.source.document}, ${/[,-]/.test(slo.source.lines) ? "lines" : "line"} ${slo.source.lines}`,
        );
      }
    }
    expect(child(caseNamed(root, "coordination.latency.p99"), "system-out")!.text).toContain(
      "target: < 25 ms\nobjective: p99 < 25 ms\nmargin: 6.6 ms to spare",
    );
  });

  it("reports a failed SLO as a slo-breach failure with its source and reason", () => {
    const failure = child(caseNamed(root, "cache.hit_ratio [server=redis]"), "failure")!;
    expect(failure.attrs.type).toBe("slo-breach");
    expect(failure.attrs.message).toBe("measured 98.01 %, objective cache hit ratio > 99 %, margin 0.99 points short");
    expect(failure.text).toContain("source: MCP Enterprise Guide (003_ba5d8098385d04d0.txt), lines 1813, 269, 590, 1234");
    expect(failure.text).toContain("reason: the 95 % interval [97.87 %, 98.14 %] lies entirely below 99 %.");
  });

  it("reports rto and rpo SLOs like any other: a missed RTO is a slo-breach, a met RPO a case with its measurement", () => {
    const prefix = "redis-durability [redis.persistence=none]";
    const rto = caseNamed(root, "redis.rto [server=redis]");
    expect(rto.attrs.classname).toBe(prefix);
    expect(child(rto, "failure")!.attrs).toMatchObject({
      type: "slo-breach",
      message: "measured not recovered in 45 s, objective RTO <= 30 s, margin at least 15 s over",
    });
    expect(child(rto, "failure")!.text).toContain("reason: redis-mcp-kill: no 3 consecutive successful probes within 45 s");
    for (const name of ["recovery.coordination.rpo [server=redis]", "recovery.audit.rpo [server=postgres]"]) {
      expect(caseNamed(root, name).children.map((c) => c.name)).toEqual(["system-out"]);
    }
  });

  it("reports an inconclusive SLO as skipped with its reason as the skipped text, and a pass with no failure", () => {
    const tc = caseNamed(root, "server.latency.p95@github [server=github tool=get_issue]");
    expect(tc.children.map((c) => c.name)).toEqual(["skipped", "system-out"]);
    // jenkins-junit.xsd gives <skipped> no attributes: the reason is its text (Jenkins reads it there).
    expect(child(tc, "skipped")!.attrs).toEqual({});
    expect(child(tc, "skipped")!.text).toMatch(/^inconclusive: only 120 samples.*; measured 101.4 ms, objective p95 < 120 ms$/);
    expect(caseNamed(root, "coordination.latency.p99").children.map((c) => c.name)).toEqual(["system-out"]);
  });

  it("under --fail-on-inconclusive reports an inconclusive SLO as a failure, counted as one", () => {
    const r = parseXml(renderJunit({ ...sampleRunRecord(), failOnInconclusive: true }));
    const tc = caseNamed(r, "server.latency.p95@github [server=github tool=get_issue]");
    expect(tc.children.map((c) => c.name)).toEqual(["failure", "system-out"]);
    expect(child(tc, "failure")!.attrs.type).toBe("inconclusive");
    expect(child(tc, "failure")!.attrs.message).toMatch(/^inconclusive: only 120 samples/);
    expect(r.attrs).toMatchObject({ tests: "9", failures: "4", errors: "0" });
    expect(all(r, "testsuite")[1]!.attrs).toMatchObject({ failures: "2", skipped: "0" });
    expect(
      all(r, "property")
        .filter((p) => p.attrs.name === "fail-on-inconclusive")
        .map((p) => p.attrs.value),
    ).toEqual(["true", "true", "true"]);
  });

  it("keeps two SLOs with the same id and scope apart, in their order", () => {
    const r = sampleRunRecord();
    const s = r.scenarios[0]!;
    s.slos.push({ ...s.slos[0]!, objective: "p99 < 50 ms" });
    const names = testcases(all(parseXml(renderJunit(r)), "testsuite")[0]!).map((c) => c.attrs.name);
    expect(names).toEqual(["coordination.latency.p99", "coordination.latency.p50", "cache.hit_ratio [server=redis]", "coordination.latency.p99 (2)"]);
  });

  it("turns a scenario error into a harness-error failure", () => {
    const broken = sampleRunRecord();
    const scenario = broken.scenarios[1]!;
    scenario.status = "error";
    scenario.error = "server <github> exited with code 1 before initialize";
    scenario.slos = [];
    const r = parseXml(renderJunit({ ...broken, status: "error", verdict: "error" }));
    const failure = caseNamed(r, "scenario").children[0]!;
    expect(failure.attrs).toMatchObject({ type: "harness-error", message: "server <github> exited with code 1 before initialize" });
    expect(all(r, "testsuite")[1]!.attrs).toMatchObject({ tests: "1", failures: "1" });
    expect(r.attrs).toMatchObject({ tests: "7", failures: "3" });
  });

  it("marks an interrupted scenario, or an interrupted run with no scenario saying so, with an error", () => {
    const interrupted = sampleRunRecord();
    interrupted.scenarios[1]!.status = "interrupted";
    const r = parseXml(renderJunit({ ...interrupted, status: "interrupted", verdict: "interrupted" }));
    expect(caseNamed(r, "scenario").children[0]!.name).toBe("error");
    expect(caseNamed(r, "scenario").children[0]!.attrs.type).toBe("interrupted");
    expect(r.attrs.errors).toBe("1");

    const early: RunRecord = { ...sampleRunRecord({ scenarios: [] }), status: "interrupted", verdict: "interrupted" };
    const r2 = parseXml(renderJunit(early));
    expect(caseNamed(r2, "run").children[0]!.attrs.type).toBe("interrupted");
    expect(r2.attrs).toMatchObject({ tests: "1", errors: "1" });
  });

  it("escapes markup and replaces characters XML cannot hold", () => {
    const nasty = sampleRunRecord();
    const slo = nasty.scenarios[0]!.slos[2]!;
    slo.reason = "redis said \u001b[31m<b>\"no\" & 'never'</b>\u001b[0m";
    const xml = renderJunit(nasty);
    const r = parseXml(xml);
    expect(all(r, "testsuite")[1]!.attrs.name).toBe("tool-latency <baseline> & friends");
    const failure = caseNamed(r, "cache.hit_ratio [server=redis]").children[0]!;
    expect(failure.text).toContain("redis said \uFFFD[31m<b>\"no\" & 'never'</b>\uFFFD[0m");
    expect(xml).not.toContain("<b>");
    expect(escapeXml(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  });

  it("the small parser used here rejects what it should", () => {
    expect(() => parseXml("<a><b></a></b>")).toThrow();
    expect(() => parseXml("<a>x & y</a>")).toThrow();
    expect(() => parseXml('<a b="1" b="2"/>')).toThrow();
    expect(() => parseXml("<a/><b/>")).toThrow();
    expect(() => parseXml("<a>\u0001</a>")).toThrow();
  });
});

describe("renderJunit: a security scan", () => {
  const run = securityRunRecord();
  const scan = run.scenarios[0]!.security!;

  it("has one case per server and check, named by check id and server, after the scenario's SLOs", () => {
    const suite = all(parseXml(renderJunit(run)), "testsuite")[0]!;
    const names = testcases(suite).map((c) => c.attrs.name);
    const expected = [
      ...run.scenarios[0]!.slos.map(sloName),
      ...scan.servers.flatMap((s) => [
        ...(s.error ? [`security scan [server=${s.server}]`] : []),
        ...s.checks.map((c) => `security ${c.id} [server=${s.server}]`),
      ]),
    ];
    expect(names).toEqual(expected);
    expect(names.filter((n) => n?.startsWith("security ") && n !== "security scan [server=github]")).toHaveLength(3 * SECURITY_CHECKS.length);
  });

  it("a failed check is a failure carrying its findings worst first, with evidence and how to reproduce", () => {
    const root = parseXml(renderJunit(run));
    const failure = child(caseNamed(root, "security probe.secrets [server=vulnerable]"), "failure")!;
    expect(failure.attrs.type).toBe("security-check");
    expect(failure.attrs.message).toBe(
      "No secret or file content in errors: failed; worst finding [critical] probe.secrets.environment: Quotes an environment value in an error",
    );
    expect(failure.text).toContain("evidence: isError text:");
    expect(failure.text).toContain('reproduce: tools/call lookup {"q":null}');
    const robustness = child(caseNamed(root, "security probe.robustness [server=vulnerable]"), "failure")!;
    expect(robustness.attrs.message).toContain("[high] probe.robustness.malformed");
    // A passed check with an info finding passes, its finding in system-out.
    const memory = caseNamed(root, "security probe.robustness [server=memory]");
    expect(child(memory, "failure")).toBeUndefined();
    expect(child(memory, "system-out")!.text).toContain("[info] probe.robustness.parse-error");
  });

  it("not applicable and not measured are skipped with why; an unfinished scan is an error", () => {
    const root = parseXml(renderJunit(run));
    expect(child(caseNamed(root, "security probe.confinement [server=memory]"), "skipped")!.text).toBe("not applicable: no file or path tool");
    expect(child(caseNamed(root, "security supply.advisories [server=memory]"), "skipped")!.text).toMatch(
      /^not measured: npm's bulk advisory endpoint answers 405/,
    );
    const error = child(caseNamed(root, "security scan [server=github]"), "error")!;
    expect(error.attrs.type).toBe("scan-error");
    expect(error.attrs.message).toMatch(/^the scan of github could not finish: the server did not start/);
  });

  it("under --fail-on-inconclusive a not-measured check fails (it is what leaves a score inconclusive); not applicable stays skipped", () => {
    const strict = parseXml(renderJunit({ ...run, failOnInconclusive: true }));
    const failure = child(caseNamed(strict, "security supply.advisories [server=memory]"), "failure")!;
    expect(failure.attrs.type).toBe("not-measured");
    expect(child(caseNamed(strict, "security probe.confinement [server=memory]"), "skipped")).toBeDefined();
    const notMeasured = scan.servers.flatMap((s) => s.checks).filter((c) => c.status === "not_measured").length;
    const fails = scan.servers.flatMap((s) => s.checks).filter((c) => c.status === "fail").length;
    const sloFails = run.scenarios[0]!.slos.filter((x) => x.verdict !== "pass").length;
    expect(Number(strict.attrs.failures)).toBe(notMeasured + fails + sloFails);
    const lenient = parseXml(renderJunit(run));
    expect(Number(lenient.attrs.failures)).toBe(fails + run.scenarios[0]!.slos.filter((x) => x.verdict === "fail").length);
  });
});
