import { spawn } from 'node:child_process';
import { repoRoot } from '@shop/reliability/service-process';
import { describe, expect, it } from 'vitest';

/**
 * The CI-sized soak: `npm run soak` (bench/soak.ts) for 15 s against the `npm start` stack. On real stores
 * (products on MySQL, orders on DynamoDB) when TEST_MYSQL_URL and TEST_DYNAMODB_ENDPOINT say where they are,
 * as CI does; else on the embedded SQLite stores.
 */
const real = Boolean(process.env.TEST_MYSQL_URL && process.env.TEST_DYNAMODB_ENDPOINT);
if (!real) {
  console.warn(
    '!!! soak: TEST_MYSQL_URL or TEST_DYNAMODB_ENDPOINT is not set: soaking the embedded stores only',
  );
}

function runSoak(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/soak.ts', ...args], {
      cwd: repoRoot,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('soak', () => {
  it(`When the whole stack takes 15 s of mixed load over many tenants on ${real ? 'real' : 'embedded'} stores, then no 5xx, no lost or duplicated order, and stock matches the live orders`, async () => {
    const { code, output } = await runSoak([
      '--duration',
      '15s',
      '--stores',
      real ? 'real' : 'embedded',
      '--quiet',
    ]);

    expect(output).toMatch(/operation\s+count\s+p50 ms\s+p95 ms\s+p99 ms/);
    expect(output).toContain('PASS: no violations');
    expect({ code, output }).toMatchObject({ code: 0 });
  }, 150_000);
});
