/**
 * The live probes of a security scan (issue 14, item 4) against one running server: what an agent
 * can make it do, each probe with a canary of its own and a verdict read from the effect (a file
 * outside the root, a table, a key, a dead process), never from the server's answer.
 *
 * Order: read-only first (its snapshots want the stores untouched), then confinement, injection,
 * robustness (the likeliest to kill the server), and secrets last (it searches what every other
 * probe was answered). A server that dies or hangs is restarted through ctx.restartSession so the
 * rest still runs; every death or hang is a probe.robustness finding. The HTTP checks
 * (probe.http) are not here. Every text of every outcome is masked: a handed secret never appears
 * in one, only the name of the variable it was handed in.
 */
import type { ProbeOutcome } from "../model.js";
import { probeConfinement } from "./confinement.js";
import { maskOutcome, ProbeSession, type ProbeContext } from "./context.js";
import { probeInjection } from "./injection.js";
import { probeReadOnly } from "./read-only.js";
import { livenessFinding, probeRobustness } from "./robustness.js";
import { probeSecrets } from "./secrets.js";

export type { ProbeContext, ProbeSecret } from "./context.js";
export { PROBE_SECRET_ENV, withProbeCanaries } from "./secrets.js";

const PROBES: { check: ProbeOutcome["check"]; name: string; run: (s: ProbeSession) => Promise<ProbeOutcome[]> }[] = [
  { check: "probe.read-only", name: "read-only", run: probeReadOnly },
  { check: "probe.confinement", name: "confinement", run: probeConfinement },
  { check: "probe.injection", name: "injection", run: probeInjection },
  { check: "probe.robustness", name: "robustness", run: probeRobustness },
  { check: "probe.secrets", name: "secrets", run: probeSecrets },
];

/**
 * Runs every probe against ctx.session's server. A probe that cannot run (a store unreachable, the
 * server cannot be restarted) is `not_measured` with why; an abort (ctx.signal) rejects.
 * Returns the session in use at the end (a restart replaces ctx.session): the caller closes it.
 */
export async function runProbes(ctx: ProbeContext): Promise<ProbeOutcome[]> {
  return (await runProbesWithSession(ctx)).outcomes;
}

export async function runProbesWithSession(ctx: ProbeContext): Promise<{ outcomes: ProbeOutcome[]; session: ProbeSession }> {
  const session = new ProbeSession(ctx);
  const outcomes: ProbeOutcome[] = [];
  for (const probe of PROBES) {
    ctx.signal.throwIfAborted();
    try {
      outcomes.push(...(await probe.run(session)));
    } catch (err) {
      ctx.signal.throwIfAborted();
      outcomes.push({ probe: probe.name, check: probe.check, status: "not_measured", detail: `the probe could not run: ${(err as Error).message}` });
    }
  }
  outcomes.push(...session.events.map(livenessFinding));
  return { outcomes: outcomes.map((o) => maskOutcome(o, ctx.secrets)), session };
}
