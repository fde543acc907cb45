import { describe, expect, it } from "vitest";
import { DEFAULT_PROVIDER, loadProvider, PROVIDER_NAMES } from "./registry.js";

describe("provider registry", () => {
  it("every provider loads under the name it says it has; the default is one of them", async () => {
    expect(PROVIDER_NAMES).toEqual(["local", "docker"]);
    expect(PROVIDER_NAMES).toContain(DEFAULT_PROVIDER);
    for (const name of PROVIDER_NAMES) {
      const provider = await loadProvider(name);
      expect(provider.name).toBe(name);
      expect(typeof provider.start).toBe("function");
    }
  });
});
