import { describe, expect, it } from "vitest";
import { deadline, interruption, rejectOnAbort } from "./race.js";

describe("rejections to race against", () => {
  it("interruption rejects when the signal aborts, at once when it already has, never without one", async () => {
    const ac = new AbortController();
    const later = interruption(ac.signal);
    ac.abort();
    await expect(later.promise).rejects.toThrow("the run was interrupted");
    await expect(interruption(AbortSignal.abort()).promise).rejects.toThrow("interrupted");
    const none = interruption(undefined);
    const winner = await Promise.race([none.promise, new Promise((r) => setTimeout(() => r("other"), 20))]);
    expect(winner).toBe("other");
  });

  it("dispose removes the listener, so a race that is over leaves nothing on the signal", async () => {
    const ac = new AbortController();
    let calls = 0;
    const r = rejectOnAbort(ac.signal, () => {
      calls++;
      return new Error("x");
    });
    r.dispose();
    ac.abort();
    await new Promise((res) => setTimeout(res, 5));
    expect(calls).toBe(0);
  });

  it("deadline rejects after its time with the message made then, and not after dispose", async () => {
    let step = "connect";
    const d = deadline(20, () => new Error(`did not answer ${step}`));
    step = "tools/list";
    await expect(d.promise).rejects.toThrow("did not answer tools/list");
    let fired = false;
    const e = deadline(10, () => {
      fired = true;
      return new Error("late");
    });
    e.dispose();
    await new Promise((res) => setTimeout(res, 30));
    expect(fired).toBe(false);
  });
});
