import { AppError } from '../errors.ts';
import type { Principal, Provider } from '../principal.ts';
import { isTenantId } from '../tenancy.ts';
import { invalidCredentials } from './failures.ts';
import type { ClaimMapping } from './presets.ts';

export type Claims = Record<string, unknown>;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A claim by name, else by dotted path; own properties only, so `__proto__` reads nothing. */
export function claimAt(claims: Claims, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

const firstString = (claims: Claims, names: string[]): string | undefined =>
  names
    .map((name) => claimAt(claims, name))
    .find((value): value is string => typeof value === 'string' && value !== '');

/**
 * A list claim as a list of strings. Gateways flatten arrays into strings: API Gateway's REST
 * authorizer as `a,b`, its HTTP API JWT authorizer as `[a b]`.
 */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[(.*)\]$/s, '$1')
    .split(/[\s,]+/)
    .filter(Boolean);
}

const quoted = (names: string[]) => names.map((name) => `"${name}"`).join(' or ');

/** The tenant of a verified identity, or 403 naming the claim(s) it was expected in. */
export function tenantFrom(claims: Claims, names: string[]): string {
  const tenant = firstString(claims, names);
  if (tenant === undefined) {
    throw new AppError(403, 'tenant_missing', `The token has no tenant claim: expected ${quoted(names)}.`);
  }
  if (!isTenantId(tenant)) {
    throw new AppError(
      403,
      'tenant_missing',
      `The tenant claim ${quoted(names)} does not hold a valid tenant id.`,
    );
  }
  return tenant;
}

/** Turns verified claims into the one principal shape: an admin, or else a customer. */
export function principalFrom(claims: Claims, mapping: ClaimMapping, provider: Provider): Principal {
  const userId = firstString(claims, mapping.user);
  if (userId === undefined)
    throw invalidCredentials(`The token names no user: expected ${quoted(mapping.user)}.`);
  const tenantId = tenantFrom(claims, mapping.tenant);
  const isAdmin =
    mapping.roles.some((name) => stringList(claimAt(claims, name)).includes(mapping.adminRole)) ||
    (mapping.adminFlag !== undefined && claimAt(claims, mapping.adminFlag) === true);
  return {
    tenantId,
    userId,
    email: firstString(claims, mapping.email) ?? null,
    roles: [isAdmin ? 'admin' : 'customer'],
    provider,
  };
}
