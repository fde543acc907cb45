import { afterEach, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { seededRng } from "../util/random.js";
import type { StandInApi } from "./api.js";
import { createStandInServer, listenStandIn, logNormalSampler } from "./serve.js";

const api: StandInApi = {
  name: "test",
  title: "Test API",
  payloads: "written in this test",
  basePath: "/api/v3",
  routes: [
    { method: "GET", path: "/repos/:owner/:repo", respond: (r) => ({ body: { full_name: `${r.params.owner}/${r.params.repo}`, q: r.query.get("q") } }) },
    { method: "POST", path: "/echo", respond: (r) => ({ status: 201, body: { got: r.body } }) },
    { method: "GET", path: "/raw/*", respond: (r) => ({ body: `raw ${r.params["*"]}`, headers: { "content-type": "text/plain" } }) },
    {
      method: "GET",
      path: "/boom",
      respond: () => {
        throw new Error("kaboom");
      },
    },
  ],
};

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(behaviour = {}) {
  const logged: string[] = [];
  const made = createStandInServer(api, behaviour, (l) => logged.push(l));
  server = made.server;
  const port = await listenStandIn(made.server, "127.0.0.1", 0);
  return { base: `http://127.0.0.1:${port}`, stats: made.stats, logged };
}

describe("stand-in server", () => {
  it("routes by method and path under the base path, with params, query, JSON bodies and wildcards", async () => {
    const { base, stats } = await serve();
    expect(await (await fetch(`${base}/api/v3/repos/octo/hello?q=x`)).json()).toEqual({ full_name: "octo/hello", q: "x" });
    const posted = await fetch(`${base}/api/v3/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ a: 1 }) });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toEqual({ got: { a: 1 } });
    expect(await (await fetch(`${base}/api/v3/raw/a/b/c.txt`)).text()).toBe("raw a/b/c.txt");
    const head = await fetch(`${base}/api/v3/repos/o/r`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(stats()).toMatchObject({ requests: 4, byStatus: { "200": 3, "201": 1 }, injectedErrors: 0, unmatched: [] });
  });

  it("answers an unknown route 404 and logs it once; a throwing route is a 500 naming the route", async () => {
    const { base, stats, logged } = await serve();
    expect((await fetch(`${base}/api/v3/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/api/v3/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/api/v3/repos/o/r`, { method: "DELETE" })).status).toBe(404);
    expect(stats().unmatched).toEqual(["GET /api/v3/nothing", "DELETE /api/v3/repos/o/r"]);
    expect(logged.filter((l) => l.includes("no route"))).toHaveLength(2);
    const boom = await fetch(`${base}/api/v3/boom`);
    expect(boom.status).toBe(500);
    expect(logged.some((l) => l.includes("kaboom"))).toBe(true);
  });

  it("injects errors at the configured rate, from a seed", async () => {
    const { base, stats } = await serve({ errorRate: 0.3, seed: 7 });
    const codes: number[] = [];
    for (let i = 0; i < 200; i++) codes.push((await fetch(`${base}/api/v3/repos/o/r`)).status);
    const errors = codes.filter((c) => c === 503).length;
    expect(errors).toBe(stats().injectedErrors);
    // Binomial(200, 0.3): mean 60, sd 6.5; 35..85 is nearly 4 sd either side.
    expect(errors).toBeGreaterThan(35);
    expect(errors).toBeLessThan(85);
  });

  it("adds log-normal latency with the configured median and p95", async () => {
    const sample = logNormalSampler(20, 80, seededRng(3));
    const xs = Array.from({ length: 20_000 }, sample).sort((a, b) => a - b);
    expect(xs[10_000]!).toBeGreaterThan(19);
    expect(xs[10_000]!).toBeLessThan(21);
    expect(xs[19_000]!).toBeGreaterThan(76);
    expect(xs[19_000]!).toBeLessThan(84);
    expect(() => logNormalSampler(50, 10, seededRng(1))).toThrow(/median <= p95/);

    const { base } = await serve({ latency: { medianMs: 30, p95Ms: 40 } });
    const t0 = performance.now();
    await fetch(`${base}/api/v3/repos/o/r`);
    expect(performance.now() - t0).toBeGreaterThan(15);
  });
});
