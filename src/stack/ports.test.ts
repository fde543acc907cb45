import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { AddressInUseError, freeLoopbackPort, isAddressInUse, withPortRetry } from "./ports.js";

describe("ports", () => {
  it("freeLoopbackPort returns a port one can listen on", async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(1023);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((r) => server.close(r));
  });

  it("withPortRetry retries on address-in-use only, with a new port each time", async () => {
    const seen: number[] = [];
    const result = await withPortRetry(async (port) => {
      seen.push(port);
      if (seen.length < 3) throw new AddressInUseError("taken", port);
      return port;
    }, 3);
    expect(seen).toHaveLength(3);
    expect(result).toBe(seen[2]);

    let calls = 0;
    await expect(
      withPortRetry(async () => {
        calls++;
        throw new Error("config error");
      }),
    ).rejects.toThrow("config error");
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withPortRetry(async (port) => {
        calls++;
        throw new AddressInUseError("taken", port);
      }, 2),
    ).rejects.toSatisfy(isAddressInUse);
    expect(calls).toBe(2);
  });

  it("isAddressInUse recognises Node's own EADDRINUSE errors", async () => {
    const a = createServer();
    await new Promise<void>((r) => a.listen(0, "127.0.0.1", r));
    const port = (a.address() as { port: number }).port;
    const b = createServer();
    const err = await new Promise<unknown>((resolve) => {
      b.once("error", resolve);
      b.listen(port, "127.0.0.1");
    });
    expect(isAddressInUse(err)).toBe(true);
    await new Promise((r) => a.close(r));
  });
});
