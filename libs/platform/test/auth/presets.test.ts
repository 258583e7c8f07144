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

beforeAll(async () => {
  key = await createKey('RS256');
  keyServer = await startKeyServer(key);
});
afterAll(() => keyServer.close());

describe('Cognito', () => {
  const pool = 'eu-west-1_Ab12Cd34E';
  const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${pool}`;
  const client = '5r2ui0vla0k7ogf0t6gq3dlr8m';
  const env = () => ({
    AUTH_PROVIDER: 'cognito',
    COGNITO_USER_POOL_ID: pool,
    AUTH_AUDIENCE: client,
    AUTH_JWKS_URL: keyServer.jwksUrl,
  });
  // Claims as Cognito documents its ID token.
  const idToken = (claims: Record<string, unknown> = {}) =>
    sign(key, {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['admin'],
      email_verified: true,
      iss: issuer,
      'cognito:username': 'janedoe',
      origin_jti: 'f3c0e6b5-0a0b-4c8e-9f7a-1b2c3d4e5f60',
      aud: client,
      event_id: '0f7fbd0e-5d5d-4b1b-8a8a-3c3c3c3c3c3c',
      token_use: 'id',
      auth_time: now(),
      jti: 'b5b7c4a0-1111-2222-3333-444455556666',
      email: 'jane@acme.test',
      'custom:tenant_id': 'acme',
      ...claims,
    });
  // Claims as Cognito documents its access token: no `aud`, no email, no custom attributes.
  const accessToken = (claims: Record<string, unknown> = {}) =>
    sign(key, {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['admin'],
      iss: issuer,
      version: 2,
      client_id: client,
      origin_jti: 'f3c0e6b5-0a0b-4c8e-9f7a-1b2c3d4e5f60',
      event_id: '0f7fbd0e-5d5d-4b1b-8a8a-3c3c3c3c3c3c',
      token_use: 'access',
      scope: 'openid email',
      auth_time: now(),
      jti: 'b5b7c4a0-1111-2222-3333-444455556666',
      username: 'janedoe',
      ...claims,
    });

  it('When an ID token of a member of the admin group arrives, then the caller is an admin of its custom:tenant_id', async () => {
    const principal = await authenticatorFor(env()).authenticate(bearer(await idToken()));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      email: 'jane@acme.test',
      roles: ['admin'],
      provider: 'cognito',
    });
  });

  it('When the user is in other groups only, then the caller is a customer', async () => {
    const principal = await authenticatorFor(env()).authenticate(
      bearer(await idToken({ 'cognito:groups': ['staff'] })),
    );

    expect(principal?.roles).toEqual(['customer']);
  });

  it('When AUTH_ADMIN_ROLE names another group, then that group makes admins', async () => {
    const authenticator = authenticatorFor({ ...env(), AUTH_ADMIN_ROLE: 'shop-admins' });

    const principal = await authenticator.authenticate(
      bearer(await idToken({ 'cognito:groups': ['shop-admins'] })),
    );

    expect(principal?.roles).toEqual(['admin']);
  });

  it('When an access token names the app client in client_id and carries the tenant, then it is accepted', async () => {
    // A pre token generation trigger (v2) can add the tenant to access tokens.
    const token = await accessToken({ 'custom:tenant_id': 'acme' });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      email: null,
      roles: ['admin'],
      provider: 'cognito',
    });
  });

  it('When an access token has no custom:tenant_id, then 403 names the claim expected', async () => {
    const result = authenticatorFor(env()).authenticate(bearer(await accessToken()));

    await expect(result).rejects.toMatchObject({
      status: 403,
      code: 'tenant_missing',
      message: 'The token has no tenant claim: expected "custom:tenant_id".',
    });
  });

  it('When an access token was issued to another app client, then 401', async () => {
    const token = await accessToken({ 'custom:tenant_id': 'acme', client_id: 'another-client' });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({ status: 401 });
  });

  it('When an ID token was issued to another app client, then 401', async () => {
    const token = await idToken({ aud: 'another-client' });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({ status: 401 });
  });

  it('When COGNITO_TOKEN_USE is id and an access token arrives, then 401', async () => {
    const token = await accessToken({ 'custom:tenant_id': 'acme' });

    const result = authenticatorFor({ ...env(), COGNITO_TOKEN_USE: 'id' }).authenticate(bearer(token));

    await expect(result).rejects.toMatchObject({ status: 401 });
  });

  it('When COGNITO_TOKEN_USE is access and an ID token arrives, then 401', async () => {
    const result = authenticatorFor({ ...env(), COGNITO_TOKEN_USE: 'access' }).authenticate(
      bearer(await idToken()),
    );

    await expect(result).rejects.toMatchObject({ status: 401 });
  });

  it('When a token of the pool has no token_use, then 401', async () => {
    const result = authenticatorFor(env()).authenticate(bearer(await idToken({ token_use: undefined })));

    await expect(result).rejects.toMatchObject({ status: 401 });
  });

  it('When AUTH_TENANT_CLAIM names another attribute, then the tenant is read from it and named when missing', async () => {
    const authenticator = authenticatorFor({ ...env(), AUTH_TENANT_CLAIM: 'custom:org' });

    const principal = await authenticator.authenticate(bearer(await idToken({ 'custom:org': 'globex' })));
    const missing = authenticator.authenticate(bearer(await idToken()));

    expect(principal?.tenantId).toBe('globex');
    await expect(missing).rejects.toMatchObject({
      status: 403,
      message: 'The token has no tenant claim: expected "custom:org".',
    });
  });
});

describe('Entra ID', () => {
  const directory = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const issuer = `https://login.microsoftonline.com/${directory}/v2.0`;
  const client = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
  const env = () => ({
    AUTH_PROVIDER: 'entra',
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: client,
    AUTH_JWKS_URL: keyServer.jwksUrl,
  });
  // Claims as Microsoft documents a v2.0 access token.
  const accessToken = (claims: Record<string, unknown> = {}) =>
    sign(key, {
      aud: client,
      iss: issuer,
      nbf: now() - 60,
      aio: 'AXQAi/8TAAAAr+Sf6nT2p7o4d9y5yHgk',
      azp: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      azpacr: '0',
      name: 'Ada Lovelace',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      preferred_username: 'ada@contoso.com',
      rh: 'I',
      roles: ['admin'],
      scp: 'access_as_user',
      sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
      tid: directory,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
      extension_tenant_id: 'acme',
      ...claims,
    });

  it('When a v2 access token with the admin app role arrives, then the caller is an admin known by oid', async () => {
    const principal = await authenticatorFor(env()).authenticate(bearer(await accessToken()));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      email: 'ada@contoso.com',
      roles: ['admin'],
      provider: 'entra',
    });
  });

  it('When the token has an email claim and no app role, then it is the email of a customer', async () => {
    const token = await accessToken({ roles: undefined, email: 'ada.lovelace@contoso.com' });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toMatchObject({ email: 'ada.lovelace@contoso.com', roles: ['customer'] });
  });

  it('When the tenant is a directory extension named by AUTH_TENANT_CLAIM, then it is read from there', async () => {
    const claim = 'extension_6e74172bbe5648439ff4e66a39bb12e3_tenantId';
    const authenticator = authenticatorFor({ ...env(), AUTH_TENANT_CLAIM: claim });

    const principal = await authenticator.authenticate(bearer(await accessToken({ [claim]: 'globex' })));

    expect(principal?.tenantId).toBe('globex');
  });

  it('When the token has no tenant claim, then 403 names extension_tenant_id', async () => {
    const token = await accessToken({ extension_tenant_id: undefined });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({
      status: 403,
      message: 'The token has no tenant claim: expected "extension_tenant_id".',
    });
  });

  it('When a v1 token of the same directory arrives, then 401 (the issuer differs)', async () => {
    const token = await accessToken({ iss: `https://sts.windows.net/${directory}/`, ver: '1.0' });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({ status: 401 });
  });
});

describe('Firebase / Identity Platform', () => {
  const project = 'shop-demo-4711';
  const env = () => ({
    AUTH_PROVIDER: 'firebase',
    FIREBASE_PROJECT_ID: project,
    AUTH_JWKS_URL: keyServer.jwksUrl,
  });
  // Claims as Firebase documents its ID token, custom claims at the top level.
  const idToken = (claims: Record<string, unknown> = {}) =>
    sign(key, {
      iss: `https://securetoken.google.com/${project}`,
      aud: project,
      auth_time: now(),
      user_id: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
      sub: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
      email: 'grace@acme.test',
      email_verified: true,
      firebase: { identities: { email: ['grace@acme.test'] }, sign_in_provider: 'password' },
      ...claims,
    });

  it('When the custom claims hold tenant_id and an admin role, then the caller is an admin of that tenant', async () => {
    const token = await idToken({ tenant_id: 'acme', roles: ['admin'] });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
      email: 'grace@acme.test',
      roles: ['admin'],
      provider: 'firebase',
    });
  });

  it('When the user signed in to an Identity Platform tenant and has admin: true, then that tenant and admin', async () => {
    const token = await idToken({
      admin: true,
      firebase: { identities: {}, sign_in_provider: 'password', tenant: 'acme-x7k2p' },
    });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toMatchObject({ tenantId: 'acme-x7k2p', roles: ['admin'] });
  });

  it('When both a tenant_id claim and an Identity Platform tenant are present, then tenant_id wins', async () => {
    const token = await idToken({
      tenant_id: 'acme',
      firebase: { sign_in_provider: 'password', tenant: 'other-9z' },
    });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toMatchObject({ tenantId: 'acme', roles: ['customer'] });
  });

  it('When no tenant is present, then 403 names both claims', async () => {
    await expect(authenticatorFor(env()).authenticate(bearer(await idToken()))).rejects.toMatchObject({
      status: 403,
      message: 'The token has no tenant claim: expected "tenant_id" or "firebase.tenant".',
    });
  });

  it('When the token was issued for another project, then 401', async () => {
    const token = await idToken({
      tenant_id: 'acme',
      aud: 'other-project',
      iss: 'https://securetoken.google.com/other-project',
    });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({ status: 401 });
  });
});

describe('generic OIDC', () => {
  const env = (extra: Record<string, string> = {}) => ({
    AUTH_PROVIDER: 'oidc',
    AUTH_ISSUER: keyServer.url,
    AUTH_AUDIENCE: 'shop',
    ...extra,
  });

  it('When AUTH_CLAIM_MAP names nested claims, then the principal is read from them', async () => {
    // Claims as Keycloak puts them, with an organisation mapper.
    const token = await sign(key, {
      iss: keyServer.url,
      aud: 'shop',
      sub: 'f1e2d3c4',
      mail: 'linus@acme.test',
      organization: { id: 'acme' },
      realm_access: { roles: ['offline_access', 'shop-admin'] },
    });
    const authenticator = authenticatorFor(
      env({
        AUTH_CLAIM_MAP: JSON.stringify({
          tenant: 'organization.id',
          email: 'mail',
          roles: 'realm_access.roles',
        }),
        AUTH_ADMIN_ROLE: 'shop-admin',
      }),
    );

    const principal = await authenticator.authenticate(bearer(token));

    expect(principal).toEqual({
      tenantId: 'acme',
      userId: 'f1e2d3c4',
      email: 'linus@acme.test',
      roles: ['admin'],
      provider: 'oidc',
    });
  });

  it('When a claim name contains dots itself, then it is read as one claim', async () => {
    const token = await sign(key, {
      iss: keyServer.url,
      aud: 'shop',
      sub: 'u1',
      'https://shop.example/tenant': 'acme',
    });

    const principal = await authenticatorFor(
      env({ AUTH_TENANT_CLAIM: 'https://shop.example/tenant' }),
    ).authenticate(bearer(token));

    expect(principal?.tenantId).toBe('acme');
  });

  it('When the tenant claim does not hold a valid tenant id, then 403', async () => {
    const token = await sign(key, { iss: keyServer.url, aud: 'shop', sub: 'u1', tenant_id: 'acme#ORDER' });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({
      status: 403,
      code: 'tenant_missing',
    });
  });

  it('When the token names no user, then 401', async () => {
    const token = await sign(key, { iss: keyServer.url, aud: 'shop', tenant_id: 'acme' });

    await expect(authenticatorFor(env()).authenticate(bearer(token))).rejects.toMatchObject({ status: 401 });
  });

  it('When a user token lists a "service" role, then the caller is still only a customer', async () => {
    const token = await sign(key, {
      iss: keyServer.url,
      aud: 'shop',
      sub: 'u1',
      tenant_id: 'acme',
      roles: ['service'],
    });

    const principal = await authenticatorFor(env()).authenticate(bearer(token));

    expect(principal).toMatchObject({ roles: ['customer'], provider: 'oidc' });
    expect(principal?.scopes).toBeUndefined();
  });
});
