import type { ConfigError } from '@shop/platform';
import { describe, expect, test } from 'vitest';
import { loadOrdersConfig } from '../src/config.ts';

const minimal = { SERVICE_TOKEN_SECRET: 'x'.repeat(32) };

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadOrdersConfig(env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  test('When only the service secret is set, then the embedded defaults apply', () => {
    expect(loadOrdersConfig(minimal)).toEqual(
      expect.objectContaining({
        ORDERS_STORE: 'sql',
        DATABASE_URL: 'sqlite:.data/orders.sqlite',
        DYNAMODB_TABLE: 'orders',
        PRODUCTS_URL: 'http://127.0.0.1:8081',
        PRODUCTS_TIMEOUT_MS: 3000,
        SERVICE_NAME: 'orders',
        MIGRATE_ON_START: false,
        IDEMPOTENCY_TTL_SECONDS: 86_400,
        DB_POOL_MAX: 10,
        PORT: 8080,
      }),
    );
  });

  test('When the service secret is missing or variables are malformed, then start-up fails naming each', () => {
    expect(problemsOf({})).toEqual(expect.arrayContaining(['SERVICE_TOKEN_SECRET is required']));
    const problems = problemsOf({
      ...minimal,
      ORDERS_STORE: 'mongodb',
      DATABASE_URL: 'oracle://x',
      IDEMPOTENCY_TTL_SECONDS: '60',
    });
    for (const name of ['ORDERS_STORE', 'DATABASE_URL', 'IDEMPOTENCY_TTL_SECONDS']) {
      expect(problems.some((problem) => problem.startsWith(name))).toBe(true);
    }
  });

  test('When running on Lambda without DB_POOL_MAX, then the pool is small', () => {
    expect(loadOrdersConfig({ ...minimal, AWS_LAMBDA_FUNCTION_NAME: 'orders' }).DB_POOL_MAX).toBe(2);
    expect(
      loadOrdersConfig({ ...minimal, AWS_LAMBDA_FUNCTION_NAME: 'orders', DB_POOL_MAX: '5' }).DB_POOL_MAX,
    ).toBe(5);
  });
});
