import { type Engine, type EngineTarget, engines } from '@shop/platform/testing';
import { describe, test } from 'vitest';

/**
 * Defines a suite for one engine when it is available. When it is not, `engines()` has already said so
 * loudly, and the file shows a skipped placeholder rather than passing silently with no tests.
 */
export function onEngine(engine: Engine, define: (target: EngineTarget) => void): void {
  const [target] = engines([engine]);
  if (target) {
    define(target);
    return;
  }
  describe.skip(`${engine}: not configured (see the warning above)`, () => {
    test('runs when its TEST_* variable is set', () => {});
  });
}
