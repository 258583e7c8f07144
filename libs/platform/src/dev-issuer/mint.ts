import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { isTenantId } from '../tenancy.ts';
import { ALGORITHM, loadSigningKey, type SigningKey } from './keys.ts';

/** Where `npm start` and `npm run token` keep the key: `<repo>/.data/dev-issuer` (gitignored). */
export const DEFAULT_KEYS_DIR = fileURLToPath(new URL('../../../../.data/dev-issuer', import.meta.url));
/** The same defaults as the `dev` auth preset, so a service with no auth settings accepts these tokens. */
export const DEFAULT_ISSUER = 'http://localhost:8090';
export const DEFAULT_AUDIENCE = 'shop-api';
const DEFAULT_TTL_SECONDS = 3600;

export interface DevTokenClaims {
  tenant: string;
  role: 'admin' | 'customer';
  /** Defaults to `<tenant>-<role>`, so the same sign-in is the same user every time. */
  sub?: string;
  email?: string;
  ttlSeconds?: number;
}

export interface DevTokenOptions {
  keysDir?: string;
  issuer?: string;
  audience?: string;
}

/** Signs a token with the claims the `dev` preset reads: `tenant_id`, `sub`, `email`, `roles`. */
export async function signDevToken(
  key: SigningKey,
  claims: DevTokenClaims,
  { issuer, audience }: { issuer: string; audience: string },
): Promise<string> {
  const { tenant, role, sub = `${tenant}-${role}`, email = `${sub}@${tenant}.example` } = claims;
  if (!isTenantId(tenant)) throw new TypeError(`"${tenant}" is not a valid tenant id.`);
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: tenant, email, roles: [role] })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (claims.ttlSeconds ?? DEFAULT_TTL_SECONDS))
    .sign(key.privateKey);
}

/** Mints a dev token with the stored key, without a running issuer (`npm run token`). */
export async function mintDevToken(claims: DevTokenClaims, options: DevTokenOptions = {}): Promise<string> {
  const key = await loadSigningKey(options.keysDir ?? DEFAULT_KEYS_DIR);
  return signDevToken(key, claims, {
    issuer: options.issuer ?? DEFAULT_ISSUER,
    audience: options.audience ?? DEFAULT_AUDIENCE,
  });
}
