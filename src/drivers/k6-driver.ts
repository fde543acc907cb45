/** The k6 driver: not built yet. */
import type { ExternalDriver } from "./external.js";

export const k6Driver: ExternalDriver = {
  name: "k6",
  runPhase: () => Promise.reject(new Error("the k6 driver is not built yet")),
};
