import { AppError } from './errors.ts';
import type { Principal, Role } from './principal.ts';

declare const tenantBrand: unique symbol;
/**
 * A tenant id that came from a verified principal (or, for public reads, from a validated header).
 * Repositories take one as their first argument, so an unscoped query does not type-check: a plain
 * string from a body or query cannot be passed where a TenantId is expected.
 */
export type TenantId = string & { readonly [tenantBrand]: true };

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isTenantId = (value: unknown): value is TenantId =>
  typeof value === 'string' && TENANT_ID.test(value);

/** Brands a tenant id after checking its shape; throws a 400 naming `field` if it is not one. */
export function asTenantId(value: unknown, field = 'X-Tenant-Id'): TenantId {
  if (isTenantId(value)) return value;
  throw AppError.validation([{ in: 'headers', field, message: 'is not a valid tenant id' }]);
}

/** The caller, or 401. */
export function requirePrincipal(principal: Principal | undefined): Principal {
  if (!principal) throw AppError.unauthenticated();
  return principal;
}

/** The caller's tenant, or 401 when there is no caller. */
export const tenantOf = (principal: Principal | undefined): TenantId =>
  asTenantId(requirePrincipal(principal).tenantId, 'tenant');

/** The caller when it holds one of the roles; 401 without a caller, 403 with the wrong role. */
export function requireRole(principal: Principal | undefined, ...roles: Role[]): Principal {
  const caller = requirePrincipal(principal);
  if (!roles.some((role) => caller.roles.includes(role))) {
    throw AppError.forbidden(`This needs the ${roles.join(' or ')} role.`);
  }
  return caller;
}

export const isAdmin = (principal: Principal | undefined): boolean =>
  principal?.roles.includes('admin') ?? false;
