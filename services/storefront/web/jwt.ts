// Reading a JWT's payload for display (who is signed in, which store, which role). The signature is
// NOT checked here and nothing is trusted: the API verifies every token and decides. Pure module.

import type { ClaimNames } from './config.ts';

export type Claims = Record<string, unknown>;

export interface Identity {
  userId: string;
  email: string | null;
  tenant: string | null;
  role: 'admin' | 'customer';
  /** `exp` in epoch milliseconds, when present. */
  expiresAt: number | null;
}

function base64UrlDecode(segment: string): Uint8Array {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The payload of a compact JWS, or null when the token is not one. */
export function decodeJwtPayload(token: string): Claims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1])));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Claims) : null;
  } catch {
    return null;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A claim by name, else by dotted path (`firebase.tenant`), as libs/platform reads them. */
export function claimAt(claims: Claims, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

const firstString = (claims: Claims, names: string[]) =>
  names.map((name) => claimAt(claims, name)).find((v): v is string => typeof v === 'string' && v !== '');

/** A list claim; gateways flatten arrays into `a,b` or `[a b]`. */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[(.*)\]$/s, '$1')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** Who the token says the user is, read with the deployment's claim names. */
export function identityFromClaims(claims: Claims, names: ClaimNames): Identity {
  const isAdmin =
    names.roles.some((name) => stringList(claimAt(claims, name)).includes(names.adminRole)) ||
    (names.adminFlag !== undefined && claimAt(claims, names.adminFlag) === true);
  const exp = claims.exp;
  return {
    userId: firstString(claims, names.user) ?? 'unknown',
    email: firstString(claims, names.email) ?? null,
    tenant: firstString(claims, names.tenant) ?? null,
    role: isAdmin ? 'admin' : 'customer',
    expiresAt: typeof exp === 'number' ? exp * 1000 : null,
  };
}
