/** The autocannon driver: not built yet. */
import type { ExternalDriver } from "./external.js";

export const autocannonDriver: ExternalDriver = {
  name: "autocannon",
  runPhase: () => Promise.reject(new Error("the autocannon driver is not built yet")),
};
