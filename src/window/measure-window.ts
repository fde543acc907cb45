/**
 * The one place a measurement window opens. The driver is made ready first (k6 started, autocannon's
 * sessions open), then whatever must happen just before the window (the steady-state check, a
 * workload's counters read), then t0 is taken, on performance.now(), and handed to everything that
 * times the window: the fault experiment and the availability probe (`open`), the recorder, and the
 * driver, whose load starts there. A driver's own start-up therefore never shifts the window against
 * the fault timeline: a fault at 1 s is 1 s after the recorder's t=0, whatever drives the load.
 */
import type { DriverPhase, LoadDriver, PhaseResult } from "../drivers/driver.js";

export interface WindowSteps {
  /** Right before t0, the driver ready: e.g. the steady-state check, a workload's counters. */
  before?(): Promise<void>;
  /** At t0, before the load: e.g. faults due at 0 s injected (awaited), the availability probe started. */
  open?(t0: number): Promise<void>;
}

/** One measurement window (a scenario's, or a capacity step's): the recorder's window is [t0, end of the load]. */
export async function measureWindow(driver: LoadDriver, phase: DriverPhase, steps: WindowSteps = {}): Promise<PhaseResult> {
  const ready = await driver.prepare(phase);
  let started = false;
  try {
    await steps.before?.();
    const t0 = performance.now();
    await steps.open?.(t0);
    phase.recorder.startMeasuring(t0);
    started = true;
    const result = await ready.run(t0);
    phase.recorder.stopMeasuring(result.loadEndedAt ?? performance.now());
    return result;
  } finally {
    if (!started) await ready.dispose();
  }
}

/** Load that is recorded apart and never judged (a warm-up, a capacity step's settle), from the moment the driver is ready. */
export async function unjudgedLoad(driver: LoadDriver, phase: DriverPhase): Promise<PhaseResult> {
  const ready = await driver.prepare(phase);
  return ready.run(performance.now());
}
