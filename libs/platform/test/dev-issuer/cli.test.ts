import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { authenticatorFor, bearer } from '../auth/support/key-server.ts';

const cli = fileURLToPath(new URL('../../src/dev-issuer/cli.ts', import.meta.url));
const run = promisify(execFile);

async function keysDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('dev issuer CLI', () => {
  it('When asked for a token, then it prints one that the served JWKS verifies', async () => {
    const dir = await keysDir();
    const { stdout } = await run(process.execPath, [
      cli,
      '--tenant',
      'acme',
      '--role',
      'admin',
      '--sub',
      'ada',
      '--keys-dir',
      dir,
    ]);
    const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--keys-dir', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      server.kill();
    });
    const [banner] = (await once(server.stdout, 'data')) as [Buffer];
    const url = /listening on (\S+)/.exec(banner.toString())?.[1];

    const principal = await authenticatorFor({ AUTH_JWKS_URL: `${url}/.well-known/jwks.json` }).authenticate(
      bearer(stdout.trim()),
    );

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'ada',
      email: 'ada@acme.example',
      roles: ['admin'],
      provider: 'dev',
    });
  });

  it('When the server gets SIGTERM, then it stops cleanly', async () => {
    const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--keys-dir', await keysDir()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(server.stdout, 'data');

    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');

    expect(code).toBe(0);
  });

  it('When --tenant is missing, then it exits 2 with usage', async () => {
    const result = run(process.execPath, [cli, '--role', 'admin', '--keys-dir', await keysDir()]);

    await expect(result).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--tenant is required'),
    });
  });
});
