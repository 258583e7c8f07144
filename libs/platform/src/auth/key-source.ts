import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { KeyLocation } from './config.ts';
import { keysUnavailable } from './failures.ts';

export interface KeySourceOptions {
  issuer: string;
  keys: KeyLocation;
  jwksTimeoutMs: number;
}

/**
 * The issuer's signing keys, fetched on first use and then served from jose's cache: refetched when it
 * ages (10 min) or when a token names an unknown `kid` (a rotation), at most once per 30 s cooldown so
 * tokens with made-up kids cannot hammer the provider. Every fetch is bounded by `jwksTimeoutMs`.
 *
 * A token naming no known key is refused (401); keys that cannot be fetched fail closed with a 503.
 */
export function remoteKeySource(options: KeySourceOptions): JWTVerifyGetKey {
  let keySet: Promise<JWTVerifyGetKey> | undefined;

  const load = (): Promise<JWTVerifyGetKey> => {
    if (keySet === undefined) {
      const pending = jwksUrlOf(options).then((url) =>
        createRemoteJWKSet(url, { timeoutDuration: options.jwksTimeoutMs }),
      );
      // A failed discovery is retried by the next request rather than remembered.
      pending.catch(() => {
        if (keySet === pending) keySet = undefined;
      });
      keySet = pending;
    }
    return keySet;
  };

  return async function keyFor(header, token) {
    try {
      const jwks = await load();
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
        throw error;
      throw keysUnavailable(error);
    }
  };
}

async function jwksUrlOf({ issuer, keys, jwksTimeoutMs }: KeySourceOptions): Promise<URL> {
  if ('jwksUrl' in keys) return keys.jwksUrl;
  const response = await fetch(keys.discoveryUrl, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(jwksTimeoutMs),
  });
  if (!response.ok) throw new Error(`OpenID discovery at ${keys.discoveryUrl} answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery §4.3: a document that names another issuer must not be used.
  if (document.issuer !== issuer) {
    throw new Error(
      `OpenID discovery at ${keys.discoveryUrl} names issuer ${String(document.issuer)}, not ${issuer}`,
    );
  }
  if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) {
    throw new Error(`OpenID discovery at ${keys.discoveryUrl} names no jwks_uri`);
  }
  return new URL(document.jwks_uri);
}
