import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertStorefrontConfig,
  storefrontConfig,
  type TerraformOutputs,
} from '../../../scripts/deploy/storefront-config.ts';
import { apiUrl, CLAIMS, ConfigError, loadConfig, parseConfig } from '../web/config.ts';

const problemsOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

const outputs = (values: Record<string, string>): TerraformOutputs =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));

describe('config.json of the local stacks', () => {
  it('When public/config.json is read, then it is same-origin with dev-issuer sign-in, and valid for the deploy schema', async () => {
    const raw = JSON.parse(await readFile(join(import.meta.dirname, '../public/config.json'), 'utf8'));

    assertStorefrontConfig(raw);
    expect(parseConfig(raw)).toEqual({
      apiBaseUrl: '',
      tenant: 'demo',
      provider: 'local',
      auth: { mode: 'dev', issuer: '/dev-issuer', claims: CLAIMS.dev },
    });
  });
});

describe('config.json written by each deployment (scripts/deploy/storefront-config.ts)', () => {
  it('When AWS writes it, then sign-in is Cognito over OIDC with the ID token and its complete logout URL', () => {
    const config = storefrontConfig(
      'aws',
      outputs({
        api_url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
        default_tenant: 'demo',
        storefront_url: 'https://d111111abcdef8.cloudfront.net',
        cognito_issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
        cognito_client_id: '1example23456789',
        cognito_domain_url: 'https://shop-1a2b.auth.eu-west-1.amazoncognito.com',
      }),
    );

    expect(parseConfig(config)).toEqual({
      apiBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      tenant: 'demo',
      provider: 'aws',
      auth: {
        mode: 'oidc',
        authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
        clientId: '1example23456789',
        scopes: ['openid', 'email', 'profile'],
        redirectUri: 'https://d111111abcdef8.cloudfront.net/',
        postLogoutRedirectUri: 'https://d111111abcdef8.cloudfront.net/',
        logoutUrl:
          'https://shop-1a2b.auth.eu-west-1.amazoncognito.com/logout?client_id=1example23456789&logout_uri=https%3A%2F%2Fd111111abcdef8.cloudfront.net%2F',
        tokenType: 'id_token',
        discoveryUrl:
          'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/openid-configuration',
        label: 'Amazon Cognito',
        claims: CLAIMS.cognito,
      },
    });
  });

  it('When Azure writes it, then sign-in is Entra ID over OIDC with the API access token and its scope', () => {
    const config = storefrontConfig(
      'azure',
      outputs({
        api_url: 'https://shop-gateway.kindsea-1234.westeurope.azurecontainerapps.io',
        default_tenant: '11111111-2222-3333-4444-555555555555',
        storefront_url: 'https://shopweb1234.z6.web.core.windows.net/',
        entra_authority: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
        entra_client_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        entra_api_scope: 'api://aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/access_as_user',
      }),
    );

    expect(parseConfig(config).auth).toMatchObject({
      mode: 'oidc',
      scopes: ['openid', 'profile', 'email', 'api://aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/access_as_user'],
      redirectUri: 'https://shopweb1234.z6.web.core.windows.net/',
      logoutUrl: undefined,
      tokenType: 'access_token',
      label: 'Microsoft Entra ID',
      claims: { tenant: ['tid', 'extension_tenant_id'], roles: ['roles'] },
    });
  });

  it('When GCP writes it, then sign-in is Identity Platform over REST with its API key and tenant', () => {
    const config = storefrontConfig(
      'gcp',
      outputs({
        api_url: 'https://shop.example.com',
        default_tenant: 'shop-demo-x1y2z',
        firebase_api_key: 'AIzaSyExample',
        firebase_auth_domain: 'shop-project.firebaseapp.com',
        project_id: 'shop-project',
        identity_platform_tenant_id: 'shop-demo-x1y2z',
      }),
    );

    expect(parseConfig(config)).toEqual({
      apiBaseUrl: 'https://shop.example.com',
      tenant: 'shop-demo-x1y2z',
      provider: 'gcp',
      auth: {
        mode: 'firebase',
        apiKey: 'AIzaSyExample',
        authDomain: 'shop-project.firebaseapp.com',
        projectId: 'shop-project',
        tenantId: 'shop-demo-x1y2z',
        claims: CLAIMS.firebase,
      },
    });
  });
});

describe('config.json problems', () => {
  it('When the config is wrong in several places, then every problem is named at once', () => {
    expect(
      problemsOf({
        apiBaseUrl: 'ftp://x',
        tenant: 'not a tenant!',
        provider: 'mars',
        auth: { mode: 'oidc', authority: 'http://insecure.example', scopes: [], tokenType: 'refresh_token' },
      }),
    ).toEqual([
      'apiBaseUrl must be an http(s) URL',
      'tenant must be a tenant id: letters, digits, dot, underscore, dash (1–128)',
      'provider must be one of "local", "aws", "gcp", "azure"',
      'auth.authority must be an https URL',
      'auth.clientId is required',
      'auth.scopes must be a non-empty list of strings',
      'auth.redirectUri is required',
      'auth.tokenType must be one of "id_token", "access_token"',
    ]);
  });

  it('When required parts are missing, then they are named', () => {
    expect(problemsOf({})).toEqual(['apiBaseUrl is required', 'tenant is required', 'auth is required']);
    expect(problemsOf({ apiBaseUrl: '', tenant: 'demo', auth: { mode: 'saml' } })).toEqual([
      'auth.mode must be one of "dev", "oidc", "firebase"',
    ]);
    expect(problemsOf({ apiBaseUrl: '', tenant: 'demo', auth: { mode: 'dev' } })).toEqual([
      'auth.issuer is required',
    ]);
    expect(problemsOf({ apiBaseUrl: '', tenant: 'demo', auth: { mode: 'firebase', apiKey: 'k' } })).toEqual([
      'auth.authDomain is required',
      'auth.projectId is required',
    ]);
    expect(problemsOf([])).toEqual(['the file must hold a JSON object']);
  });

  it('When keys this build does not know are present, then they are ignored (a newer deploy may add some)', () => {
    const config = parseConfig({
      apiBaseUrl: 'https://api.example.com/',
      tenant: 'demo',
      region: 'eu',
      auth: { mode: 'dev', issuer: 'http://localhost:8090/', extra: 1 },
    });

    expect(config).toMatchObject({
      apiBaseUrl: 'https://api.example.com',
      auth: { issuer: 'http://localhost:8090' },
    });
  });

  it('When API URLs are built, then an empty base is the page’s origin and an absolute one stands', () => {
    const page = 'https://shop.example.com/index.html#/cart';

    expect(apiUrl({ apiBaseUrl: '' }, '/products?q=mug', page)).toBe(
      'https://shop.example.com/products?q=mug',
    );
    expect(apiUrl({ apiBaseUrl: 'https://api.example.com/v1' }, '/orders/1', page)).toBe(
      'https://api.example.com/v1/orders/1',
    );
  });

  it('When config.json cannot be fetched or is not JSON, then loading says so', async () => {
    const answer = (ok: boolean, status: number, json: () => Promise<unknown>) => async () => ({
      ok,
      status,
      json,
    });

    await expect(loadConfig(answer(false, 404, async () => ({})))).rejects.toThrow(
      /config.json answered 404/,
    );
    await expect(
      loadConfig(
        answer(true, 200, async () => {
          throw new SyntaxError('x');
        }),
      ),
    ).rejects.toThrow(/not JSON/);
    await expect(
      loadConfig(async () => {
        throw new TypeError('offline');
      }),
    ).rejects.toThrow(/could not be fetched/);
    await expect(
      loadConfig(
        answer(true, 200, async () => ({
          apiBaseUrl: '',
          tenant: 'demo',
          auth: { mode: 'dev', issuer: '/dev-issuer' },
        })),
      ),
    ).resolves.toMatchObject({ tenant: 'demo', auth: { issuer: '/dev-issuer' } });
  });
});
