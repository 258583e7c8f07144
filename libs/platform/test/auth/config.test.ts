import { describe, expect, it } from 'vitest';
import { type AuthConfig, AuthConfigSchema, authSettingsFromConfig } from '../../src/auth/index.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { settingsFrom } from './support/key-server.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    settingsFrom(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('auth settings', () => {
  it('When nothing is set, then the dev issuer on localhost:8090 is trusted with ES256 and audience shop-api', () => {
    expect(settingsFrom({})).toMatchObject({
      provider: 'dev',
      issuer: 'http://localhost:8090',
      audiences: ['shop-api'],
      keys: { jwksUrl: new URL('http://localhost:8090/.well-known/jwks.json') },
      algorithms: ['ES256'],
      clockToleranceSeconds: 5,
      jwksTimeoutMs: 3000,
      gateways: {},
    });
  });

  it('When NODE_ENV=production and the dev issuer is configured, then the service refuses to start', () => {
    const production = (env: Record<string, string>) => {
      try {
        authSettingsFromConfig({ ...loadConfig(AuthConfigSchema, env), NODE_ENV: 'production' });
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };
    expect(production({})).toEqual([expect.stringContaining('AUTH_PROVIDER: "dev"')]);
    expect(production({ AUTH_ALLOW_DEV_PROVIDER: 'true' })).toEqual([]);
  });

  it('When Cognito is chosen, then issuer and JWKS derive from the pool id and its region', () => {
    const settings = settingsFrom({
      AUTH_PROVIDER: 'cognito',
      COGNITO_USER_POOL_ID: 'us-east-2_Xy9Zk1LmN',
      AWS_REGION: 'eu-west-1',
      AUTH_AUDIENCE: 'client-a, client-b',
    });

    expect(settings).toMatchObject({
      issuer: 'https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Xy9Zk1LmN',
      audiences: ['client-a', 'client-b'],
      keys: {
        jwksUrl: new URL(
          'https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Xy9Zk1LmN/.well-known/jwks.json',
        ),
      },
      algorithms: ['RS256'],
      cognitoTokenUse: 'any',
    });
  });

  it('When Firebase is chosen, then issuer and audience derive from the project and keys come from securetoken', () => {
    expect(settingsFrom({ AUTH_PROVIDER: 'firebase', FIREBASE_PROJECT_ID: 'shop-demo-4711' })).toMatchObject({
      issuer: 'https://securetoken.google.com/shop-demo-4711',
      audiences: ['shop-demo-4711'],
      keys: {
        jwksUrl: new URL(
          'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com',
        ),
      },
    });
  });

  it('When Entra is chosen, then its keys are found through OpenID discovery', () => {
    const issuer = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';

    expect(settingsFrom({ AUTH_PROVIDER: 'entra', AUTH_ISSUER: issuer, AUTH_AUDIENCE: 'app' }).keys).toEqual({
      discoveryUrl: new URL(`${issuer}/.well-known/openid-configuration`),
    });
  });

  it('When gateway sources and a service secret are set, then both are enabled', () => {
    const settings = settingsFrom({
      AUTH_GATEWAY_SOURCES: 'apigateway, easyauth',
      SERVICE_TOKEN_SECRET: 'x'.repeat(32),
      SERVICE_NAME: 'products',
    });

    expect(Object.keys(settings.gateways)).toEqual(['apigateway', 'easyauth']);
    expect(settings.serviceTokens).toEqual({ secret: 'x'.repeat(32), audience: 'products' });
  });

  it('When AUTH_ALGORITHMS lists a shared-secret algorithm or none, then each is named', () => {
    const problems = problemsOf({ AUTH_ALGORITHMS: 'RS256,HS256,none' });

    expect(problems).toEqual([
      expect.stringMatching(/^AUTH_ALGORITHMS: "HS256" is not allowed/),
      expect.stringMatching(/^AUTH_ALGORITHMS: "none" is not allowed/),
    ]);
  });

  it('When a provider needs an audience and none is set, then AUTH_AUDIENCE is named', () => {
    const problems = problemsOf({ AUTH_PROVIDER: 'cognito', COGNITO_USER_POOL_ID: 'eu-west-1_Ab12Cd34E' });

    expect(problems).toEqual(['AUTH_AUDIENCE is required for AUTH_PROVIDER=cognito']);
  });

  it('When entra or oidc has no issuer, then AUTH_ISSUER is named', () => {
    expect(problemsOf({ AUTH_PROVIDER: 'oidc', AUTH_AUDIENCE: 'shop' })).toEqual([
      'AUTH_ISSUER is required for AUTH_PROVIDER=oidc',
    ]);
  });

  it('When keys would be fetched over plain HTTP from a remote host, then it is refused', () => {
    const problems = problemsOf({
      AUTH_PROVIDER: 'oidc',
      AUTH_ISSUER: 'http://id.shop.test',
      AUTH_AUDIENCE: 'shop',
    });

    expect(problems).toEqual([expect.stringMatching(/^AUTH_ISSUER: keys must be fetched over https/)]);
  });

  it('When the dev issuer is reached over HTTP inside a compose network, then it is allowed', () => {
    const settings = settingsFrom({ AUTH_JWKS_URL: 'http://dev-issuer:8090/.well-known/jwks.json' });

    expect(settings.keys).toEqual({ jwksUrl: new URL('http://dev-issuer:8090/.well-known/jwks.json') });
  });

  it('When an unknown gateway source is listed, then it is named', () => {
    expect(problemsOf({ AUTH_GATEWAY_SOURCES: 'apigateway,cloudflare' })).toEqual([
      expect.stringMatching(/^AUTH_GATEWAY_SOURCES: "cloudflare" is not one of/),
    ]);
  });

  it('When SERVICE_TOKEN_SECRET is set without SERVICE_NAME, then SERVICE_NAME is named', () => {
    expect(problemsOf({ SERVICE_TOKEN_SECRET: 'x'.repeat(32) })).toEqual([
      expect.stringMatching(/^SERVICE_NAME is required when SERVICE_TOKEN_SECRET is set/),
    ]);
  });

  it('When SERVICE_TOKEN_SECRET is shorter than 32 characters, then the settings are refused', () => {
    const config = {
      ...loadConfig(AuthConfigSchema, {}),
      SERVICE_TOKEN_SECRET: 'short',
      SERVICE_NAME: 'products',
    };

    expect(() => authSettingsFromConfig(config as AuthConfig)).toThrow(/SERVICE_TOKEN_SECRET/);
  });

  it('When AUTH_CLAIM_MAP is set for a preset, then it is refused', () => {
    expect(problemsOf({ AUTH_CLAIM_MAP: '{"tenant":"org"}' })).toEqual([
      expect.stringMatching(/^AUTH_CLAIM_MAP: applies only to AUTH_PROVIDER=oidc/),
    ]);
  });

  it('When AUTH_CLAIM_MAP is not a map of known fields, then it is refused', () => {
    const base = { AUTH_PROVIDER: 'oidc', AUTH_ISSUER: 'https://id.shop.test', AUTH_AUDIENCE: 'shop' };

    expect(problemsOf({ ...base, AUTH_CLAIM_MAP: '{"tenant":' })).toHaveLength(1);
    expect(problemsOf({ ...base, AUTH_CLAIM_MAP: '{"group":"g"}' })).toHaveLength(1);
    expect(problemsOf({ ...base, AUTH_CLAIM_MAP: '{"tenant":"org","user":7}' })).toHaveLength(1);
  });

  it('When the claim map and AUTH_TENANT_CLAIM name different tenant claims, then it is refused', () => {
    const problems = problemsOf({
      AUTH_PROVIDER: 'oidc',
      AUTH_ISSUER: 'https://id.shop.test',
      AUTH_AUDIENCE: 'shop',
      AUTH_CLAIM_MAP: '{"tenant":"org"}',
      AUTH_TENANT_CLAIM: 'tenant',
    });

    expect(problems).toEqual([expect.stringMatching(/AUTH_TENANT_CLAIM/)]);
  });

  it('When several variables are wrong, then all are named at once', () => {
    const problems = problemsOf({
      AUTH_PROVIDER: 'entra',
      AUTH_ALGORITHMS: 'HS512',
      AUTH_GATEWAY_SOURCES: 'x',
    });

    expect(problems).toHaveLength(4);
  });
});
