/** Identity providers whose bearer tokens a service verifies itself. */
export type UserTokenProvider = 'dev' | 'cognito' | 'entra' | 'firebase' | 'oidc';

/**
 * Which claims hold the identity. Each list is tried in order; a name is read as a claim first and,
 * failing that, as a dotted path into nested claims (`firebase.tenant`, Keycloak's `realm_access.roles`).
 */
export interface ClaimMapping {
  tenant: string[];
  user: string[];
  email: string[];
  /** Claims listing groups or roles; holding `adminRole` in any of them makes an admin. */
  roles: string[];
  /** A boolean claim that, when `true`, also makes an admin (Firebase custom claim `admin`). */
  adminFlag?: string;
  adminRole: string;
}

export interface ClaimMappingOptions {
  /** AUTH_TENANT_CLAIM: replaces the preset's tenant claim(s). */
  tenantClaim?: string | undefined;
  adminRole: string;
  /** AUTH_CLAIM_MAP, oidc only. */
  claimMap?: Partial<Record<'tenant' | 'user' | 'email' | 'roles', string>>;
}

/** Claim names as each provider documents them for its tokens. */
const presets: Record<UserTokenProvider, Omit<ClaimMapping, 'adminRole'>> = {
  // Custom attributes appear in ID tokens only, prefixed `custom:`; groups in `cognito:groups`.
  cognito: { tenant: ['custom:tenant_id'], user: ['sub'], email: ['email'], roles: ['cognito:groups'] },
  // `oid` is stable across apps (`sub` is per app); app roles arrive in `roles`. Custom attributes
  // arrive as `extension_<name>` (B2C user flows); a directory extension is named
  // `extension_<app-id>_<name>`, which needs AUTH_TENANT_CLAIM.
  entra: {
    tenant: ['extension_tenant_id'],
    user: ['oid'],
    email: ['email', 'preferred_username'],
    roles: ['roles'],
  },
  // A custom claim set with the Admin SDK wins; otherwise the Identity Platform tenant the user signed in to.
  firebase: {
    tenant: ['tenant_id', 'firebase.tenant'],
    user: ['user_id', 'sub'],
    email: ['email'],
    roles: ['roles'],
    adminFlag: 'admin',
  },
  oidc: { tenant: ['tenant_id'], user: ['sub'], email: ['email'], roles: ['roles'] },
  dev: { tenant: ['tenant_id'], user: ['sub'], email: ['email'], roles: ['roles'] },
};

export function claimMappingFor(provider: UserTokenProvider, options: ClaimMappingOptions): ClaimMapping {
  const preset = presets[provider];
  const map = options.claimMap ?? {};
  const tenant = map.tenant ?? options.tenantClaim;
  return {
    ...preset,
    tenant: tenant === undefined ? preset.tenant : [tenant],
    user: map.user === undefined ? preset.user : [map.user],
    email: map.email === undefined ? preset.email : [map.email],
    roles: map.roles === undefined ? preset.roles : [map.roles],
    adminRole: options.adminRole,
  };
}
