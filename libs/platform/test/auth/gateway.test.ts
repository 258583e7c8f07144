import { describe, expect, it } from 'vitest';
import type { AuthRequest } from '../../src/auth/index.ts';
import { authenticatorFor } from './support/key-server.ts';

const gateways = (sources: string) => authenticatorFor({ AUTH_GATEWAY_SOURCES: sources });
const refused = { status: 401, code: 'unauthenticated' };

// API Gateway's Cognito authorizers hand over every claim as a string.
const cognitoClaims = {
  sub: '4f1c2b3a-5d6e-7f80-9a1b-2c3d4e5f6a7b',
  email_verified: 'true',
  iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E',
  'cognito:username': 'janedoe',
  aud: '5r2ui0vla0k7ogf0t6gq3dlr8m',
  token_use: 'id',
  auth_time: '1763700000',
  exp: 'Fri Nov 21 12:00:00 UTC 2025',
  iat: 'Fri Nov 21 11:00:00 UTC 2025',
  email: 'jane@acme.test',
  'custom:tenant_id': 'acme',
};

/** A REST API (v1) proxy event behind a Cognito user pool authorizer. */
const restApiEvent = (claims: Record<string, string>) => ({
  resource: '/orders',
  path: '/orders',
  httpMethod: 'GET',
  headers: { Authorization: 'eyJraWQiOi...' },
  requestContext: {
    resourceId: 'x1y2z3',
    resourcePath: '/orders',
    httpMethod: 'GET',
    path: '/prod/orders',
    accountId: '123456789012',
    protocol: 'HTTP/1.1',
    stage: 'prod',
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    apiId: '1234567890',
    identity: { sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
    authorizer: { claims },
  },
  isBase64Encoded: false,
});

/** The requestContext of an HTTP API (payload 2.0) event behind a JWT authorizer. */
const httpApiContext = (claims: Record<string, string>) => ({
  accountId: '123456789012',
  apiId: 'a1b2c3d4e5',
  authorizer: { jwt: { claims, scopes: ['openid', 'email'] } },
  domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
  http: {
    method: 'GET',
    path: '/orders',
    protocol: 'HTTP/1.1',
    sourceIp: '203.0.113.7',
    userAgent: 'curl/8.5.0',
  },
  requestId: 'JKJaXmPLvHcESHA=',
  routeKey: 'GET /orders',
  stage: '$default',
  time: '21/Nov/2025:11:00:00 +0000',
  timeEpoch: 1763722800000,
});
const httpApiEvent = (claims: Record<string, string>) => ({
  version: '2.0',
  routeKey: 'GET /orders',
  rawPath: '/orders',
  rawQueryString: '',
  headers: { authorization: 'Bearer eyJraWQiOi...' },
  requestContext: httpApiContext(claims),
  isBase64Encoded: false,
});

const easyAuthPrincipal = (claims: { typ: string; val: string }[]) =>
  Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      claims,
    }),
  ).toString('base64');
const entraClaims = [
  { typ: 'aud', val: '6e74172b-be56-4843-9ff4-e66a39bb12e3' },
  { typ: 'iss', val: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0' },
  { typ: 'iat', val: '1763722800' },
  { typ: 'exp', val: '1763726400' },
  { typ: 'name', val: 'Ada Lovelace' },
  {
    typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
    val: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
  },
  { typ: 'preferred_username', val: 'ada@contoso.com' },
  { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'auditor' },
  { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'admin' },
  {
    typ: 'http://schemas.microsoft.com/identity/claims/tenantid',
    val: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  },
  { typ: 'extension_tenant_id', val: 'acme' },
  { typ: 'ver', val: '2.0' },
];

const gcpUserinfo = (claims: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(claims)).toString('base64url');
const firebaseClaims = {
  iss: 'https://securetoken.google.com/shop-demo-4711',
  aud: 'shop-demo-4711',
  auth_time: 1763722800,
  user_id: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
  sub: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
  iat: 1763722800,
  exp: 1763726400,
  email: 'grace@acme.test',
  email_verified: true,
  firebase: {
    identities: { email: ['grace@acme.test'] },
    sign_in_provider: 'password',
    tenant: 'acme-x7k2p',
  },
  roles: ['admin'],
};

describe('API Gateway authorizer claims (apigateway)', () => {
  it('When a REST API event carries Cognito authorizer claims, then the caller is read from them', async () => {
    const request: AuthRequest = {
      headers: {},
      lambdaEvent: restApiEvent({ ...cognitoClaims, 'cognito:groups': 'staff,admin' }),
    };

    expect(await gateways('apigateway').authenticate(request)).toEqual({
      tenantId: 'acme',
      userId: '4f1c2b3a-5d6e-7f80-9a1b-2c3d4e5f6a7b',
      email: 'jane@acme.test',
      roles: ['admin'],
      provider: 'apigateway',
    });
  });

  it('When an HTTP API event carries JWT authorizer claims, then the bracketed groups are read', async () => {
    const request = {
      headers: {},
      lambdaEvent: httpApiEvent({ ...cognitoClaims, 'cognito:groups': '[staff admin]' }),
    };

    expect(await gateways('apigateway').authenticate(request)).toMatchObject({
      tenantId: 'acme',
      roles: ['admin'],
    });
  });

  it('When the caller is in no admin group, then a customer', async () => {
    const request = { headers: {}, lambdaEvent: httpApiEvent(cognitoClaims) };

    expect(await gateways('apigateway').authenticate(request)).toMatchObject({ roles: ['customer'] });
  });

  it('When the Lambda Web Adapter passes the request context as a header, then the claims are read from it', async () => {
    const headers = { 'x-amzn-request-context': JSON.stringify(httpApiContext(cognitoClaims)) };

    expect(await gateways('apigateway').authenticate({ headers })).toMatchObject({
      tenantId: 'acme',
      provider: 'apigateway',
    });
  });

  it('When the request context carries no authorizer, then there is no caller', async () => {
    const context = { ...httpApiContext(cognitoClaims), authorizer: undefined };

    const principal = await gateways('apigateway').authenticate({
      headers: { 'x-amzn-request-context': JSON.stringify(context) },
    });

    expect(principal).toBeNull();
  });

  it('When the claims have no custom:tenant_id, then 403 names it', async () => {
    const { 'custom:tenant_id': _, ...claims } = cognitoClaims;

    const result = gateways('apigateway').authenticate({ headers: {}, lambdaEvent: restApiEvent(claims) });

    await expect(result).rejects.toMatchObject({
      status: 403,
      message: 'The token has no tenant claim: expected "custom:tenant_id".',
    });
  });

  it('When an event carries authorizer claims while apigateway is not trusted, then 401', async () => {
    const result = gateways('').authenticate({ headers: {}, lambdaEvent: restApiEvent(cognitoClaims) });

    await expect(result).rejects.toMatchObject(refused);
  });

  it('When the request-context header carries claims while apigateway is not trusted, then 401', async () => {
    const headers = { 'x-amzn-request-context': JSON.stringify(httpApiContext(cognitoClaims)) };

    await expect(gateways('easyauth').authenticate({ headers })).rejects.toMatchObject(refused);
  });

  it('When a request-context header arrives alongside a serverless-http event, then 401 (the client wrote it)', async () => {
    const { requestContext, ...event } = httpApiEvent(cognitoClaims);
    const request = {
      headers: { 'x-amzn-request-context': JSON.stringify(requestContext) },
      lambdaEvent: { ...event, requestContext: { ...requestContext, authorizer: undefined } },
    };

    await expect(gateways('apigateway').authenticate(request)).rejects.toMatchObject(refused);
  });

  it('When the request-context header is not JSON, then 401', async () => {
    const headers = { 'x-amzn-request-context': '{not json' };

    await expect(gateways('apigateway').authenticate({ headers })).rejects.toMatchObject(refused);
  });
});

describe('Azure Easy Auth (easyauth)', () => {
  it('When X-MS-CLIENT-PRINCIPAL arrives, then the caller is read with the Entra claims', async () => {
    const headers = { 'x-ms-client-principal': easyAuthPrincipal(entraClaims) };

    expect(await gateways('easyauth').authenticate({ headers })).toEqual({
      tenantId: 'acme',
      userId: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      email: 'ada@contoso.com',
      roles: ['admin'],
      provider: 'easyauth',
    });
  });

  it('When the principal holds other roles only, then a customer', async () => {
    const claims = entraClaims.filter((claim) => claim.val !== 'admin');

    const principal = await gateways('easyauth').authenticate({
      headers: { 'x-ms-client-principal': easyAuthPrincipal(claims) },
    });

    expect(principal?.roles).toEqual(['customer']);
  });

  it('When the email arrives only as the WS-Federation emailaddress claim, then it is the email', async () => {
    const claims = [
      ...entraClaims.filter((claim) => claim.typ !== 'preferred_username'),
      {
        typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
        val: 'ada.lovelace@contoso.com',
      },
    ];

    const principal = await gateways('easyauth').authenticate({
      headers: { 'x-ms-client-principal': easyAuthPrincipal(claims) },
    });

    expect(principal?.email).toBe('ada.lovelace@contoso.com');
  });

  it('When X-MS-CLIENT-PRINCIPAL arrives while easyauth is not trusted, then 401', async () => {
    const headers = { 'x-ms-client-principal': easyAuthPrincipal(entraClaims) };

    await expect(gateways('').authenticate({ headers })).rejects.toMatchObject(refused);
  });

  it('When X-MS-CLIENT-PRINCIPAL is not the documented shape, then 401', async () => {
    const headers = { 'x-ms-client-principal': Buffer.from('{"claims":"none"}').toString('base64') };

    await expect(gateways('easyauth').authenticate({ headers })).rejects.toMatchObject(refused);
  });
});

describe('GCP API Gateway (gcp-apigateway)', () => {
  it('When X-Apigateway-Api-Userinfo arrives, then the caller is read with the Firebase claims', async () => {
    const headers = { 'x-apigateway-api-userinfo': gcpUserinfo(firebaseClaims) };

    expect(await gateways('gcp-apigateway').authenticate({ headers })).toEqual({
      tenantId: 'acme-x7k2p',
      userId: 'kZ3aVb7wYpS1o2XhQ9mR4tNc8Ud2',
      email: 'grace@acme.test',
      roles: ['admin'],
      provider: 'gcp-apigateway',
    });
  });

  it('When X-Apigateway-Api-Userinfo arrives while gcp-apigateway is not trusted, then 401', async () => {
    const headers = { 'x-apigateway-api-userinfo': gcpUserinfo(firebaseClaims) };

    await expect(gateways('apigateway,easyauth').authenticate({ headers })).rejects.toMatchObject(refused);
  });

  it('When X-Apigateway-Api-Userinfo is not JSON, then 401', async () => {
    const headers = { 'x-apigateway-api-userinfo': 'bm90IGpzb24' };

    await expect(gateways('gcp-apigateway').authenticate({ headers })).rejects.toMatchObject(refused);
  });
});

describe('gateways together', () => {
  it('When claims of two trusted gateways arrive at once, then 401', async () => {
    const headers = {
      'x-ms-client-principal': easyAuthPrincipal(entraClaims),
      'x-apigateway-api-userinfo': gcpUserinfo(firebaseClaims),
    };

    await expect(gateways('easyauth,gcp-apigateway').authenticate({ headers })).rejects.toMatchObject(
      refused,
    );
  });

  it('When a trusted gateway sent no claims and no token arrived, then there is no caller', async () => {
    expect(await gateways('apigateway,easyauth,gcp-apigateway').authenticate({ headers: {} })).toBeNull();
  });
});
