/**
 * A scenario that halted on an SLO's burn rate (scenario `slos[].halt`) says so in every output:
 * summary.md (the attention list and the scenario), junit.xml (a failing `halted` case), report.html
 * (a banner in the scenario and a line in "Needs attention"). The halted result is made by the same
 * functions the run uses (src/slo/burn-rate.ts).
 */
import { describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import type { HaltedResult, RunRecord } from "../results/types.js";
import { haltedText, judgeHalted } from "../slo/burn-rate.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJunit } from "./junit.js";
import { renderSummaryMarkdown } from "./summary-md.js";

function haltedRecord(): { run: RunRecord; halted: HaltedResult } {
  const run = sampleRunRecord();
  const s = run.scenarios[1]!;
  // A plain name: the sample's own holds markup, whose escaping other tests check.
  s.name = "halting-scenario";
  const slo = s.slos.find((x) => x.metric === "success_rate")!;
  const h: Omit<HaltedResult, "text"> = {
    slo: slo.id,
    title: slo.title,
    condition: { burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 1000, everyMs: 250 },
    budget: 0.002,
    atMs: 6125,
    overSinceMs: 5125,
    burnRate: 242.5,
    samples: 1200,
    bad: 582,
    inFlight: 2,
    plannedMs: 12_000,
    measuredMs: 6480,
  };
  const halted = { ...h, text: haltedText(h) };
  s.halted = halted;
  s.slos = judgeHalted(s.slos, halted);
  run.halted = [{ scenario: s.name, slo: halted.slo, atMs: halted.atMs, burnRate: halted.burnRate }];
  run.counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const x of run.scenarios.flatMap((y) => y.slos)) run.counts[x.verdict]++;
  run.verdict = "fail";
  return { run, halted };
}

describe("a halted scenario in the outputs", () => {
  const { run, halted } = haltedRecord();
  const name = run.scenarios[1]!.name;

  it("says when, which SLO and why in one sentence", () => {
    expect(halted.text).toBe(
      `halted 6.13 s into the measurement window of 12.00 s planned: ${halted.slo} burned its error budget at 243x over the last 2.00 s ` +
        "(582 of 1200 calls bad, 2 of them still in flight past their limit; the objective allows 0.2 % bad), at or above 10.0x with at least 20 calls " +
        "for 1.00 s (grace 1.00 s, evaluated every 250 ms); the load stopped, faults were healed, and the window ended after the calls in flight answered or timed out (6.48 s measured)",
    );
  });

  it("summary.md: in Needs attention and in the scenario", () => {
    const md = renderSummaryMarkdown(run);
    expect(md).toContain(`- **Halted**: ${name} halted 6.13 s into the measurement window`);
    expect(md).toContain(`is judged fail on the halt; the other SLOs are judged on the 6.48 s measured before it.`);
    expect(md).toContain("**Halted:** halted 6.13 s");
    expect(md).toContain("halted at 6.13 s;");
  });

  it("junit.xml: a failing halted case, and the halting SLO's case fails", () => {
    const xml = renderJunit(run);
    expect(xml).toMatch(new RegExp(`<testcase name="halted" classname="${name}" time="6\\.125">\\s*<failure message="halted 6\\.13 s[^"]*" type="halted">`));
    expect(xml).toContain('<property name="halted by"');
  });

  it("report.html: a banner in the scenario and a line in Needs attention", async () => {
    const page = await renderHtmlReport(run);
    expect(page).toContain(`<p class="error-box halted" data-halted-slo="${halted.slo}"><strong>Halted.</strong> halted 6.13 s`);
    const attention = page.slice(page.indexOf('id="attention"'), page.indexOf("</section>", page.indexOf('id="attention"')));
    expect(attention).toContain(`<span class="badge fail">Halted</span> <strong>${name}</strong>: halted 6.13 s`);
  });
});
