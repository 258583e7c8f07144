import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServiceTokenIssuer } from '../../src/auth/index.ts';
import { serviceTokenVerifier } from '../../src/auth/service-token.ts';
import {
  authenticatorFor,
  bearer,
  createKey,
  type KeyServer,
  sign,
  startKeyServer,
  type TestKey,
} from './support/key-server.ts';

const secret = 'a-service-secret-of-at-least-32-characters';
const ordersToProducts = {
  secret,
  issuer: 'orders',
  audience: 'products',
  scopes: ['stock:reserve', 'stock:release'],
};
const refused = { status: 401, code: 'unauthenticated' };

let userKey: TestKey;
let keyServer: KeyServer;
/** The products service: users from an OIDC provider, and service calls. */
const products = (extra: Record<string, string> = {}) =>
  authenticatorFor({
    AUTH_PROVIDER: 'oidc',
    AUTH_ISSUER: 'https://id.shop.test',
    AUTH_AUDIENCE: 'shop-api',
    AUTH_JWKS_URL: keyServer.jwksUrl,
    SERVICE_TOKEN_SECRET: secret,
    SERVICE_NAME: 'products',
    ...extra,
  });

beforeAll(async () => {
  userKey = await createKey('RS256');
  keyServer = await startKeyServer(userKey);
});
afterAll(() => keyServer.close());
afterEach(() => {
  vi.useRealTimers();
});

/** Mints as if at another time, for tokens that are already old. */
async function mintedAt(time: number, tenant: string, options = ordersToProducts): Promise<string> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(time);
  const token = await createServiceTokenIssuer(options).tokenFor(tenant);
  vi.useRealTimers();
  return token;
}

/** A token shaped like a service token, signed with the shared secret, with parts overridden. */
function serviceShaped(
  header: Record<string, unknown>,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: 'orders',
    aud: 'products',
    tenant_id: 'acme',
    scope: 'stock:reserve',
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'service+jwt', ...header })
    .sign(new TextEncoder().encode(secret));
}

describe('service token issuer', () => {
  it('When a token is minted, then it is an HS256 service+jwt bound to the callee, tenant and scopes', async () => {
    const token = await createServiceTokenIssuer(ordersToProducts).tokenFor('acme');

    const payload = decodeJwt(token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'service+jwt' });
    expect(payload).toMatchObject({
      iss: 'orders',
      sub: 'service:orders',
      aud: 'products',
      tenant_id: 'acme',
      scope: 'stock:reserve stock:release',
    });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it('When the same tenant asks twice, then the cached token is reused', async () => {
    const issuer = createServiceTokenIssuer(ordersToProducts);

    expect(await issuer.tokenFor('acme')).toBe(await issuer.tokenFor('acme'));
  });

  it('When another tenant asks, then it gets its own token', async () => {
    const issuer = createServiceTokenIssuer(ordersToProducts);

    const [acme, globex] = [await issuer.tokenFor('acme'), await issuer.tokenFor('globex')];

    expect(decodeJwt(acme).tenant_id).toBe('acme');
    expect(decodeJwt(globex).tenant_id).toBe('globex');
  });

  it('When the cached token is within 30 s of expiry, then a fresh one is minted', async () => {
    const issuer = createServiceTokenIssuer(ordersToProducts);
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start);
    const first = await issuer.tokenFor('acme');
    vi.setSystemTime(start + 265_000);
    const stillCached = await issuer.tokenFor('acme');
    vi.setSystemTime(start + 271_000);

    const refreshed = await issuer.tokenFor('acme');

    expect(stillCached).toBe(first);
    expect(refreshed).not.toBe(first);
    expect(decodeJwt(refreshed).exp).toBeGreaterThan(decodeJwt(first).exp!);
  });

  it('When the secret is shorter than 32 characters, then the issuer is not created', () => {
    expect(() => createServiceTokenIssuer({ ...ordersToProducts, secret: 'short' })).toThrow(TypeError);
  });

  it('When the lifetime would leave no time for the cache, then the issuer is not created', () => {
    expect(() => createServiceTokenIssuer({ ...ordersToProducts, ttlSeconds: 30 })).toThrow(TypeError);
  });
});

describe('service token verification', () => {
  it('When orders calls with its service token, then the caller is the orders service with its scopes', async () => {
    const token = await createServiceTokenIssuer(ordersToProducts).tokenFor('acme');

    expect(await products().authenticate(bearer(token))).toEqual({
      tenantId: 'acme',
      userId: 'service:orders',
      email: null,
      roles: ['service'],
      provider: 'service',
      scopes: ['stock:reserve', 'stock:release'],
    });
  });

  it('When the token was minted for another service, then 401', async () => {
    const token = await createServiceTokenIssuer({ ...ordersToProducts, audience: 'payments' }).tokenFor(
      'acme',
    );

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token has expired, then 401', async () => {
    const token = await mintedAt(Date.now() - 10 * 60_000, 'acme');

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token was signed with another secret, then 401', async () => {
    const token = await createServiceTokenIssuer({
      ...ordersToProducts,
      secret: `${secret}-rotated`,
    }).tokenFor('acme');

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When this service has no SERVICE_TOKEN_SECRET, then service tokens are refused', async () => {
    const token = await createServiceTokenIssuer(ordersToProducts).tokenFor('acme');
    const withoutSecret = authenticatorFor({ AUTH_JWKS_URL: keyServer.jwksUrl });

    await expect(withoutSecret.authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When a token typed service+jwt is signed with an asymmetric key, then 401', async () => {
    const token = await sign(
      userKey,
      { iss: 'orders', aud: 'products', tenant_id: 'acme', scope: 'stock:reserve' },
      { typ: 'service+jwt' },
    );

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When an HS256 token signed with the service secret is not typed service+jwt, then the user path refuses it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tenant_id: 'acme', sub: 'u1', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('https://id.shop.test')
      .setAudience('shop-api')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(secret));

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the verifier is handed an HS256 token of the right secret that is not typed service+jwt, then it refuses it', async () => {
    const verify = serviceTokenVerifier({ secret, audience: 'products', clockToleranceSeconds: 5 });

    const result = verify(await serviceShaped({ typ: 'JWT' }));

    await expect(result).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' });
  });

  it('When a service token was issued more than an hour ago, then 401 even if its exp is later', async () => {
    const now = Math.floor(Date.now() / 1000);

    const result = products().authenticate(
      bearer(await serviceShaped({}, { iat: now - 7200, exp: now + 600 })),
    );

    await expect(result).rejects.toMatchObject(refused);
  });

  it('When a service token names no calling service, then 401', async () => {
    const [missing, url] = await Promise.all([
      serviceShaped({}, { iss: undefined }),
      serviceShaped({}, { iss: 'https://id.shop.test' }),
    ]);

    await expect(products().authenticate(bearer(missing))).rejects.toMatchObject(refused);
    await expect(products().authenticate(bearer(url))).rejects.toMatchObject(refused);
  });

  it('When a service token carries no tenant, then 403 names tenant_id', async () => {
    const token = await serviceShaped({}, { tenant_id: undefined });

    await expect(products().authenticate(bearer(token))).rejects.toMatchObject({
      status: 403,
      message: 'The token has no tenant claim: expected "tenant_id".',
    });
  });

  it('When a user token arrives where service calls are expected, then it is a user without the service role', async () => {
    const token = await sign(userKey, {
      iss: 'https://id.shop.test',
      aud: 'shop-api',
      sub: 'user-1',
      tenant_id: 'acme',
      roles: ['admin'],
    });

    const principal = await products().authenticate(bearer(token));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'user-1',
      email: null,
      roles: ['admin'],
      provider: 'oidc',
    });
  });
});
