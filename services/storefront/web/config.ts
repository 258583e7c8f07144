// The runtime configuration (`config.json` beside index.html): one build serves the embedded stack,
// compose and every cloud, each publishing its own config.json. The format is the deployments' contract,
// deploy/storefront-config.schema.json (written by scripts/deploy/storefront-config.ts); this module
// checks it once at start and lists every problem, so a broken deployment says what to fix instead of
// half working. Keys this build does not know are ignored. Pure module: no DOM, unit-tested under Node.

export type AuthMode = 'dev' | 'oidc' | 'firebase';
export type Provider = 'local' | 'aws' | 'gcp' | 'azure';

/** Which claims hold the identity, as libs/platform's presets read them (display only: the API decides). */
export interface ClaimNames {
  tenant: string[];
  user: string[];
  email: string[];
  roles: string[];
  /** A boolean claim that makes an admin when true (Firebase custom claim `admin`). */
  adminFlag?: string;
  adminRole: string;
}

export interface DevAuthConfig {
  mode: 'dev';
  /** The dev issuer (`POST <issuer>/token`): a URL, or a path on this origin such as `/dev-issuer`. */
  issuer: string;
  claims: ClaimNames;
}

export interface OidcAuthConfig {
  mode: 'oidc';
  /** The issuer; its `/.well-known/openid-configuration` names the endpoints. */
  authority: string;
  clientId: string;
  scopes: string[];
  /** Where the provider sends the browser back (registered with the provider). */
  redirectUri: string;
  postLogoutRedirectUri: string | undefined;
  /** A complete sign-out URL, for providers without `end_session_endpoint` (Cognito's `/logout?…`). */
  logoutUrl: string | undefined;
  /** The token sent as the API's bearer: Cognito's tenant attribute is only in the ID token. */
  tokenType: 'id_token' | 'access_token';
  /** Derived: `<authority>/.well-known/openid-configuration`. */
  discoveryUrl: string;
  /** Derived from `provider`: the name shown on the sign-in page. */
  label: string;
  claims: ClaimNames;
}

export interface FirebaseAuthConfig {
  mode: 'firebase';
  /** The browser API key (public by design). */
  apiKey: string;
  authDomain: string;
  projectId: string;
  /** Identity Platform tenant to sign in to; absent for a project-level user pool. */
  tenantId: string | undefined;
  claims: ClaimNames;
}

export type AuthConfig = DevAuthConfig | OidcAuthConfig | FirebaseAuthConfig;

export interface StorefrontConfig {
  /** API origin (and base path) without a trailing slash; '' = the storefront's own origin. */
  apiBaseUrl: string;
  /** The store anonymous visitors browse (`X-Tenant-Id`); signed-in users see their token's tenant. */
  tenant: string;
  /** Where this deployment runs (informational; it picks the claim names shown for the user). */
  provider: Provider | undefined;
  auth: AuthConfig;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`config.json is not valid: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** As libs/platform/src/tenancy.ts. */
export const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const claimsOf = (names: Omit<ClaimNames, 'adminRole'>): ClaimNames => ({ ...names, adminRole: 'admin' });

/**
 * The claim names of each deployment's identity provider (deploy/README.md "The environment of each
 * service"): Cognito's custom attribute and groups, Entra's directory id (`AUTH_TENANT_CLAIM=tid`) and
 * app roles, Firebase's custom claims or Identity Platform tenant, the dev issuer's plain claims.
 */
export const CLAIMS = {
  dev: claimsOf({ tenant: ['tenant_id'], user: ['sub'], email: ['email'], roles: ['roles'] }),
  cognito: claimsOf({
    tenant: ['custom:tenant_id'],
    user: ['sub'],
    email: ['email'],
    roles: ['cognito:groups'],
  }),
  entra: claimsOf({
    tenant: ['tid', 'extension_tenant_id'],
    user: ['oid', 'sub'],
    email: ['email', 'preferred_username', 'upn'],
    roles: ['roles'],
  }),
  firebase: claimsOf({
    tenant: ['tenant_id', 'firebase.tenant'],
    user: ['user_id', 'sub'],
    email: ['email'],
    roles: ['roles'],
    adminFlag: 'admin',
  }),
  /** Any other OpenID Connect provider: the usual names, in the platform's `oidc` preset order first. */
  oidc: claimsOf({
    tenant: ['tenant_id', 'custom:tenant_id', 'extension_tenant_id', 'tid'],
    user: ['sub'],
    email: ['email', 'preferred_username'],
    roles: ['roles', 'cognito:groups'],
  }),
} satisfies Record<string, ClaimNames>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const trimSlash = (value: string) => value.replace(/\/+$/, '');

/** Reads fields off one object, collecting every problem under its dotted path. */
class Reader {
  private readonly source: Record<string, unknown>;
  private readonly path: string;
  private readonly problems: string[];

  constructor(source: Record<string, unknown>, path: string, problems: string[]) {
    this.source = source;
    this.path = path;
    this.problems = problems;
  }

  private where(key: string) {
    return this.path ? `${this.path}.${key}` : key;
  }

  problem(key: string, message: string) {
    this.problems.push(`${this.where(key)} ${message}`);
  }

  string(key: string, options: { required?: boolean; pattern?: RegExp; hint?: string } = {}) {
    const value = this.source[key];
    if (value === undefined || value === null || value === '') {
      if (options.required) this.problem(key, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problem(key, 'must be a string');
      return undefined;
    }
    if (options.pattern && !options.pattern.test(value)) {
      this.problem(key, options.hint ?? `must match ${options.pattern}`);
      return undefined;
    }
    return value;
  }

  /** An http(s) URL (`https` only), or with `path` a path on this origin; a trailing slash is dropped unless `exact`. */
  url(key: string, options: { required?: boolean; path?: boolean; https?: boolean; exact?: boolean } = {}) {
    const value = this.string(key, options);
    if (value === undefined) return undefined;
    const result = options.exact ? value : trimSlash(value);
    if (options.path && value.startsWith('/') && !value.startsWith('//')) return result;
    try {
      const { protocol } = new URL(value);
      if (protocol !== 'https:' && (options.https || protocol !== 'http:')) throw new TypeError(protocol);
      return result;
    } catch {
      const kind = options.https ? 'an https URL' : 'an http(s) URL';
      this.problem(key, `must be ${kind}${options.path ? ' or a path starting with /' : ''}`);
      return undefined;
    }
  }

  oneOf<T extends string>(
    key: string,
    allowed: readonly T[],
    options: { required?: boolean } = {},
  ): T | undefined {
    const value = this.source[key];
    if (value === undefined && !options.required) return undefined;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problem(key, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return undefined;
  }

  stringList(key: string, options: { required?: boolean } = {}) {
    const value = this.source[key];
    if (value === undefined && !options.required) return [];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((item) => typeof item === 'string' && item)
    ) {
      this.problem(key, 'must be a non-empty list of strings');
      return [];
    }
    return value as string[];
  }

  child(key: string): Reader | undefined {
    const value = this.source[key];
    if (value === undefined) {
      this.problem(key, 'is required');
      return undefined;
    }
    if (!isRecord(value)) {
      this.problem(key, 'must be an object');
      return undefined;
    }
    return new Reader(value, this.where(key), this.problems);
  }
}

function devAuth(auth: Reader): DevAuthConfig {
  return {
    mode: 'dev',
    issuer: auth.url('issuer', { required: true, path: true }) ?? '',
    claims: CLAIMS.dev,
  };
}

const oidcLabels: Partial<Record<Provider, string>> = { aws: 'Amazon Cognito', azure: 'Microsoft Entra ID' };

function oidcAuth(auth: Reader, provider: Provider | undefined): OidcAuthConfig {
  const authority = auth.url('authority', { required: true, https: true }) ?? '';
  let label = oidcLabels[provider ?? 'local'];
  if (!label) {
    try {
      label = new URL(authority).host;
    } catch {
      label = 'your identity provider';
    }
  }
  return {
    mode: 'oidc',
    authority,
    clientId: auth.string('clientId', { required: true }) ?? '',
    scopes: auth.stringList('scopes', { required: true }),
    // Providers compare redirect URIs exactly: these keep their trailing slash and query.
    redirectUri: auth.url('redirectUri', { required: true, exact: true }) ?? '',
    postLogoutRedirectUri: auth.url('postLogoutRedirectUri', { exact: true }),
    logoutUrl: auth.url('logoutUrl', { https: true, exact: true }),
    tokenType:
      auth.oneOf('tokenType', ['id_token', 'access_token'] as const, { required: true }) ?? 'id_token',
    discoveryUrl: `${authority}/.well-known/openid-configuration`,
    label,
    claims: provider === 'aws' ? CLAIMS.cognito : provider === 'azure' ? CLAIMS.entra : CLAIMS.oidc,
  };
}

function firebaseAuth(auth: Reader): FirebaseAuthConfig {
  return {
    mode: 'firebase',
    apiKey: auth.string('apiKey', { required: true }) ?? '',
    authDomain: auth.string('authDomain', { required: true }) ?? '',
    projectId: auth.string('projectId', { required: true }) ?? '',
    tenantId: auth.string('tenantId'),
    claims: CLAIMS.firebase,
  };
}

/** Checks and normalises a parsed config.json; a ConfigError lists every problem found. */
export function parseConfig(raw: unknown): StorefrontConfig {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new ConfigError(['the file must hold a JSON object']);
  const root = new Reader(raw, '', problems);
  const apiBaseUrl = raw.apiBaseUrl === '' ? '' : (root.url('apiBaseUrl', { required: true }) ?? '');
  const tenant =
    root.string('tenant', {
      required: true,
      pattern: TENANT_ID,
      hint: 'must be a tenant id: letters, digits, dot, underscore, dash (1–128)',
    }) ?? '';
  const provider = root.oneOf('provider', ['local', 'aws', 'gcp', 'azure'] as const);
  const authReader = root.child('auth');
  let auth: AuthConfig | undefined;
  if (authReader) {
    const mode = authReader.oneOf('mode', ['dev', 'oidc', 'firebase'] as const, { required: true });
    if (mode === 'dev') auth = devAuth(authReader);
    if (mode === 'oidc') auth = oidcAuth(authReader, provider);
    if (mode === 'firebase') auth = firebaseAuth(authReader);
  }
  if (problems.length || !auth) throw new ConfigError(problems);
  return { apiBaseUrl, tenant, provider, auth };
}

/** An API path (`/products?…`) on the configured base; '' means the page's own origin. */
export function apiUrl(config: Pick<StorefrontConfig, 'apiBaseUrl'>, path: string, page: string): string {
  return new URL(`${config.apiBaseUrl}${path}`, page).toString();
}

type FetchLike = (
  input: string,
  init?: { cache?: 'no-store' },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Fetches and parses config.json beside the page; never cached, so a redeploy is seen at once. */
export async function loadConfig(fetchFn: FetchLike, url = 'config.json'): Promise<StorefrontConfig> {
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetchFn(url, { cache: 'no-store' });
  } catch {
    throw new ConfigError([`${url} could not be fetched`]);
  }
  if (!response.ok) throw new ConfigError([`${url} answered ${response.status}`]);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ConfigError([`${url} is not JSON`]);
  }
  return parseConfig(body);
}
