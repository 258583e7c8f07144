// Runs only the deploy checks: npx vitest run --config scripts/checks/vitest.config.ts
// (The root vitest.config.ts runs them with everything else once it includes scripts/checks/**/*.test.ts.)
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['scripts/checks/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default'],
  },
});
