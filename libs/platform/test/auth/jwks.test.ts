import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  authenticatorFor,
  bearer,
  createKey,
  sign,
  startKeyServer,
  type TestKey,
} from './support/key-server.ts';

async function keyServerFor(...keys: TestKey[]) {
  const keyServer = await startKeyServer(...keys);
  onTestFinished(() => keyServer.close());
  return keyServer;
}

const claims = (issuer: string) => ({ iss: issuer, aud: 'shop-api', sub: 'user-1', tenant_id: 'acme' });
const env = (issuer: string, extra: Record<string, string> = {}) => ({
  AUTH_PROVIDER: 'oidc',
  AUTH_ISSUER: issuer,
  AUTH_AUDIENCE: 'shop-api',
  ...extra,
});
const unavailable = { status: 503, code: 'dependency_unavailable' };

afterEach(() => {
  vi.useRealTimers();
});

describe('signing keys', () => {
  it('When many tokens are verified, then the JWKS is fetched once and reused', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    const authenticator = authenticatorFor(env('https://id.shop.test', { AUTH_JWKS_URL: keyServer.jwksUrl }));
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => sign(key, claims('https://id.shop.test'))),
    );

    await Promise.all(tokens.slice(0, 5).map((token) => authenticator.authenticate(bearer(token))));
    for (const token of tokens.slice(5)) await authenticator.authenticate(bearer(token));

    expect(keyServer.requests.jwks).toBe(1);
  });

  it('When the keys come from OpenID discovery, then discovery and JWKS are each fetched once', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    const authenticator = authenticatorFor(env(keyServer.url));

    for (let i = 0; i < 3; i++)
      await authenticator.authenticate(bearer(await sign(key, claims(keyServer.url))));

    expect(keyServer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('When the provider rotates to a new key, then tokens signed with it are accepted', async () => {
    const [oldKey, newKey] = await Promise.all([createKey(), createKey()]);
    const keyServer = await keyServerFor(oldKey);
    const authenticator = authenticatorFor(env('https://id.shop.test', { AUTH_JWKS_URL: keyServer.jwksUrl }));
    await authenticator.authenticate(bearer(await sign(oldKey, claims('https://id.shop.test'))));
    keyServer.publish(oldKey, newKey);
    // Past the refetch cooldown that stops made-up kids from hammering the provider.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);

    const principal = await authenticator.authenticate(
      bearer(await sign(newKey, claims('https://id.shop.test'))),
    );

    expect(principal?.userId).toBe('user-1');
    expect(keyServer.requests.jwks).toBe(2);
  });

  it('When unknown kids arrive right after a fetch, then the JWKS is not refetched for each', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    const authenticator = authenticatorFor(env('https://id.shop.test', { AUTH_JWKS_URL: keyServer.jwksUrl }));
    await authenticator.authenticate(bearer(await sign(key, claims('https://id.shop.test'))));

    for (let i = 0; i < 3; i++) {
      const stranger = await createKey();
      const result = authenticator.authenticate(bearer(await sign(stranger, claims('https://id.shop.test'))));
      await expect(result).rejects.toMatchObject({ status: 401 });
    }

    expect(keyServer.requests.jwks).toBe(1);
  });

  it('When the JWKS server is down, then verification fails closed with 503', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    await keyServer.close();
    const authenticator = authenticatorFor(env('https://id.shop.test', { AUTH_JWKS_URL: keyServer.jwksUrl }));

    const result = authenticator.authenticate(bearer(await sign(key, claims('https://id.shop.test'))));

    await expect(result).rejects.toMatchObject(unavailable);
  });

  // The test's own timeout, ten times AUTH_JWKS_TIMEOUT_MS, fails it if the fetch is not bounded.
  it('When the JWKS server hangs, then verification fails closed once AUTH_JWKS_TIMEOUT_MS passes', {
    timeout: 2000,
  }, async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    keyServer.hang();
    const authenticator = authenticatorFor(
      env('https://id.shop.test', { AUTH_JWKS_URL: keyServer.jwksUrl, AUTH_JWKS_TIMEOUT_MS: '200' }),
    );

    const result = authenticator.authenticate(bearer(await sign(key, claims('https://id.shop.test'))));

    await expect(result).rejects.toMatchObject(unavailable);
  });

  it('When discovery names another issuer, then its keys are not used (503)', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    keyServer.announceIssuer('https://evil.test');

    const result = authenticatorFor(env(keyServer.url)).authenticate(
      bearer(await sign(key, claims(keyServer.url))),
    );

    await expect(result).rejects.toMatchObject(unavailable);
    expect(keyServer.requests.jwks).toBe(0);
  });

  it('When discovery failed once, then the next request tries it again', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    const authenticator = authenticatorFor(env(keyServer.url));
    const token = await sign(key, claims(keyServer.url));
    keyServer.announceIssuer('https://not-yet.test');
    await expect(authenticator.authenticate(bearer(token))).rejects.toMatchObject(unavailable);
    keyServer.announceIssuer(keyServer.url);

    const principal = await authenticator.authenticate(bearer(token));

    expect(principal?.userId).toBe('user-1');
  });
});

describe('key fetches without fetch()', () => {
  // A separate process: vitest itself has loaded undici long before any test runs.
  it('When a token is verified against a remote JWKS, then Node never loads undici (fetch) for it', async () => {
    const key = await createKey();
    const keyServer = await keyServerFor(key);
    const token = await sign(key, claims(keyServer.url));
    const script = `
      import { jwtVerify } from 'jose';
      import { remoteKeySource } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'auth', 'key-source.ts'))};
      const keys = remoteKeySource({
        issuer: ${JSON.stringify(keyServer.url)},
        keys: { jwksUrl: new URL(${JSON.stringify(keyServer.jwksUrl)}) },
        jwksTimeoutMs: 5000,
      });
      const { payload } = await jwtVerify(${JSON.stringify(token)}, keys);
      console.log(payload.sub, process.moduleLoadList.some((name) => name.includes('undici')));
    `;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: import.meta.dirname },
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
      ),
    );
    expect(output).toBe('user-1 false');
  });
});
