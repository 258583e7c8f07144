import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { SERVICE_TOKEN_SECRET } from './helpers/harness.ts';

const run = promisify(execFile);
const src = fileURLToPath(new URL('../src/', import.meta.url));

/** Builds the app as server.ts does, in a fresh process, and lists every package it loaded. */
async function packagesLoadedWith(env: Record<string, string>): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        const name = resolved.url.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1];
        if (name) seen.add(name);
        return resolved;
      },
    });
    const { loadOrdersConfig } = await import(${JSON.stringify(`${src}config.ts`)});
    const { buildDeps } = await import(${JSON.stringify(`${src}deps.ts`)});
    const { createApp } = await import(${JSON.stringify(`${src}app.ts`)});
    const deps = await buildDeps(loadOrdersConfig());
    createApp(deps);
    await deps.close();
    process.stdout.write(JSON.stringify([...seen].sort()));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'silent',
      AUTH_PROVIDER: 'dev',
      AUTH_ISSUER: 'http://localhost:8090',
      SERVICE_TOKEN_SECRET,
      ...env,
    },
  });
  return JSON.parse(stdout);
}

describe('store drivers', () => {
  test('When the service runs on SQL, then it never loads the AWS SDK, nor the other engines’ drivers', async () => {
    const loaded = await packagesLoadedWith({ ORDERS_STORE: 'sql', DATABASE_URL: 'sqlite::memory:' });

    expect(loaded).toEqual(expect.arrayContaining(['@mikro-orm/sqlite', 'better-sqlite3']));
    expect(
      loaded.filter((name) => /^@aws-sdk\/|^mysql2$|^pg$|^@mikro-orm\/(mysql|postgresql)$/.test(name)),
    ).toEqual([]);
  });

  test('When the service runs on DynamoDB, then it never loads the ORM or a SQL driver', async () => {
    const loaded = await packagesLoadedWith({
      ORDERS_STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      DYNAMODB_TABLE: 'never-created',
    });

    expect(loaded).toContain('@aws-sdk/client-dynamodb');
    expect(
      loaded.filter((name) => /^@mikro-orm\/|^better-sqlite3$|^mysql2$|^pg$|^kysely$/.test(name)),
    ).toEqual([]);
  });
});
