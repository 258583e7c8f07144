import { describe, it } from 'vitest';

/**
 * A suite that needs something installed on the machine (a database server's binaries, a JVM): defined
 * when `missing` is empty; otherwise said loudly on stderr and shown as a skipped placeholder naming what
 * is missing, never passed in silence.
 */
export function describeWhereInstalled(title: string, missing: readonly string[], define: () => void): void {
  if (missing.length === 0) {
    describe(title, define);
    return;
  }
  process.stderr.write(`\n!!! ${title}: ${missing.join(', ')} not found on this machine: NOT running\n\n`);
  describe.skip(`${title}: needs ${missing.join(', ')}`, () => {
    it('runs where it is installed (CI has it)', () => {});
  });
}
