/**
 * One scenario's section of report.html, for the SRE: what ran (servers,
 * upstream APIs, cold installs, backends), how it answered (availability,
 * latency, charts, errors), a script's tasks per step, and the coordination, cache and load-generator
 * blocks. Fault injection and capacity have their own modules.
 */
import type { LatencySummary, LoadSummary, RunRecord, ScenarioResult } from "../../results/types.js";
import { FAILURE_KIND_WORD, RULES, availabilityRows, callRows, exitHow, harnessDelayText } from "../availability-format.js";
import { formatAt, haltedLine, shapeText } from "../format.js";
import { capacitySection } from "./capacity.js";
import { methodsBlock } from "./methods.js";
import type { ScenarioDerived } from "./derived.js";
import { VERDICT_WORD, badge, breakable, duration, int, kv, ms, pct, variantTag, when } from "./parts.js";
import { recoverySection } from "./recovery.js";
import { resilienceLegend, resilienceSection } from "./resilience.js";
import { securitySection } from "./security.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

/** The verdicts of SLOs scoped to one server: the per-server row a manager reads first. */
function serverVerdicts(s: ScenarioResult, server: string): SafeHtml {
  const own = s.slos.filter((x) => x.scope.server === server);
  if (own.length === 0) return html`<span class="muted small">none scoped to it</span>`;
  // Compact: the badge and the SLO id (without the "@server" it is scoped to); the rest on hover.
  return html`${own.map((x) => html`<div class="nowrap" title="${`${x.title}: ${x.objective}, measured ${x.measuredText}`}">${badge(x.verdict)} <code class="small">${x.id.replace(/@[^@]+$/, "")}</code></div>`)}`;
}

/** Where a server's sessions ran: host processes, containers (engine, image digest, limits), or a deployment by URL. */
function runsOnCell(srv: ScenarioResult["servers"][number]): SafeHtml | string {
  const r = srv.runsOn;
  if (r === undefined || r.kind === "host-process") return "host process";
  if (r.kind === "url") return html`url target: <code>${r.url}</code>`;
  const limits = [
    r.limits?.cpus !== undefined && `${r.limits.cpus} CPU`,
    r.limits?.memoryBytes !== undefined && `${(r.limits.memoryBytes / 1024 ** 2).toFixed(0)} MiB`,
  ].filter(Boolean);
  const ids = r.containers.map((id) => id.slice(0, 12));
  return html`containers (${r.engine}): <code>${r.image}</code><div><code title="${r.imageDigest}">${r.imageDigest.slice(0, 19)}</code></div>${
    // Only limits the run set: a compose stack's own (its file's) are not read, so "none" would be a guess.
    limits.length ? html`<div>limits: ${limits.join(", ")}</div>` : ""
  }${ids.length ? html`<details><summary>${int(ids.length)} container(s)</summary><code>${ids.join(" ")}</code></details>` : ""}`;
}

function serversTable(s: ScenarioResult): SafeHtml | string {
  if (s.servers.length === 0) return "";
  const rows = s.servers.map(
    (srv) => html`<tr>
  <td><strong>${srv.name}</strong>${srv.upstream === "stand-in" ? html` <span class="tag">stand-in</span>` : srv.upstream === "live" ? html` <span class="tag">live API</span>` : ""}</td>
  <td><code class="package">${breakable(srv.package, { after: "/" })}<wbr>@${srv.version}</code></td>
  <td>${srv.transport}</td>
  <td class="small runs-on">${runsOnCell(srv)}</td>
  <td class="num">${ms(srv.startToReadyMs.p50)} ms</td>
  <td class="num">${ms(srv.startToReadyMs.max)} ms</td>
  <td class="num">${int(srv.startToReadyMs.sessions)}</td>
  <td>${srv.upstream}</td>
  <td>${serverVerdicts(s, srv.name)}</td>
  <td class="small">${srv.tools.length > 6 ? html`<details><summary>${int(srv.tools.length)} tools</summary>${srv.tools.join(", ")}</details>` : srv.tools.join(", ")}</td>
</tr>`,
  );
  return html`<h3>Servers</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Package</th><th>Transport</th><th>Ran on</th><th class="num">Start to ready p50</th><th class="num">max</th><th class="num">Sessions</th><th>Upstream</th><th>Verdicts</th><th>Tools</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>${upstreamsTable(s)}`;
}

function upstreamsTable(s: ScenarioResult): SafeHtml | string {
  if (!s.upstreams?.length) return "";
  const rows = s.upstreams.map((u) => {
    const b = u.behaviour;
    const behaviour =
      b && (b.latency || b.errorRate)
        ? [
            b.latency && `added latency median ${b.latency.medianMs} ms, p95 ${b.latency.p95Ms} ms`,
            b.errorRate && `${(b.errorRate * 100).toFixed(2)} % errors (${b.errorStatus ?? 503})`,
          ]
            .filter(Boolean)
            .join("; ")
        : u.mode === "stand-in"
          ? "no added latency or errors"
          : "";
    const answers = u.byStatus
      ? Object.entries(u.byStatus)
          .map(([code, n]) => `${code}: ${int(n)}`)
          .join(", ")
      : "";
    return html`<tr>
  <td><strong>${u.api}</strong> ${u.mode === "stand-in" ? html`<span class="tag">stand-in</span>` : html`<span class="tag">live API</span>`}</td>
  <td>${u.title}${u.payloads ? html`<div class="small muted">payloads: ${u.payloads}</div>` : ""}</td>
  <td>${u.servers.join(", ")}</td>
  <td class="small">${behaviour}</td>
  <td class="num">${u.requests === undefined ? "" : int(u.requests)}</td>
  <td class="small">${answers}${u.unmatched?.length ? html`<div class="small">no route for: ${u.unmatched.join("; ")}</div>` : ""}</td>
</tr>`;
  });
  return html`<h3>Upstream APIs</h3>
<p class="small muted">Servers that call a SaaS API ran against ${s.upstreams.every((u) => u.mode === "stand-in") ? "local stand-ins (offline): their results check the MCP server and the stack, not the vendor's service" : "the APIs shown"}.</p>
<div class="table-wrap"><table>
  <thead><tr><th>API</th><th>What answered</th><th>Servers</th><th>Behaviour</th><th class="num">Requests</th><th>Answers</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

/** Cold installs (workload kind install): one row per server, registry download included. */
function installTable(s: ScenarioResult): SafeHtml | string {
  if (!s.install?.length) return "";
  const word = { installed: "installed", timeout: "stopped at the limit", failed: "failed" } as const;
  const rows = s.install.map(
    (i) => html`<tr>
  <td><strong>${i.server}</strong></td>
  <td><code class="package">${i.package}@${i.version}</code> <span class="muted small">(${i.registry})</span></td>
  <td>${word[i.outcome]}${i.error ? html`<div class="small">${i.error.split("\n")[0] ?? ""}</div>` : ""}</td>
  <td class="num">${(i.installMs / 1000).toFixed(1)} s</td>
  <td class="num">${i.startToReadyMs === null ? html`<span class="muted small">${i.note ?? "not started"}</span>` : `${ms(i.startToReadyMs)} ms`}</td>
  <td class="small"><code>${i.command}</code></td>
</tr>`,
  );
  return html`<h3>Cold installs</h3>
<p class="small muted">Each server installed from its registry into empty directories and caches, one after another: the time includes the download.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Package</th><th>Outcome</th><th class="num">Install time</th><th class="num">Fresh copy: start to ready</th><th>Command</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function backendsTable(s: ScenarioResult): SafeHtml | string {
  if (s.backends.length === 0) return "";
  const rows = s.backends.map((b) => {
    const settings = Object.entries(b.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return html`<tr><td>${b.kind}</td><td>${b.version}</td><td><code>${b.endpoint}</code></td><td class="small">${settings}</td></tr>`;
  });
  return html`<h3>Backends</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Kind</th><th>Version</th><th>Endpoint</th><th>Settings</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function latencyTable(latency: LatencySummary[]): SafeHtml | string {
  if (latency.length === 0) return "";
  const order = { ok: 0, error: 1, timeout: 2 } as const;
  const sorted = [...latency].sort((a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool) || order[a.outcome] - order[b.outcome]);
  const rows = sorted.map(
    (l) => html`<tr class="outcome-${l.outcome}">
  <td>${l.server}</td><td>${l.tool}</td><td>${l.outcome === "ok" ? "ok" : html`<span class="badge fail">${l.outcome}</span>`}</td>
  <td class="num">${ms(l.p50)}</td><td class="num">${ms(l.p95)}</td><td class="num">${ms(l.p99)}</td><td class="num">${ms(l.p99_9)}</td>
  <td class="num">${ms(l.max)}</td><td class="num">${ms(l.mean)}</td><td class="num">${int(l.count)}</td>
</tr>`,
  );
  return html`<h3>Latency (ms)</h3>
<p class="small muted">From the moment each call was meant to be sent, so a stalled server cannot hide its stall. Warm-up calls are excluded.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th>Outcome</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th class="num">mean</th><th class="num">count</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

/**
 * Session churn: each server's session setup (method initialize) above its tool calls' latency, so
 * the setup cost reads beside the call cost; then what the churn opened and closed.
 */
function sessionsBlock(s: ScenarioResult): SafeHtml | string {
  const x = s.sessions;
  if (!x) return "";
  const rows = x.initialize.flatMap((i) => {
    const calls = s.latency.filter((l) => l.server === i.server && l.outcome === "ok");
    return [
      html`<tr class="initialize">
  <td><strong>${i.server}</strong></td><td><strong>initialize</strong> <span class="muted small">session setup</span></td>
  <td class="num">${ms(i.p50)}</td><td class="num">${ms(i.p95)}</td><td class="num">${ms(i.p99)}</td><td class="num">${ms(i.max)}</td><td class="num">${ms(i.mean)}</td>
  <td class="num">${int(i.ok)}</td><td class="num">${i.failed + i.timeouts > 0 ? html`<span class="badge fail">${int(i.failed + i.timeouts)}</span>` : "0"}</td>
</tr>`,
      ...calls.map(
        (l) => html`<tr>
  <td>${l.server}</td><td>call ${l.tool}</td>
  <td class="num">${ms(l.p50)}</td><td class="num">${ms(l.p95)}</td><td class="num">${ms(l.p99)}</td><td class="num">${ms(l.max)}</td><td class="num">${ms(l.mean)}</td>
  <td class="num">${int(l.count)}</td><td class="num">${int(s.latency.filter((e) => e.server === l.server && e.tool === l.tool && e.outcome !== "ok").reduce((n, e) => n + e.count, 0))}</td>
</tr>`,
      ),
    ];
  });
  const facts = [
    `${int(x.opened)} sessions opened by churn over the run (${int(x.failed)} setups failed), ${int(x.closed)} replaced sessions closed`,
    x.close ? `closing one took ${ms(x.close.p50)} ms (p50), ${ms(x.close.max)} ms at most` : "none closed",
    x.callsPerSession !== null
      ? `${x.callsPerSession.toFixed(2)} calls per new session in the window`
      : x.initialize.some((i) => i.ok > 0)
        ? "no calls per session: agents that stay keep their sessions"
        : "no session set up in the window",
    `at most ${int(x.peakOpen)} agent sessions open at once`,
  ];
  return html`<h3>Session setup beside the calls (ms)</h3>
<p class="small muted">Sessions churn: ${x.churn}. ${x.definition}</p>
<div class="table-wrap"><table class="sessions">
  <thead><tr><th>Server</th><th>Operation</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th><th class="num">mean</th><th class="num">ok</th><th class="num">failed</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>
<p class="small">${facts.join("; ")}.</p>`;
}

/** More servers than this and each server gets its own charts: one chart of 16 series and a legend half its height reads as noise. */
export const MANY_SERVERS = 2;

function canvas(si: number, chart: string, label: string, server?: string): SafeHtml {
  return html`<canvas data-scenario="${si}" data-chart="${chart}"${server === undefined ? "" : html` data-server="${server}"`} role="img" aria-label="${label}"></canvas>`;
}

function figure(caption: string, body: SafeHtml, cls = ""): SafeHtml {
  return html`<figure${cls ? html` class="${cls}"` : ""}><figcaption>${caption}</figcaption><div class="chart">${body}</div></figure>`;
}

/** Latency and throughput over time, the latency distribution, and what the charts mark (targets, partial buckets, clipped warm-up). */
function charts(s: ScenarioResult, si: number, d: ScenarioDerived): SafeHtml | string {
  if (s.timeline.points.length === 0 && d.spectra.length === 0) return "";
  const seconds = (s.timeline.intervalMs / 1000).toString();
  const servers = [...new Set([...s.servers.map((x) => x.name), ...s.timeline.points.map((p) => p.server)])];
  const hasTimeline = s.timeline.points.length > 0;
  const perServer = servers.length > MANY_SERVERS;
  const parts: SafeHtml[] = [];
  if (perServer) {
    const rows = servers.map((name) => {
      const spectrum = d.spectra.some((x) => x.name === name);
      return html`<div class="server-charts" data-server="${name}"><h4>${name}</h4><div class="charts three">
  ${hasTimeline ? figure("Latency p50 and p99 (ms)", canvas(si, "latency", `Latency p50 and p99 over time of ${name}`, name)) : ""}
  ${hasTimeline ? figure(`Ok calls/s and errors/s (${seconds} s buckets)`, canvas(si, "throughput", `Throughput and errors over time of ${name}`, name)) : ""}
  ${spectrum ? figure("Latency distribution (ms by percentile)", canvas(si, "spectrum", `Latency by percentile of ${name}`, name)) : ""}
</div></div>`;
    });
    parts.push(html`<p class="small muted">${int(servers.length)} servers: one row of charts each.</p>${rows}`);
  } else {
    parts.push(html`<div class="charts">
  ${hasTimeline ? figure("Latency p50 and p99 over time (ms)", canvas(si, "latency", "Latency p50 and p99 over time per server")) : ""}
  ${hasTimeline ? figure(`Throughput (ok/s) and errors/s, ${seconds} s buckets`, canvas(si, "throughput", "Throughput and errors over time per server")) : ""}
  ${d.spectra.length > 0 ? figure("Latency distribution: ms by percentile, whole window", canvas(si, "spectrum", "Latency by percentile per server")) : ""}
</div>`);
  }
  return html`<h3>Charts</h3>${parts}
<p class="small muted chart-notes">Dashed horizontal lines are the SLO targets (red when missed, amber when inconclusive, green when met); a target judges the whole window, a line over time only shows where buckets stood.
  The last bucket of the window is usually shorter than ${seconds} s: its rate is scaled to its real length and drawn hollow, dashed, not as a drop.
  The y-axis fits the measurement window: a warm-up spike above it is clipped and says so.${s.timeline.planned?.length ? ` The dotted grey line is the planned load shape (${s.load?.shape?.unit ?? "target"}), each bucket's mean over its real length; the latency chart shares its time axis, so a ramp or a spike lines up in both.` : ""}
  The distribution counts ok calls and timeouts (a timeout at its deadline), as the latency verdicts do.${s.timeline.harnessDelay?.length ? ` The dotted black line on the latency chart is the harness's own event-loop delay p99 per ${seconds} s bucket (the whole window's is in the load table): a sample of that bucket can be too long by about that much, never too short.` : ""}</p>
${d.problems.length > 0 ? html`<p class="warn-box small">${d.problems.join("; ")}</p>` : ""}
${faultLegend(s)}
${resilienceLegend(s)}
<noscript><p class="small muted">Charts need JavaScript; every figure they show is also in the tables.</p></noscript>`;
}

function faultLegend(s: ScenarioResult): SafeHtml | string {
  if (!(s.faults ?? []).some((f) => f.injected && f.injectedAtMs !== null)) return "";
  return html`<p class="small muted fault-legend"><span class="swatch recovered"></span> fault active, recovered
  <span class="swatch not-recovered"></span> fault active, not recovered (shaded from injection to heal, or to the end when never healed)
  <span class="swatch recovery-line"></span> recovered: first of the consecutive successful probes</p>`;
}

function errorsTable(s: ScenarioResult): SafeHtml {
  if (s.errors.length === 0) return html`<h3>Errors</h3><p class="muted">No failed calls.</p>`;
  const rows = [...s.errors]
    .sort((a, b) => b.count - a.count)
    .map(
      (x) =>
        html`<tr><td>${x.server}</td><td>${x.tool}</td><td>${x.kind ? FAILURE_KIND_WORD[x.kind] : "-"}</td><td><span class="badge fail">${x.outcome}</span></td><td class="num">${int(x.count)}</td><td class="message"><code>${x.message}</code></td></tr>`,
    );
  return html`<h3>Errors</h3>
<p class="small muted">${RULES.failureKinds}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th>Kind</th><th>Outcome</th><th class="num">Count</th><th>Message</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

/** A script's agent tasks and where they stopped, step by step (workload kind script). */
function scriptTable(s: ScenarioResult): SafeHtml | string {
  const sc = s.script;
  if (!sc) return "";
  const warn = (n: number) => (n > 0 ? "num warn" : "num");
  const rows = sc.steps.map(
    (st) =>
      html`<tr><td><strong>${st.name}</strong></td><td>${st.server}</td><td>${st.tool}</td><td class="num">${int(st.calls)}</td><td class="num">${int(st.ok)}</td><td class="${warn(st.failed)}">${int(st.failed)}</td><td class="${warn(st.broken)}">${int(st.broken)}</td><td class="${warn(st.unexpected)}">${int(st.unexpected)}</td><td class="message small">${st.examples.length ? html`<code>${st.examples.join("\n")}</code>` : ""}</td></tr>`,
  );
  const done = sc.tasks.started > 0 ? sc.tasks.completed / sc.tasks.started : null;
  return html`<h3>Agent tasks (script)</h3>
<p class="definition">${sc.definition}</p>
${kv([
  ["tasks started", int(sc.tasks.started)],
  ["tasks completed", `${int(sc.tasks.completed)} (${pct(done)})`, sc.tasks.completed < sc.tasks.started ? "warn" : undefined],
])}
<div class="table-wrap"><table class="script-steps">
  <thead><tr><th>Step</th><th>Server</th><th>Tool</th><th class="num">Calls</th><th class="num">OK</th><th class="num">Failed</th><th class="num">Broken chain</th><th class="num">Unexpected</th><th>Examples</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function coordinationBlock(s: ScenarioResult, si: number, d: ScenarioDerived): SafeHtml | string {
  const c = s.coordination;
  if (!c) return "";
  return html`<div class="block"><h3>Coordination latency</h3>
<p class="definition">${c.definition}</p>
${kv([
  ["p50", `${ms(c.p50)} ms`],
  ["p95", `${ms(c.p95)} ms`],
  ["p99", `${ms(c.p99)} ms`],
  ["mean", `${ms(c.mean)} ms`],
  ["samples", int(c.samples)],
  ["timeouts", int(c.timeouts), c.timeouts > 0 ? "warn" : undefined],
  ["mean read latency (resolution)", `${ms(c.meanReadLatencyMs)} ms`],
])}
${d.coordinationSpectrum ? figure("Coordination latency by percentile (ms), with its targets", canvas(si, "coordination", "Coordination latency by percentile, with its targets")) : ""}</div>`;
}

function cacheBlock(s: ScenarioResult, si: number): SafeHtml | string {
  const k = s.cache;
  if (!k) return "";
  return html`<div class="block"><h3>Cache hit ratio</h3>
<p class="definition">${k.definition}</p>
<div class="table-wrap"><table class="narrow">
  <thead><tr><th>Counted by</th><th class="num">Hits</th><th class="num">Misses</th><th class="num">Ratio</th></tr></thead>
  <tbody>
    <tr><td>client</td><td class="num">${int(k.client.hits)}</td><td class="num">${int(k.client.misses)}</td><td class="num">${pct(k.client.ratio)}</td></tr>
    <tr><td>Redis <code>INFO stats</code> (delta)</td><td class="num">${int(k.redisInfo.hits)}</td><td class="num">${int(k.redisInfo.misses)}</td><td class="num">${pct(k.redisInfo.ratio)}</td></tr>
  </tbody>
</table></div>
${kv([
  ["the two counts agree", k.agree ? "yes" : "no: something else touched this Redis, or the client miscounted", k.agree ? undefined : "warn"],
  ["keys", int(k.keys)],
  ["Zipf exponent", String(k.zipfExponent)],
])}
${figure("Hit ratio, both counts, against the target", canvas(si, "cache", "Cache hit ratio counted by the client and by Redis, with its target"), "cache-figure")}</div>`;
}

function loadBlock(load: LoadSummary | null): SafeHtml | string {
  if (!load) return "";
  const lateShare = load.offered > 0 ? load.lateSends / load.offered : 0;
  const droppedShare = load.offered > 0 ? load.dropped / load.offered : 0;
  // Above 1 % late or dropped, or a saturated core, the generator rather than the server may be the limit;
  // with load threads, in any one of them (each sends for its own agents).
  const threadLimited = (load.threads ?? []).some((t) => (t.offered > 0 && (t.lateSends + t.dropped) / t.offered > 0.01) || t.cpu >= 0.9);
  const limited = lateShare + droppedShare > 0.01 || load.generatorCpu >= 0.9 || threadLimited;
  const model = load.shape ? `${load.model}, shaped: ${shapeText(load.shape)}` : load.model === "open" ? `open, ${load.rate ?? "–"} calls/s target` : "closed";
  return html`<div class="block"><h3>Load generator health</h3>
${limited ? html`<p class="warn-box">The load generator may have been the limit in this scenario: throughput verdicts here cannot be trusted.</p>` : ""}
${kv([
  ["model", model],
  ["agents", int(load.agents)],
  ["window measured", `${(load.measuredMs / 1000).toFixed(1)} s (warm-up ${(load.warmupMs / 1000).toFixed(0)} s)`],
  ["offered", int(load.offered)],
  ["completed", int(load.completed)],
  ["throughput", `${load.throughput.toFixed(1)} ok/s`],
  ["late sends", `${int(load.lateSends)} (${pct(lateShare)}, > ${load.lateThresholdMs} ms late)`, lateShare > 0.01 ? "warn" : undefined],
  ["dropped", `${int(load.dropped)} (${pct(droppedShare)})`, droppedShare > 0.01 ? "warn" : undefined],
  [
    "generator CPU",
    `${(load.generatorCpu * 100).toFixed(0)} % of one core${load.threads ? " (the busiest load thread)" : ""}`,
    load.generatorCpu >= 0.9 ? "warn" : undefined,
  ],
  ...(load.threads
    ? [
        [
          "load threads",
          load.threads
            .map(
              (t) =>
                `thread ${t.thread}: ${int(t.agents)} agents, ${int(t.offered)} sent, ${int(t.lateSends + t.dropped)} late or dropped, ${(t.cpu * 100).toFixed(0)} % CPU, delay p99 ${t.eventLoopDelayP99Ms.toFixed(1)} ms`,
            )
            .join("; "),
          threadLimited ? "warn" : undefined,
        ] as [string, string, string | undefined],
      ]
    : []),
  ["harness event-loop delay p99", harnessDelayText(load)],
  ...(load.outsideCpu ? [["machine busy outside the run", `${load.outsideCpu.cores.toFixed(2)} of ${load.outsideCpu.cpus} cores`] as [string, string]] : []),
])}</div>`;
}

/** Availability by load and by probe, raw and corrected call counts, and server processes that exited. */
function availabilityBlock(s: ScenarioResult): SafeHtml[] {
  const parts: SafeHtml[] = [];
  const a = s.availability;
  if (a && a.figures.length > 0) {
    const rows = availabilityRows(a.figures).map(
      (r) =>
        html`<tr><td><strong>${r.server}</strong></td><td class="num">${r.loadShare}</td><td class="small">${r.loadTime}</td><td class="num">${r.probeShare}</td><td class="small">${r.probeCounts}</td><td>${r.judgedBy}</td></tr>`,
    );
    parts.push(html`<h3>Availability</h3>
<p class="definition">${a.definition}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th class="num">Load</th><th>Load basis</th><th class="num">Probe</th><th>Probe basis</th><th>Judged by</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`);
  }
  if (s.calls?.length) {
    const rows = callRows(s.calls).map(
      (r) =>
        html`<tr><td>${r.server}</td><td>${r.tool}</td><td class="num">${r.ok}</td><td class="num">${r.tool_}</td><td class="num">${r.protocol}</td><td class="num">${r.transport}</td><td class="num">${r.missed}</td><td class="num">${r.raw}</td><td class="num">${r.corrected}</td></tr>`,
    );
    parts.push(html`<h3>Calls: raw and corrected</h3>
<p class="small muted">${RULES.correctedCounts} Here: ${a?.correctionNote ?? ""}.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th class="num">Ok</th><th class="num">Tool errors</th><th class="num">Protocol errors</th><th class="num">Transport failures</th><th class="num">Missed (not sent)</th><th class="num">Success raw</th><th class="num">Success corrected</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`);
  }
  if (s.serverExits?.length) {
    const rows = s.serverExits.map(
      (x) =>
        html`<tr><td><code>${x.session}</code></td><td class="num">${formatAt(x.atMs)}</td><td>${exitHow(x)}</td><td class="message"><code>${x.stderr.join("\n") || "(nothing)"}</code></td></tr>`,
    );
    parts.push(html`<h3>Server processes that exited</h3>
<p class="small muted">Every server process that exited while the scenario ran, fault or not; times from the start of the measurement window. ${RULES.deadSessions}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Session</th><th class="num">At</th><th>How</th><th>Last stderr</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`);
  }
  return parts;
}

export function scenarioSection(s: ScenarioResult, si: number, d: ScenarioDerived): SafeHtml {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const slo of s.slos) counts[slo.verdict]++;
  const statusBox =
    s.status === "error"
      ? html`<p class="error-box"><strong>Scenario error.</strong> ${s.error ?? "unknown error"}</p>`
      : s.status === "interrupted"
        ? html`<p class="error-box"><strong>Interrupted.</strong> This scenario did not finish; what follows rests on partial data.</p>`
        : "";
  // Load sent off this machine (--allow-hosts): said at the top, where nobody misses it.
  const offLoopbackBox = s.offLoopback
    ? html`<p class="error-box off-loopback" data-off-loopback="${s.offLoopback.hosts.join(",")}"><strong>Off loopback.</strong> This scenario sent its load to ${s.offLoopback.hosts.join(", ")} (allowed by --allow-hosts), not to servers on this machine.</p>`
    : "";
  const haltBox = s.halted ? html`<p class="error-box halted" data-halted-slo="${s.halted.slo}"><strong>Halted.</strong> ${haltedLine(s.halted)}</p>` : "";
  const verdict: RunRecord["verdict"] = s.status !== "completed" ? s.status : counts.fail > 0 ? "fail" : counts.inconclusive > 0 ? "inconclusive" : "pass";
  return html`<section class="card scenario" id="scenario-${si}">
  <h2>${s.name}${variantTag(s)} <span class="badge ${verdict === "interrupted" ? "error" : verdict}">${VERDICT_WORD[verdict]}</span></h2>
  <p class="muted">${s.description}</p>
  <p class="small muted"><code>${s.file}</code> · profile ${s.profile} · ${when(s.startedAt)} · ${duration(s.startedAt, s.endedAt)} ·
    ${counts.pass} pass, ${counts.fail} fail, ${counts.inconclusive} inconclusive</p>
  ${statusBox}
  ${offLoopbackBox}
  ${haltBox}
  ${securitySection(s, si)}
  ${recoverySection(s, si)}
  ${resilienceSection(s, si)}
  ${capacitySection(s, si)}
  ${installTable(s)}
  ${serversTable(s)}
  ${backendsTable(s)}
  ${joinHtml(availabilityBlock(s), "\n")}
  ${latencyTable(s.latency)}
  ${methodsBlock(s)}
  ${sessionsBlock(s)}
  ${charts(s, si, d)}
  ${errorsTable(s)}
  ${scriptTable(s)}
  <div class="blocks">${coordinationBlock(s, si, d)}${cacheBlock(s, si)}${loadBlock(s.load)}</div>
</section>`;
}
