// The signed-in session, kept in sessionStorage: it survives reloads and the identity provider's
// redirect, and is gone when the tab closes. Pure module: storage is injected.

import type { KeyValueStorage } from '../cart.ts';
import type { AuthMode } from '../config.ts';
import { decodeJwtPayload } from '../jwt.ts';

export interface DevClaims {
  tenant: string;
  role: 'admin' | 'customer';
  sub?: string;
  email?: string;
}

export interface Session {
  mode: AuthMode;
  /** The bearer token the API receives. */
  apiToken: string;
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
  /** When apiToken expires, epoch milliseconds. */
  expiresAt: number;
  /** Dev issuer only: what to ask for again when the token expires. */
  dev?: DevClaims;
}

const KEY = 'shop.session.v1';

export function readSession(storage: KeyValueStorage): Session | null {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Session> | null;
    if (!value || typeof value.apiToken !== 'string' || typeof value.expiresAt !== 'number') return null;
    return value as Session;
  } catch {
    return null;
  }
}

export function writeSession(storage: KeyValueStorage, session: Session | null): void {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}

/** When a token expires: its `exp` claim, else `expires_in` seconds from now, else one hour. */
export function expiryOf(token: string, expiresInSeconds?: number | string, now = Date.now()): number {
  const exp = decodeJwtPayload(token)?.exp;
  if (typeof exp === 'number') return exp * 1000;
  const seconds = Number(expiresInSeconds);
  return now + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
}

/** Renew this long before expiry, so a request never leaves with a token about to lapse. */
export const RENEW_MARGIN_MS = 60_000;

export const needsRenewal = (session: Session, now = Date.now()) =>
  session.expiresAt - RENEW_MARGIN_MS <= now;
