/**
 * What a scenario becomes against the compose stack (`--target compose`), and what it cannot ask of
 * it. Every server there speaks Streamable HTTP, so the agents use `transport: http`; the harness
 * did not start the stack's containers, so it does not kill, pause or restart them, and the RPO
 * writers' own hops (harness->postgres) are not among the stack's. Refused before anything runs
 * (exit 2), each with the file and the reason.
 */
import type { Scenario } from "../../contracts/plan.js";
import { HarnessError } from "../../errors.js";

export function forComposeTarget(scenarios: readonly Scenario[]): Scenario[] {
  const problems: string[] = [];
  for (const s of scenarios) {
    const where = `${s.file}: scenario ${s.name}`;
    for (const def of s.servers) {
      if (def.package === "custom") problems.push(`${where}: server "${def.name}" is a command of its own; the compose stack runs the catalog's servers only`);
      else if (def.versionOf)
        problems.push(
          `${where}: server "${def.name}" is version ${def.versionOf.version} of ${def.versionOf.server}; the compose stack runs the installed versions only`,
        );
    }
    for (const f of s.faults) {
      if (f.actsOnProcess)
        problems.push(
          `${where}: fault ${f.id} (${f.kind} on ${f.target}) acts on a process; against --target compose only hop faults act (the containers are not the run's)`,
        );
      else if (f.kind === "stdio") problems.push(`${where}: fault ${f.id} acts on stdio frames; the compose stack's servers are reached over HTTP`);
    }
    if (s.rpo) problems.push(`${where}: rpo writers need their own hop (harness->postgres), which the compose stack's Toxiproxy does not have`);
    const limited = Object.keys(s.serverLimits ?? {});
    if (limited.length)
      problems.push(`${where}: resources (${limited.join(", ")}): the compose stack's containers have the limits docker-compose.yml gives them`);
    if (s.versionSwitch) problems.push(`${where}: a version switch starts another version of a server; the compose stack runs one`);
  }
  // A matrix's cells share their file's servers and faults: each problem is said once.
  const unique = [...new Set(problems)];
  if (unique.length) throw new HarnessError("invalid_input", `${unique.length} scenario problem(s) for --target compose`, { details: unique });
  // A stack by URL: the agents' transport is HTTP whatever the file says; its proxies are always there.
  return scenarios.map((s) => ({ ...s, transport: "http", proxied: true }));
}
