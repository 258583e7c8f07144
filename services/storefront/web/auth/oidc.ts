// OpenID Connect authorization code flow with PKCE, for a public client (no secret): Cognito, Entra ID
// and any OIDC provider. Discovery → redirect to the provider → back here with ?code&state → code
// exchange with the code_verifier → tokens in sessionStorage. Refresh tokens renew the session.

import type { KeyValueStorage } from '../cart.ts';
import type { OidcAuthConfig } from '../config.ts';
import { decodeJwtPayload } from '../jwt.ts';
import { codeChallenge, randomToken } from '../pkce.ts';
import { AuthError, getJson, postForJson } from './http.ts';
import { expiryOf, type Session } from './session.ts';

export interface ProviderMetadata {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

interface TokenResponse {
  id_token?: string;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  token_type?: string;
}

interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  startedAt: number;
}

const PENDING_KEY = 'shop.oidc.pending.v1';
const METADATA_KEY = 'shop.oidc.metadata.v1';
/** A sign-in not completed within this time is abandoned (its state no longer accepted). */
const PENDING_TTL_MS = 15 * 60_000;

/** Where the provider sends the browser back: the configured URI, else this page without query or hash. */
export function redirectUriOf(config: OidcAuthConfig, page: string): string {
  if (config.redirectUri) return config.redirectUri;
  const url = new URL(page);
  return `${url.origin}${url.pathname}`;
}

export async function providerMetadata(
  config: OidcAuthConfig,
  storage: KeyValueStorage,
): Promise<ProviderMetadata> {
  const cached = storage.getItem(METADATA_KEY);
  if (cached) {
    try {
      const parsed = JSON.parse(cached) as { url: string; metadata: ProviderMetadata };
      if (parsed.url === config.discoveryUrl) return parsed.metadata;
    } catch {
      // discover again
    }
  }
  const metadata = await getJson<ProviderMetadata>(config.discoveryUrl);
  if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new AuthError(`${config.discoveryUrl} names no authorization or token endpoint.`);
  }
  storage.setItem(METADATA_KEY, JSON.stringify({ url: config.discoveryUrl, metadata }));
  return metadata;
}

/** Builds the authorization request and remembers what the callback must check. Returns the URL to visit. */
export async function beginOidcSignIn(
  config: OidcAuthConfig,
  storage: KeyValueStorage,
  page: string,
  returnTo: string,
): Promise<string> {
  const metadata = await providerMetadata(config, storage);
  const pending: PendingSignIn = {
    state: randomToken(16),
    nonce: randomToken(16),
    verifier: randomToken(32),
    redirectUri: redirectUriOf(config, page),
    returnTo,
    startedAt: Date.now(),
  };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(metadata.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: pending.redirectUri,
    scope: config.scopes.join(' '),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await codeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** True when this page load is the provider sending the browser back (a code or an error, with state). */
export function isOidcCallback(page: string): boolean {
  const params = new URL(page).searchParams;
  return params.has('state') && (params.has('code') || params.has('error'));
}

function sessionFrom(config: OidcAuthConfig, tokens: TokenResponse, previous?: Session): Session {
  const idToken = tokens.id_token ?? previous?.idToken;
  const accessToken = tokens.access_token ?? previous?.accessToken;
  const apiToken = config.tokenType === 'id_token' ? idToken : accessToken;
  if (!apiToken) throw new AuthError(`The provider returned no ${config.tokenType}.`);
  return {
    mode: 'oidc',
    apiToken,
    ...(idToken ? { idToken } : {}),
    ...(accessToken ? { accessToken } : {}),
    ...((tokens.refresh_token ?? previous?.refreshToken)
      ? { refreshToken: tokens.refresh_token ?? previous?.refreshToken }
      : {}),
    expiresAt: expiryOf(apiToken, tokens.expires_in),
  };
}

/** Completes the sign-in on the redirect back: checks state, exchanges the code, checks the nonce. */
export async function completeOidcSignIn(
  config: OidcAuthConfig,
  storage: KeyValueStorage,
  page: string,
): Promise<{ session: Session; returnTo: string }> {
  const params = new URL(page).searchParams;
  let pending: PendingSignIn | null = null;
  try {
    pending = JSON.parse(storage.getItem(PENDING_KEY) ?? 'null') as PendingSignIn | null;
  } catch {
    pending = null;
  }
  storage.removeItem(PENDING_KEY); // one use, whatever happens next
  if (!pending || pending.state !== params.get('state') || Date.now() - pending.startedAt > PENDING_TTL_MS) {
    throw new AuthError(
      'This sign-in response does not match a sign-in started here (or it is too old). Please sign in again.',
    );
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw new AuthError(
      error === 'access_denied'
        ? 'Sign-in was cancelled or refused.'
        : `Sign-in failed: ${description ?? error}.`,
    );
  }
  const metadata = await providerMetadata(config, storage);
  const tokens = await postForJson<TokenResponse>(
    metadata.token_endpoint,
    new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: pending.redirectUri,
      client_id: config.clientId,
      code_verifier: pending.verifier,
    }),
  );
  if (tokens.id_token) {
    const nonce = decodeJwtPayload(tokens.id_token)?.nonce;
    if (nonce !== undefined && nonce !== pending.nonce) {
      throw new AuthError(
        'The identity token does not belong to this sign-in (nonce). Please sign in again.',
      );
    }
  }
  return { session: sessionFrom(config, tokens), returnTo: pending.returnTo };
}

/** Renews with the refresh token; null when there is none (the user signs in again). */
export async function oidcRefresh(
  config: OidcAuthConfig,
  storage: KeyValueStorage,
  session: Session,
): Promise<Session | null> {
  if (!session.refreshToken) return null;
  const metadata = await providerMetadata(config, storage);
  const tokens = await postForJson<TokenResponse>(
    metadata.token_endpoint,
    new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: session.refreshToken,
      client_id: config.clientId,
    }),
  );
  return sessionFrom(config, tokens, session);
}

/** Where to send the browser to end the provider's session too, if it has such a page. */
export async function oidcLogoutUrl(
  config: OidcAuthConfig,
  storage: KeyValueStorage,
  session: Session | null,
  page: string,
): Promise<string | null> {
  // Cognito has no end_session_endpoint: the deployment gives its complete /logout?client_id&logout_uri.
  if (config.logoutUrl) return config.logoutUrl;
  let endpoint: string | undefined;
  try {
    endpoint = (await providerMetadata(config, storage)).end_session_endpoint;
  } catch {
    return null;
  }
  if (!endpoint) return null;
  const url = new URL(endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set(
    'post_logout_redirect_uri',
    config.postLogoutRedirectUri ?? redirectUriOf(config, page),
  );
  if (session?.idToken) url.searchParams.set('id_token_hint', session.idToken);
  return url.toString();
}
