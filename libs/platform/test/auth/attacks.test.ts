import { base64url, type CryptoKey, exportSPKI, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticatorFor,
  bearer,
  createKey,
  type KeyServer,
  sign,
  startKeyServer,
  type TestKey,
} from './support/key-server.ts';

let key: TestKey;
let keyServer: KeyServer;
const now = () => Math.floor(Date.now() / 1000);
const env = (extra: Record<string, string> = {}) => ({
  AUTH_PROVIDER: 'oidc',
  AUTH_ISSUER: 'https://id.shop.test',
  AUTH_AUDIENCE: 'shop-api',
  AUTH_JWKS_URL: keyServer.jwksUrl,
  ...extra,
});
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'https://id.shop.test',
  aud: 'shop-api',
  sub: 'user-1',
  tenant_id: 'acme',
  ...extra,
});
const refused = { status: 401, code: 'unauthenticated' };

beforeAll(async () => {
  key = await createKey('RS256');
  keyServer = await startKeyServer(key);
});
afterAll(() => keyServer.close());

describe('bearer tokens that must be refused', () => {
  it('When a well-formed token arrives, then it is accepted (the baseline the attacks below alter)', async () => {
    const principal = await authenticatorFor(env()).authenticate(bearer(await sign(key, claims())));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'user-1',
      email: null,
      roles: ['customer'],
      provider: 'oidc',
    });
  });

  it('When the token is unsigned (alg none), then 401', async () => {
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims(), exp: now() + 600 })}.`;

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token is HS256-signed with the public RSA key as the secret, then 401', async () => {
    const publicKey = await importJWK(key.publicJwk, 'RS256', { extractable: true });
    const publicPem = await exportSPKI(publicKey as CryptoKey);
    const token = await new SignJWT({ ...claims(), exp: now() + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .sign(new TextEncoder().encode(publicPem));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token names a kid the issuer does not publish, then 401', async () => {
    const stranger = await createKey('RS256');

    const result = authenticatorFor(env()).authenticate(bearer(await sign(stranger, claims())));

    await expect(result).rejects.toMatchObject(refused);
  });

  it("When the token is signed by another issuer's key under a published kid, then 401", async () => {
    const impostor = { ...(await createKey('RS256')), kid: key.kid };

    const result = authenticatorFor(env()).authenticate(bearer(await sign(impostor, claims())));

    await expect(result).rejects.toMatchObject(refused);
  });

  it('When the payload was altered after signing, then 401', async () => {
    const [header, , signature] = (await sign(key, claims())).split('.');
    const forged = base64url.encode(JSON.stringify({ ...claims({ tenant_id: 'globex' }), exp: now() + 600 }));

    const result = authenticatorFor(env()).authenticate(bearer(`${header}.${forged}.${signature}`));

    await expect(result).rejects.toMatchObject(refused);
  });

  it('When the token names another issuer, then 401', async () => {
    const token = await sign(key, claims({ iss: 'https://evil.test' }));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token is for another audience, then 401', async () => {
    const token = await sign(key, claims({ aud: 'another-api' }));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token has expired beyond the clock tolerance, then 401 says so', async () => {
    const token = await sign(key, claims({ iat: now() - 3600, exp: now() - 60 }));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({
      ...refused,
      message: 'The bearer token has expired.',
    });
  });

  it('When the token expired within the clock tolerance, then it is still accepted', async () => {
    const token = await sign(key, claims({ iat: now() - 3600, exp: now() - 2 }));

    const principal = await authenticatorFor(env({ AUTH_CLOCK_TOLERANCE_SECONDS: '5' })).authenticate(
      bearer(token),
    );

    expect(principal?.userId).toBe('user-1');
  });

  it('When the token is not valid yet (nbf in the future), then 401', async () => {
    const token = await sign(key, claims({ nbf: now() + 600 }));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token has no exp, then 401', async () => {
    const token = await sign(key, claims({ exp: undefined }));

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject(refused);
  });

  it('When the token uses a published key but an algorithm not in AUTH_ALGORITHMS, then 401', async () => {
    const ecKey = await createKey('ES256');
    keyServer.publish(key, ecKey);

    const result = authenticatorFor(env()).authenticate(bearer(await sign(ecKey, claims())));

    await expect(result).rejects.toMatchObject(refused);
    keyServer.publish(key);
  });

  it('When the token is not a JWT at all, then 401', async () => {
    await expect(authenticatorFor(env()).authenticate(bearer('not-a-token'))).rejects.toMatchObject(refused);
  });

  it('When the credentials use another scheme than Bearer, then 401', async () => {
    const request = { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } };

    await expect(authenticatorFor(env()).authenticate(request)).rejects.toMatchObject(refused);
  });

  it('When no credentials arrive, then there is no caller and no error', async () => {
    expect(await authenticatorFor(env()).authenticate({ headers: {} })).toBeNull();
  });
});
