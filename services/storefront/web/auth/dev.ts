// The dev issuer of local stacks (libs/platform/src/dev-issuer): `POST /token {tenant, role, sub?, email?}`
// signs anyone in as anyone. Never configured for a cloud deployment.

import type { DevAuthConfig } from '../config.ts';
import { postForJson } from './http.ts';
import { type DevClaims, expiryOf, type Session } from './session.ts';

interface TokenResponse {
  access_token: string;
  id_token: string;
  expires_in: number;
}

const describe = (body: unknown) =>
  (body as { error_description?: string } | null)?.error_description?.replace(/^\/(\w+)/, '$1');

export async function devSignIn(config: DevAuthConfig, claims: DevClaims, page: string): Promise<Session> {
  const body: DevClaims = { tenant: claims.tenant, role: claims.role };
  if (claims.sub) body.sub = claims.sub;
  if (claims.email) body.email = claims.email;
  const url = new URL(`${config.issuer}/token`, page).toString();
  const tokens = await postForJson<TokenResponse>(url, body, describe);
  return {
    mode: 'dev',
    apiToken: tokens.access_token,
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    expiresAt: expiryOf(tokens.access_token, tokens.expires_in),
    dev: body,
  };
}

/** The dev issuer has no refresh tokens: asking again for the same user is the refresh. */
export async function devRefresh(
  config: DevAuthConfig,
  session: Session,
  page: string,
): Promise<Session | null> {
  return session.dev ? devSignIn(config, session.dev, page) : null;
}
