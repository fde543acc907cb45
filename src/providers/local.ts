/**
 * The embedded default: throwaway Redis and PostgreSQL processes from the machine's packages, on
 * free loopback ports, in temp dirs of the run, with a Toxiproxy process in front of every hop and
 * the SaaS API stand-ins as local processes. assembleStack does the rest.
 */
import { HarnessError } from "../errors.js";
import { startPostgres } from "../stack/local/postgres.js";
import { startRedis } from "../stack/local/redis.js";
import { startToxiproxy } from "../stack/local/toxiproxy.js";
import { startStandIn } from "../standins/start.js";
import { defineProvider } from "./assemble-stack.js";

/** Rejects with an environment error saying what could not start and how to get it. */
function couldNotStart(what: string): (err: unknown) => never {
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    throw new HarnessError("environment", `${what} could not start: ${message.split("\n")[0]}`, {
      details: message.split("\n").slice(1),
      hint: "run `bash scripts/setup.sh` to install the Redis and PostgreSQL servers and build Toxiproxy",
      cause: err,
    });
  };
}

export const localProvider = defineProvider({
  name: "local",
  backends: (registry) => ({
    redis: ({ persistence }) => startRedis({ registry, persistence }).catch(couldNotStart("Redis")),
    postgres: ({ synchronousCommit }) => startPostgres({ registry, synchronousCommit }).catch(couldNotStart("PostgreSQL")),
    // A local process: it reaches the harness's loopback too, so it also holds the agents' HTTP hops.
    toxiproxy: () => startToxiproxy({ registry }).catch(couldNotStart("Toxiproxy")),
    standIn: startStandIn,
  }),
});
