import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  type DevIssuer,
  type DevIssuerOptions,
  mintDevToken,
  startDevIssuer,
} from '../../src/dev-issuer/index.ts';
import { authenticatorFor, bearer } from '../auth/support/key-server.ts';

async function keysDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(options: DevIssuerOptions): Promise<DevIssuer> {
  const issuer = await startDevIssuer({ port: 0, ...options });
  onTestFinished(() => issuer.close());
  return issuer;
}

/** A service configured with the dev preset, reaching the issuer's JWKS where it listens. */
const serviceTrusting = (issuer: DevIssuer) =>
  authenticatorFor({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: `${issuer.url}/.well-known/jwks.json`,
  });

const postToken = (issuer: DevIssuer, body: unknown) =>
  fetch(`${issuer.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
    body: JSON.stringify(body),
  });

describe('dev issuer', () => {
  it('When started, then it serves OpenID discovery and a JWKS with its ES256 key', async () => {
    const issuer = await start({ keysDir: await keysDir() });

    const discovery = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json();
    const jwks = (await (await fetch(`${issuer.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };

    expect(discovery).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer.issuer}/token`,
    });
    expect(jwks.keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      },
    ]);
  });

  it('When the storefront posts a sign-in, then the token is accepted by a service using the dev preset', async () => {
    const issuer = await start({ keysDir: await keysDir() });

    const response = await postToken(issuer, {
      tenant: 'acme',
      role: 'admin',
      sub: 'ada',
      email: 'ada@acme.test',
    });
    const body = (await response.json()) as { access_token: string };

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(await serviceTrusting(issuer).authenticate(bearer(body.access_token))).toEqual({
      tenantId: 'acme',
      userId: 'ada',
      email: 'ada@acme.test',
      roles: ['admin'],
      provider: 'dev',
    });
  });

  it('When a browser sends a CORS preflight, then POST with a JSON body is allowed', async () => {
    const issuer = await start({ keysDir: await keysDir() });

    const response = await fetch(`${issuer.url}/token`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
  });

  it('When the sign-in asks for an unknown role, an invalid tenant or extra claims, then 400', async () => {
    const issuer = await start({ keysDir: await keysDir() });

    const statuses = await Promise.all(
      [
        { tenant: 'acme', role: 'service' },
        { tenant: 'acme corp', role: 'admin' },
        { tenant: 'acme', role: 'admin', roles: ['admin'] },
      ].map(async (body) => (await postToken(issuer, body)).status),
    );

    expect(statuses).toEqual([400, 400, 400]);
  });

  it('When a customer signs in without sub or email, then stable ones are made up', async () => {
    const issuer = await start({ keysDir: await keysDir() });

    const principal = await serviceTrusting(issuer).authenticate(
      bearer(await issuer.mint({ tenant: 'acme', role: 'customer' })),
    );

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'acme-customer',
      email: 'acme-customer@acme.example',
      roles: ['customer'],
      provider: 'dev',
    });
  });

  it('When the issuer restarts on the same keys directory, then it reuses its key and earlier tokens still verify', async () => {
    const dir = await keysDir();
    const first = await startDevIssuer({ port: 0, keysDir: dir, issuer: 'http://localhost:8090' });
    const token = await first.mint({ tenant: 'acme', role: 'admin' });
    const stored = await readFile(join(dir, 'signing-key.json'), 'utf8');
    await first.close();

    const second = await start({ keysDir: dir, issuer: 'http://localhost:8090' });

    expect(await readFile(join(dir, 'signing-key.json'), 'utf8')).toBe(stored);
    expect(await serviceTrusting(second).authenticate(bearer(token))).toMatchObject({ tenantId: 'acme' });
  });

  it('When a token is minted without a running issuer, then it verifies against the issuer started later', async () => {
    const dir = await keysDir();
    const token = await mintDevToken({ tenant: 'acme', role: 'admin' }, { keysDir: dir });

    const issuer = await start({ keysDir: dir, issuer: 'http://localhost:8090' });

    expect(await serviceTrusting(issuer).authenticate(bearer(token))).toMatchObject({ roles: ['admin'] });
  });

  it('When a service runs with no auth settings at all, then the default dev tokens are accepted', async () => {
    const dir = await keysDir();
    const issuer = await start({ keysDir: dir });
    const token = await mintDevToken({ tenant: 'acme', role: 'customer' }, { keysDir: dir });

    // Only the JWKS location differs: the issuer listens on a random port here, not on 8090.
    const principal = await authenticatorFor({
      AUTH_JWKS_URL: `${issuer.url}/.well-known/jwks.json`,
    }).authenticate(bearer(token));

    expect(principal).toMatchObject({ tenantId: 'acme', provider: 'dev' });
  });

  it('When two processes create the key at once, then both end up with the same key', async () => {
    const dir = await keysDir();

    const [a, b] = await Promise.all([
      mintDevToken({ tenant: 'acme', role: 'admin' }, { keysDir: dir }),
      mintDevToken({ tenant: 'acme', role: 'admin' }, { keysDir: dir }),
    ]);

    expect(decodeProtectedHeader(a).kid).toBe(decodeProtectedHeader(b).kid);
  });
});
