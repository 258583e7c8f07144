import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ConfigError, csv } from '../config.ts';
import { type ClaimMapping, claimMappingFor, type UserTokenProvider } from './presets.ts';

/** Platforms whose gateway verifies the token itself and hands the service its claims. */
export type GatewaySource = 'apigateway' | 'easyauth' | 'gcp-apigateway';
const gatewaySources: readonly GatewaySource[] = ['apigateway', 'easyauth', 'gcp-apigateway'];

/** Asymmetric algorithms only: a user token must never verify with a shared secret (or with none). */
const userTokenAlgorithms = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'Ed25519',
  'EdDSA',
]);

const FIREBASE_JWKS_URL =
  'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';

/** Environment variables of authentication; merged into each service's config schema. */
export const AuthConfigSchema = Type.Object({
  AUTH_PROVIDER: Type.Union(
    [
      Type.Literal('dev'),
      Type.Literal('cognito'),
      Type.Literal('entra'),
      Type.Literal('firebase'),
      Type.Literal('oidc'),
    ],
    { default: 'dev', description: 'Who issues the bearer tokens users present.' },
  ),
  AUTH_ISSUER: Type.Optional(
    Type.String({
      description:
        'Expected `iss`. Derived for cognito (COGNITO_USER_POOL_ID) and firebase (FIREBASE_PROJECT_ID); ' +
        'dev defaults to http://localhost:8090; required for entra (https://login.microsoftonline.com/<tid>/v2.0) and oidc.',
    }),
  ),
  AUTH_AUDIENCE: Type.Optional(
    Type.String({
      description:
        'Comma list of accepted audiences: the app client id(s) for cognito and entra, the project id for firebase ' +
        '(default), `shop-api` for dev (default).',
    }),
  ),
  AUTH_JWKS_URL: Type.Optional(
    Type.String({ description: 'Where the signing keys are, when not where the provider publishes them.' }),
  ),
  AUTH_ALGORITHMS: Type.Optional(
    Type.String({
      description: 'Comma list of accepted signature algorithms; RS256 by default, ES256 for dev.',
    }),
  ),
  AUTH_CLOCK_TOLERANCE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 5 }),
  AUTH_JWKS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 30_000, default: 3000 }),
  AUTH_TENANT_CLAIM: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Claim holding the tenant id, replacing the preset default (cognito `custom:tenant_id`, entra ' +
        '`extension_tenant_id`, firebase `tenant_id` then `firebase.tenant`, dev and oidc `tenant_id`).',
    }),
  ),
  AUTH_CLAIM_MAP: Type.Optional(
    Type.String({
      description:
        'oidc only: JSON {"tenant","user","email","roles"} naming the claims; dotted names read nested claims.',
    }),
  ),
  AUTH_ADMIN_ROLE: Type.String({
    minLength: 1,
    default: 'admin',
    description: 'Group or role name that makes a user an admin; everyone else is a customer.',
  }),
  COGNITO_USER_POOL_ID: Type.Optional(Type.String({ pattern: '^[\\w-]+_[0-9a-zA-Z]+$' })),
  AWS_REGION: Type.Optional(
    Type.String({
      description:
        "Read by the AWS SDK. Cognito's issuer takes its region from the pool id's prefix instead, " +
        'which stays right when the pool lives in another region than the service.',
    }),
  ),
  COGNITO_TOKEN_USE: Type.Union([Type.Literal('id'), Type.Literal('access'), Type.Literal('any')], {
    default: 'any',
    description:
      'Which Cognito tokens are accepted: ID tokens carry custom attributes, access tokens do not.',
  }),
  FIREBASE_PROJECT_ID: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$' })),
  AUTH_GATEWAY_SOURCES: Type.String({
    default: '',
    description:
      'Comma list of gateways whose verified claims are trusted: apigateway, easyauth, gcp-apigateway. ' +
      'List one only where that gateway sets its header and clients cannot reach the service around it.',
  }),
  SERVICE_TOKEN_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'Shared secret of service-to-service tokens; unset = none accepted.',
    }),
  ),
  AUTH_ALLOW_DEV_PROVIDER: Type.Boolean({
    default: false,
    description:
      'Accept AUTH_PROVIDER=dev when NODE_ENV=production: only for a local production-like stack (compose).',
  }),
  SERVICE_NAME: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z0-9-]*$',
      description: "This service's name (products, orders): the audience of the service tokens it accepts.",
    }),
  ),
});

export type AuthConfig = Static<typeof AuthConfigSchema>;

/** Where a provider publishes its signing keys. */
export type KeyLocation = { jwksUrl: URL } | { discoveryUrl: URL };

/** Authentication settings, normalised and checked once at start. */
export interface AuthSettings {
  provider: UserTokenProvider;
  issuer: string;
  audiences: string[];
  keys: KeyLocation;
  algorithms: string[];
  clockToleranceSeconds: number;
  jwksTimeoutMs: number;
  cognitoTokenUse: 'id' | 'access' | 'any';
  /** How the bearer tokens' claims become a principal. */
  claims: ClaimMapping;
  /** Gateways whose claims are trusted, each with the mapping of its platform's identity provider. */
  gateways: Partial<Record<GatewaySource, ClaimMapping>>;
  /** Set only when SERVICE_TOKEN_SECRET is: service tokens are otherwise refused. */
  serviceTokens?: { secret: string; audience: string };
}

/** The identity provider each gateway fronts: its claims are read like that provider's tokens. */
const gatewayProvider: Record<GatewaySource, UserTokenProvider> = {
  apigateway: 'cognito',
  easyauth: 'entra',
  'gcp-apigateway': 'firebase',
};

/** Turns validated variables into settings; throws a ConfigError naming every bad variable. */
export function authSettingsFromConfig(config: AuthConfig & { NODE_ENV?: string }): AuthSettings {
  const problems = Value.Errors(AuthConfigSchema, config).map(
    (error) => `${error.instancePath.replace(/^\//, '') || 'auth config'}: ${error.message}`,
  );
  if (problems.length) throw new ConfigError(problems);
  // The dev issuer signs anyone in as anyone: a production process must name its real provider.
  if (config.NODE_ENV === 'production' && config.AUTH_PROVIDER === 'dev' && !config.AUTH_ALLOW_DEV_PROVIDER) {
    problems.push(
      'AUTH_PROVIDER: "dev" (the local dev issuer) is refused when NODE_ENV=production; set your identity provider (cognito, entra, firebase, oidc), or AUTH_ALLOW_DEV_PROVIDER=true for a local stack',
    );
  }

  const provider = config.AUTH_PROVIDER;
  const issuer = issuerOf(config, problems);
  const audiences = audiencesOf(config, problems);
  const algorithms = algorithmsOf(config, problems);
  const keys = issuer === undefined ? undefined : keysOf(config, issuer, problems);
  const mappingOptions = { tenantClaim: config.AUTH_TENANT_CLAIM, adminRole: config.AUTH_ADMIN_ROLE };
  const claims = claimMappingFor(provider, { ...mappingOptions, claimMap: claimMapOf(config, problems) });
  const gateways: AuthSettings['gateways'] = {};
  for (const source of csv(config.AUTH_GATEWAY_SOURCES)) {
    if (gatewaySources.includes(source as GatewaySource)) {
      gateways[source as GatewaySource] = claimMappingFor(
        gatewayProvider[source as GatewaySource],
        mappingOptions,
      );
    } else {
      problems.push(`AUTH_GATEWAY_SOURCES: "${source}" is not one of ${gatewaySources.join(', ')}`);
    }
  }
  if (config.SERVICE_TOKEN_SECRET !== undefined && config.SERVICE_NAME === undefined) {
    problems.push(
      'SERVICE_NAME is required when SERVICE_TOKEN_SECRET is set: it is the audience of service tokens',
    );
  }
  if (problems.length || issuer === undefined || keys === undefined) throw new ConfigError(problems);

  return {
    provider,
    issuer,
    audiences,
    keys,
    algorithms,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    jwksTimeoutMs: config.AUTH_JWKS_TIMEOUT_MS,
    cognitoTokenUse: config.COGNITO_TOKEN_USE,
    claims,
    gateways,
    ...(config.SERVICE_TOKEN_SECRET !== undefined &&
      config.SERVICE_NAME !== undefined && {
        serviceTokens: { secret: config.SERVICE_TOKEN_SECRET, audience: config.SERVICE_NAME },
      }),
  };
}

function issuerOf(config: AuthConfig, problems: string[]): string | undefined {
  if (config.AUTH_ISSUER !== undefined) {
    if (!URL.canParse(config.AUTH_ISSUER)) problems.push('AUTH_ISSUER: must be a URL');
    return config.AUTH_ISSUER;
  }
  switch (config.AUTH_PROVIDER) {
    case 'dev':
      return 'http://localhost:8090';
    case 'cognito': {
      const pool = config.COGNITO_USER_POOL_ID;
      if (pool === undefined) {
        problems.push('COGNITO_USER_POOL_ID (or AUTH_ISSUER) is required for AUTH_PROVIDER=cognito');
        return undefined;
      }
      // A pool id is `<region>_<id>`; the issuer lives in the pool's region.
      return `https://cognito-idp.${pool.slice(0, pool.indexOf('_'))}.amazonaws.com/${pool}`;
    }
    case 'firebase':
      if (config.FIREBASE_PROJECT_ID === undefined) {
        problems.push('FIREBASE_PROJECT_ID (or AUTH_ISSUER) is required for AUTH_PROVIDER=firebase');
        return undefined;
      }
      return `https://securetoken.google.com/${config.FIREBASE_PROJECT_ID}`;
    case 'entra':
      problems.push(
        'AUTH_ISSUER is required for AUTH_PROVIDER=entra: https://login.microsoftonline.com/<tenant-id>/v2.0',
      );
      return undefined;
    case 'oidc':
      problems.push('AUTH_ISSUER is required for AUTH_PROVIDER=oidc');
      return undefined;
  }
}

function audiencesOf(config: AuthConfig, problems: string[]): string[] {
  const configured = csv(config.AUTH_AUDIENCE);
  if (configured.length) return configured;
  if (config.AUTH_PROVIDER === 'dev') return ['shop-api'];
  if (config.AUTH_PROVIDER === 'firebase' && config.FIREBASE_PROJECT_ID !== undefined) {
    return [config.FIREBASE_PROJECT_ID];
  }
  // Without an audience any token of the same issuer, minted for another app, would be accepted.
  problems.push(`AUTH_AUDIENCE is required for AUTH_PROVIDER=${config.AUTH_PROVIDER}`);
  return [];
}

function algorithmsOf(config: AuthConfig, problems: string[]): string[] {
  const algorithms = csv(config.AUTH_ALGORITHMS);
  if (!algorithms.length) return config.AUTH_PROVIDER === 'dev' ? ['ES256'] : ['RS256'];
  for (const algorithm of algorithms) {
    if (!userTokenAlgorithms.has(algorithm)) {
      problems.push(
        `AUTH_ALGORITHMS: "${algorithm}" is not allowed for user tokens (one of ${[...userTokenAlgorithms].join(', ')})`,
      );
    }
  }
  return algorithms;
}

/** AUTH_JWKS_URL, else where the provider publishes its keys. */
function keyLocationOf(config: AuthConfig, issuer: string): KeyLocation {
  if (config.AUTH_JWKS_URL !== undefined) return { jwksUrl: new URL(config.AUTH_JWKS_URL) };
  const base = issuer.replace(/\/+$/, '');
  switch (config.AUTH_PROVIDER) {
    case 'dev':
    case 'cognito':
      return { jwksUrl: new URL(`${base}/.well-known/jwks.json`) };
    case 'firebase':
      return { jwksUrl: new URL(FIREBASE_JWKS_URL) };
    case 'entra':
    case 'oidc':
      return { discoveryUrl: new URL(`${base}/.well-known/openid-configuration`) };
  }
}

function keysOf(config: AuthConfig, issuer: string, problems: string[]): KeyLocation | undefined {
  if (config.AUTH_JWKS_URL !== undefined && !URL.canParse(config.AUTH_JWKS_URL)) {
    problems.push('AUTH_JWKS_URL: must be a URL');
    return undefined;
  }
  // An AUTH_ISSUER that is not a URL is reported already.
  if (config.AUTH_JWKS_URL === undefined && !URL.canParse(issuer)) return undefined;
  const keys = keyLocationOf(config, issuer);
  const url = 'jwksUrl' in keys ? keys.jwksUrl : keys.discoveryUrl;
  // Keys fetched over plain HTTP could be swapped in transit. The dev issuer runs on the developer's
  // machine or inside the compose network, so it alone may use HTTP beyond loopback.
  if (url.protocol !== 'https:' && config.AUTH_PROVIDER !== 'dev' && !isLoopback(url)) {
    const variable = config.AUTH_JWKS_URL === undefined ? 'AUTH_ISSUER' : 'AUTH_JWKS_URL';
    problems.push(`${variable}: keys must be fetched over https (${url.href})`);
  }
  return keys;
}

const isLoopback = (url: URL): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

const claimMapKeys = ['tenant', 'user', 'email', 'roles'] as const;

function claimMapOf(
  config: AuthConfig,
  problems: string[],
): Partial<Record<(typeof claimMapKeys)[number], string>> {
  if (config.AUTH_CLAIM_MAP === undefined) return {};
  if (config.AUTH_PROVIDER !== 'oidc') {
    problems.push(
      `AUTH_CLAIM_MAP: applies only to AUTH_PROVIDER=oidc (the ${config.AUTH_PROVIDER} preset names its claims)`,
    );
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.AUTH_CLAIM_MAP);
  } catch {
    parsed = undefined;
  }
  const entries =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  const valid =
    entries.length > 0 &&
    entries.every(
      ([key, value]) =>
        (claimMapKeys as readonly string[]).includes(key) && typeof value === 'string' && value !== '',
    );
  if (!valid) {
    problems.push(
      'AUTH_CLAIM_MAP: must be a JSON object whose keys are tenant, user, email or roles, naming claims',
    );
    return {};
  }
  const map = Object.fromEntries(entries) as Partial<Record<(typeof claimMapKeys)[number], string>>;
  if (
    map.tenant !== undefined &&
    config.AUTH_TENANT_CLAIM !== undefined &&
    map.tenant !== config.AUTH_TENANT_CLAIM
  ) {
    problems.push('AUTH_CLAIM_MAP: its tenant claim contradicts AUTH_TENANT_CLAIM; set only one');
  }
  return map;
}
