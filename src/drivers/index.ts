/**
 * The registry of load drivers: one module each in this folder, listed here once. The scenario
 * schema's `driver` choices and their description, `--driver`, the checks of what a driver needs
 * and the dispatch all derive from it; a new driver is its module and its line below. The k6
 * binary and the autocannon package are only touched by a run that uses them.
 */
import { autocannonDriver } from "./autocannon-driver.js";
import type { LoadDriver } from "./driver.js";
import { k6Driver } from "./k6-driver.js";
import { sdkDriver } from "./sdk-driver.js";
import { threadsDriver } from "./threads-driver.js";

export const DRIVERS: readonly LoadDriver[] = [sdkDriver, threadsDriver, autocannonDriver, k6Driver];

/** The registry's names, in order: the scenario schema's enum and --driver's choices. */
export const DRIVER_NAMES = DRIVERS.map((d) => d.name);

export const DEFAULT_DRIVER = sdkDriver.name;

/** The driver of a plan (its name was checked against the registry when the scenario was loaded). */
export function driverNamed(name: string): LoadDriver {
  const driver = DRIVERS.find((d) => d.name === name);
  if (!driver) throw new Error(`no load driver "${name}"; the drivers are ${DRIVER_NAMES.join(", ")}`);
  return driver;
}

/** The scenario schema's description of `driver`, from the drivers' own titles and needs. */
export function driverDescription(): string {
  const list = DRIVERS.map((d) => d.title);
  const named = list.length > 1 ? `${list.slice(0, -1).join(", ")} or ${list.at(-1)}` : list.join("");
  const needy = DRIVERS.filter((d) => d.needs.http && d.needs.plainCalls).map((d) => d.name);
  const needs = needy.length ? ` ${needy.join(" and ")} need${needy.length === 1 ? "s" : ""} transport: http and a mix workload.` : "";
  return `Who generates the load: ${named}.${needs}`;
}

/**
 * What a scenario lacks for `driver`: MCP Streamable HTTP endpoints (transport: http), a workload of
 * plain calls. One rule for the scenario file's `driver:` and for `--driver`; each says it in its own words.
 */
export function unmetNeeds(driver: LoadDriver, s: { transport: unknown; workloadPlainCalls: boolean | undefined }): ("transport" | "workload")[] {
  const out: ("transport" | "workload")[] = [];
  if (driver.needs.http && s.transport !== "http") out.push("transport");
  if (driver.needs.plainCalls && s.workloadPlainCalls === false) out.push("workload");
  return out;
}
