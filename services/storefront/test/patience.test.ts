import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pageWaitMs } from './e2e/browser.ts';
import { MAX_SLOWDOWN } from './e2e/patience.ts';

/** The browser tests' waits: 15 s on an idle machine, longer as the machine gets busier, within a bound. */
describe('browser waits', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const machine = (load: number, cores: number) => {
    vi.spyOn(os, 'loadavg').mockReturnValue([load, load, load]);
    vi.spyOn(os, 'availableParallelism').mockReturnValue(cores);
  };

  it('When the machine is idle, then a wait for the page is 15 s', () => {
    machine(0.4, 2);
    expect(pageWaitMs()).toBe(15_000);
  });

  it('When three processes per core want to run, then a wait is three times as long', () => {
    machine(6, 2);
    expect(pageWaitMs()).toBe(45_000);
  });

  it('When the load is extreme, then a wait still has a bound', () => {
    machine(400, 2);
    expect(pageWaitMs()).toBe(15_000 * MAX_SLOWDOWN);
  });
});
