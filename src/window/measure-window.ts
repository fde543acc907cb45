/**
 * The one place a measurement window opens. The driver is made ready first (k6 started, autocannon's
 * sessions open), then whatever must happen just before the window (the steady-state check, a
 * workload's counters read), then t0 is taken, on performance.now(), and handed to everything that
 * times the window: the fault experiment and the availability probe (`open`), the recorder, and the
 * driver, whose load starts there. A driver's own start-up therefore never shifts the window against
 * the fault timeline: a fault at 1 s is 1 s after the recorder's t=0, whatever drives the load.
 *
 * From t0 to the end of the load it also samples the harness's event-loop delay per window of the
 * recorder's timeline (same windows as the timeline's points), when the harness times the samples.
 */
import type { DriverPhase, LoadDriver, PhaseResult } from "../drivers/driver.js";
import { startLoopDelayTimeline, type LoopDelayPoint } from "../drivers/loop-delay.js";

/** What a measurement window yields: the driver's phase result and, when the harness timed the samples, its event-loop delay per timeline window. */
export interface WindowResult extends PhaseResult {
  harnessDelay?: LoopDelayPoint[];
}

export interface WindowSteps {
  /** Right before t0, the driver ready: e.g. the steady-state check, a workload's counters. */
  before?(): Promise<void>;
  /** At t0, before the load: e.g. faults due at 0 s injected (awaited), the availability probe started. */
  open?(t0: number): Promise<void>;
}

/** One measurement window (a scenario's, or a capacity step's): the recorder's window is [t0, end of the load]. */
export async function measureWindow(driver: LoadDriver, phase: DriverPhase, steps: WindowSteps = {}): Promise<WindowResult> {
  const ready = await driver.prepare(phase);
  let started = false;
  let delays: ReturnType<typeof startLoopDelayTimeline> | undefined;
  try {
    await steps.before?.();
    const t0 = performance.now();
    // A driver that times its own calls (k6), or times them on worker threads (threads), is not timed by this loop: its delay would explain nothing.
    if (driver.harnessTimed && !driver.timedOffMainThread) delays = startLoopDelayTimeline(t0, () => phase.recorder.intervalMs);
    await steps.open?.(t0);
    phase.recorder.startMeasuring(t0);
    started = true;
    const result = await ready.run(t0);
    phase.recorder.stopMeasuring(result.loadEndedAt ?? performance.now());
    const harnessDelay = delays?.stop();
    return harnessDelay ? { ...result, harnessDelay } : result;
  } finally {
    delays?.stop();
    if (!started) await ready.dispose();
  }
}

/** Load that is recorded apart and never judged (a warm-up, a capacity step's settle), from the moment the driver is ready. */
export async function unjudgedLoad(driver: LoadDriver, phase: DriverPhase): Promise<PhaseResult> {
  const ready = await driver.prepare(phase);
  return ready.run(performance.now());
}
