// Firebase Authentication / Identity Platform through its documented REST API, no SDK: email and
// password sign-in (accounts:signInWithPassword with the apiKey, and the Identity Platform tenantId when
// the deployment names one) and refresh through securetoken (grant_type=refresh_token).

import type { FirebaseAuthConfig } from '../config.ts';
import { postForJson } from './http.ts';
import { expiryOf, type Session } from './session.ts';

interface SignInResponse {
  idToken: string;
  refreshToken: string;
  expiresIn: string;
  localId: string;
  email?: string;
}

interface RefreshResponse {
  id_token: string;
  refresh_token: string;
  expires_in: string;
}

const messages: Record<string, string> = {
  INVALID_LOGIN_CREDENTIALS: 'That email and password do not match an account.',
  EMAIL_NOT_FOUND: 'That email and password do not match an account.',
  INVALID_PASSWORD: 'That email and password do not match an account.',
  INVALID_EMAIL: 'That is not a valid email address.',
  MISSING_PASSWORD: 'Enter your password.',
  USER_DISABLED: 'This account has been disabled.',
  TOO_MANY_ATTEMPTS_TRY_LATER: 'Too many attempts. Wait a little and try again.',
  OPERATION_NOT_ALLOWED: 'Email and password sign-in is not enabled for this shop.',
  TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
  INVALID_REFRESH_TOKEN: 'Your session has expired. Please sign in again.',
  TENANT_ID_MISMATCH: 'This account belongs to another store.',
};

/** Google APIs answer `{error: {message: "CODE : details"}}`. */
function describe(body: unknown): string | undefined {
  const raw = (body as { error?: { message?: string } } | null)?.error?.message;
  if (typeof raw !== 'string') return undefined;
  const code = raw.split(' ')[0] ?? raw;
  return messages[code] ?? `Sign-in failed (${raw}).`;
}

const IDENTITY_TOOLKIT = 'https://identitytoolkit.googleapis.com/v1';
const SECURE_TOKEN = 'https://securetoken.googleapis.com/v1';

/** accounts:signInWithPassword, into the Identity Platform tenant when the deployment names one. */
export async function firebaseSignIn(
  config: FirebaseAuthConfig,
  email: string,
  password: string,
): Promise<Session> {
  const body = {
    email,
    password,
    returnSecureToken: true,
    ...(config.tenantId ? { tenantId: config.tenantId } : {}),
  };
  const tokens = await postForJson<SignInResponse>(
    `${IDENTITY_TOOLKIT}/accounts:signInWithPassword?key=${encodeURIComponent(config.apiKey)}`,
    body,
    describe,
  );
  return {
    mode: 'firebase',
    apiToken: tokens.idToken,
    idToken: tokens.idToken,
    refreshToken: tokens.refreshToken,
    expiresAt: expiryOf(tokens.idToken, tokens.expiresIn),
  };
}

export async function firebaseRefresh(config: FirebaseAuthConfig, session: Session): Promise<Session | null> {
  if (!session.refreshToken) return null;
  const tokens = await postForJson<RefreshResponse>(
    `${SECURE_TOKEN}/token?key=${encodeURIComponent(config.apiKey)}`,
    new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.refreshToken }),
    describe,
  );
  return {
    mode: 'firebase',
    apiToken: tokens.id_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token,
    expiresAt: expiryOf(tokens.id_token, tokens.expires_in),
  };
}
