/**
 * `kind: hop-down`: a hop's link cut (Toxiproxy disables the proxy: connections refused and
 * closed), restored at the heal; or a flapping link, down and up again a number of times.
 */
import { z } from "zod";
import { DURATION_BOUNDS, duration, FaultTiming, Hop } from "../../contracts/scenario-fields.js";
import type { HealTiming } from "../../contracts/fault-targets.js";
import { sleep } from "../../util/sleep.js";
import { defineFaultKind, instant, selfHealing, whenText } from "../fault-kind.js";
import { checkHop, hopsOf, serverBehindHop } from "../hops.js";

export const hopDownFault = defineFaultKind({
  name: "hop-down",
  schema: z.strictObject({
    kind: z.literal("hop-down"),
    hop: Hop,
    flap: z
      .strictObject({
        down: duration(DURATION_BOUNDS.flap, "How long the link is down each time."),
        up: duration(DURATION_BOUNDS.flap, "How long it is up in between."),
        times: z.number().int().min(1).max(1000).describe("1 to 1000."),
      })
      .optional()
      .describe("A flapping link: down and up again, this many times, instead of one outage of `duration`."),
    ...FaultTiming,
  }),
  network: true,
  check: checkHop,
  describe(f) {
    const { at, until } = whenText(f);
    return f.flap ? `${f.hop} flapping (down ${f.flap.down.text}, up ${f.flap.up.text}, ${f.flap.times} times) ${at}` : `${f.hop} down ${at}${until}`;
  },
  target: (f) => f.hop,
  affectedServer: (f, servers) => serverBehindHop(f.hop, servers),
  async inject(f, t) {
    const hops = hopsOf(t, f.hop);
    const setEnabled = (enabled: boolean) => Promise.all(hops.map((h) => h.proxy.update({ enabled, listen: h.listen, upstream: h.upstream })));
    const flap = f.flap;
    if (flap) {
      // The flapping runs in the background, bounded by its count, and heals itself: the link stays up after the last flap.
      const flapping = (async (): Promise<HealTiming> => {
        let restored: HealTiming | undefined;
        for (let i = 0; i < flap.times && !t.signal.aborted; i++) {
          await setEnabled(false);
          await sleep(flap.down.ms, t.signal);
          // Healed when the link was last restored, after the last flap.
          restored = await instant(() => setEnabled(true));
          if (i + 1 < flap.times) await sleep(flap.up.ms, t.signal);
        }
        return restored ?? instant(() => setEnabled(true));
      })();
      return selfHealing(flapping);
    }
    await setEnabled(false);
    return { heal: () => instant(() => setEnabled(true)) };
  },
});
