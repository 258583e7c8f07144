import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from '../principal.ts';
import { stringList, tenantFrom } from './claims.ts';
import { type VerifiedTokens, verifiedTokens } from './verified-tokens.ts';

/**
 * The JWT `typ` of service credentials (RFC 8725 §3.11 explicit typing). It routes a token to the
 * service path, which accepts HS256 only; the user path accepts asymmetric algorithms only, so
 * relabelling a token moves it to a verifier that refuses it.
 */
export const SERVICE_TOKEN_TYPE = 'service+jwt';
const ALGORITHM = 'HS256';
/** Longest lifetime a service token may have, and the oldest `iat` a receiver accepts. */
const MAX_TTL_SECONDS = 3600;
/** A cached token is replaced this long before it expires, so it never expires in flight. */
const REFRESH_MARGIN_SECONDS = 30;
const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

const keyOf = (secret: string): Uint8Array => {
  if (secret.length < 32) throw new TypeError('A service token secret must have at least 32 characters.');
  return new TextEncoder().encode(secret);
};

export interface ServiceTokenIssuer {
  tokenFor(tenantId: string): Promise<string>;
}

export interface ServiceTokenIssuerOptions {
  secret: string;
  /** The calling service, e.g. `orders`. */
  issuer: string;
  /** The service called, e.g. `products`. */
  audience: string;
  scopes: string[];
  ttlSeconds?: number;
}

/** Mints the calling service's own short-lived credential for one tenant: never a user's token. */
export function createServiceTokenIssuer(options: ServiceTokenIssuerOptions): ServiceTokenIssuer {
  const { issuer, audience, scopes, ttlSeconds = 300 } = options;
  const key = keyOf(options.secret);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= REFRESH_MARGIN_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(
      `ttlSeconds must be an integer above ${REFRESH_MARGIN_SECONDS} and at most ${MAX_TTL_SECONDS}.`,
    );
  }
  if (!SERVICE_NAME.test(issuer) || !SERVICE_NAME.test(audience)) {
    throw new TypeError('issuer and audience must be service names such as "orders" and "products".');
  }
  const cache = new Map<string, { token: string; refreshAt: number }>();

  return {
    async tokenFor(tenantId) {
      const now = Date.now();
      const cached = cache.get(tenantId);
      if (cached && now < cached.refreshAt) return cached.token;

      const issuedAt = Math.floor(now / 1000);
      const token = await new SignJWT({ tenant_id: tenantId, scope: scopes.join(' ') })
        .setProtectedHeader({ alg: ALGORITHM, typ: SERVICE_TOKEN_TYPE })
        .setIssuer(issuer)
        .setSubject(`service:${issuer}`)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .setJti(randomUUID())
        .sign(key);
      for (const [tenant, entry] of cache) if (entry.refreshAt <= now) cache.delete(tenant);
      cache.set(tenantId, { token, refreshAt: (issuedAt + ttlSeconds - REFRESH_MARGIN_SECONDS) * 1000 });
      return token;
    },
  };
}

export interface ServiceTokenVerifierOptions {
  secret: string;
  /** This service's name: tokens minted for another service are refused. */
  audience: string;
  clockToleranceSeconds: number;
}

/** Verifies a service credential and turns it into a `service` principal with its scopes. */
export function serviceTokenVerifier(
  options: ServiceTokenVerifierOptions,
  // The caller reuses its token for minutes: remember it once verified (never past exp or max age).
  verified: VerifiedTokens = verifiedTokens(),
): (token: string) => Promise<Principal> {
  const key = keyOf(options.secret);

  return async function verifyServiceToken(token) {
    const now = Date.now();
    const remembered = verified.recall(token, now);
    if (remembered) return remembered;
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      typ: SERVICE_TOKEN_TYPE,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds,
      maxTokenAge: MAX_TTL_SECONDS,
      requiredClaims: ['exp', 'iss'],
    });
    if (typeof payload.iss !== 'string' || !SERVICE_NAME.test(payload.iss)) {
      throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', payload, 'iss');
    }
    const principal: Principal = {
      tenantId: tenantFrom(payload, ['tenant_id']),
      userId: `service:${payload.iss}`,
      email: null,
      roles: ['service'],
      provider: 'service',
      scopes: stringList(payload.scope),
    };
    const expiresAt = Math.min(payload.exp ?? 0, (payload.iat ?? 0) + MAX_TTL_SECONDS) * 1000;
    verified.remember(token, principal, expiresAt, now);
    return principal;
  };
}
