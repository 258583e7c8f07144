import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'libs/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'compose/**/*.test.ts',
      'scripts/checks/**/*.test.ts',
      'scripts/*.test.ts',
    ],
    // Engines whose TEST_* variable is unset start in containers when Docker answers (testcontainers).
    globalSetup: ['libs/platform/src/testing/global-setup.ts'],
    // Two cores: a few forks in parallel, each suite with its own tenants and databases.
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
