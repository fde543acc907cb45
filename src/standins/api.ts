/**
 * What a stand-in of a SaaS API is made of: routes that answer the calls an MCP server makes, with
 * payloads taken from the API's own published description wherever one exists. The server that
 * serves them (latency, error rate, loopback only) is src/standins/serve.ts; one process per API
 * (src/standins/main.ts), started by the stack like every other backend and put behind Toxiproxy.
 */
import type { IncomingHttpHeaders } from "node:http";

export interface StandInRequest {
  method: string;
  /** Path without the query string, without the API's basePath. */
  path: string;
  /** Values of the route's `:name` segments (and `*` for a trailing wildcard). */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the request said so and parsed, else the raw text ("" for none). */
  body: unknown;
}

export interface StandInResponse {
  /** Default 200. */
  status?: number;
  /** Serialised as JSON unless a string or Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface StandInRoute {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "HEAD" | "*";
  /** "/repos/:owner/:repo/issues"; a final "/*" matches the rest of the path (params["*"]). */
  path: string;
  respond(req: StandInRequest): StandInResponse | Promise<StandInResponse>;
}

export interface StandInApi {
  /** The name catalog entries use in `upstream.api`, e.g. "github". */
  name: string;
  title: string;
  /** Where the payloads come from, shown in reports (e.g. "examples of @octokit/openapi 23.0.2, api.github.com"). */
  payloads: string;
  /** Prefix every route lives under, e.g. "/v1" (stripped before matching). */
  basePath?: string;
  routes: StandInRoute[];
}
