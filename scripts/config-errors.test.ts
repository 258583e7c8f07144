import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleService } from './build.ts';

/**
 * Every entry point as it ships (the esbuild bundles of the images and Lambda zips, the dev issuer as the
 * compose image bundles it), started with a bad configuration. What a platform's log shows must be one
 * short ERROR line naming every bad variable, not Node's dump of the throwing line of a minified bundle.
 */

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'config-errors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Far below the ~20 000-character bundle line Node prints for an uncaught error. */
const SHORT = 1000;

beforeAll(async () => {
  await Promise.all([
    bundleService('products', join(scratch, 'products')),
    bundleService('orders', join(scratch, 'orders')),
    build({
      entryPoints: [join(root, 'libs/platform/src/dev-issuer/cli.ts')],
      outfile: join(scratch, 'dev-issuer.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      logLevel: 'silent',
    }),
  ]);
}, 120_000);

const cases: Array<{ entry: string; args?: string[]; env: Record<string, string>; names: string[] }> = [
  { entry: 'products/server.mjs', env: { NODE_ENV: 'production' }, names: ['AUTH_PROVIDER'] },
  { entry: 'products/lambda.mjs', env: { NODE_ENV: 'production' }, names: ['AUTH_PROVIDER'] },
  { entry: 'products/server.mjs', env: { PORT: 'eighty', LOG_LEVEL: 'loud' }, names: ['PORT', 'LOG_LEVEL'] },
  { entry: 'products/migrate.mjs', env: { DB_POOL_MAX: '0' }, names: ['DB_POOL_MAX'] },
  { entry: 'orders/server.mjs', env: { NODE_ENV: 'production' }, names: ['SERVICE_TOKEN_SECRET'] },
  {
    entry: 'orders/lambda.mjs',
    env: { SERVICE_TOKEN_SECRET: 'x'.repeat(32), ORDERS_STORE: 'mongodb' },
    names: ['ORDERS_STORE'],
  },
  {
    entry: 'orders/migrate.mjs',
    env: { DATABASE_URL: 'oracle://db' },
    names: ['SERVICE_TOKEN_SECRET', 'DATABASE_URL'],
  },
  {
    entry: 'dev-issuer.mjs',
    args: ['serve', '--port', '99999', '--issuer', 'nope'],
    env: {},
    names: ['--port', '--issuer'],
  },
];

describe('a bad configuration at start', () => {
  it.each(cases)(
    'When $entry starts with a bad configuration ($names), then one short ERROR line names each and the exit code is 1',
    ({ entry, args = [], env, names }) => {
      const run = spawnSync(process.execPath, [join(scratch, entry), ...args], {
        cwd: scratch,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });

      expect(run.status).toBe(1);
      expect(run.stderr.length, run.stderr.slice(0, 2000)).toBeLessThan(SHORT);
      const lines = run.stderr.split('\n').filter(Boolean);
      expect(lines, run.stderr).toHaveLength(1);
      const line = JSON.parse(lines[0]!);
      expect(line).toEqual(
        expect.objectContaining({
          severity: 'ERROR',
          level: 'error',
          variables: expect.arrayContaining(names),
        }),
      );
      for (const name of names) expect(line.message).toContain(name);
      expect(line).not.toHaveProperty('err');
    },
  );

  it('When start-up fails for another reason (no database), then the one ERROR line keeps the error and its stack', () => {
    const run = spawnSync(process.execPath, [join(scratch, 'products/migrate.mjs')], {
      cwd: scratch,
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' },
      encoding: 'utf8',
    });

    expect(run.status).toBe(1);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines, run.stderr).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual(
      expect.objectContaining({
        severity: 'ERROR',
        message: expect.stringContaining('ECONNREFUSED'),
        err: expect.objectContaining({ stack: expect.stringContaining('ECONNREFUSED') }),
      }),
    );
  });
});
