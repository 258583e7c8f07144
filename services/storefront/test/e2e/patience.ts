// How long a browser test may wait for the page, on this machine, now. A wait bounds how long the page
// may take to show something; it is not a claim about speed, so it grows with the load on the machine: a
// fixed 15 s wait failed a CI run while other work kept both cores busy. The load is read when each wait
// begins (the 1-minute load average per core), so a run that gets busier gets more patient as it goes.
import os from 'node:os';

/** At most this many times the base: past it, something is wrong rather than slow. */
export const MAX_SLOWDOWN = 8;

/** How many times slower than an idle machine to allow for: the runnable processes per core, at least 1. */
export function slowdown(loadPerCore = os.loadavg()[0]! / os.availableParallelism()): number {
  return Math.min(MAX_SLOWDOWN, Math.max(1, loadPerCore));
}

/** `baseMs` (what an idle machine needs, with room) scaled by the machine's current load. */
export const patience = (baseMs: number): number => Math.round(baseMs * slowdown());
