import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { KeyLocation } from './config.ts';
import { keysUnavailable } from './failures.ts';
import { getJson } from './http-json.ts';

/** A fetched key set is used this long, then fetched again (jose's createRemoteJWKSet default). */
const CACHE_MAX_AGE_MS = 10 * 60_000;
/** After a fetch, a token naming an unknown `kid` waits this long before it may cause another. */
const COOLDOWN_MS = 30_000;

export interface KeySourceOptions {
  issuer: string;
  keys: KeyLocation;
  jwksTimeoutMs: number;
}

/**
 * The issuer's signing keys, fetched on first use and then kept: refetched when they age (10 min) or when a
 * token names an unknown `kid` (a rotation), at most once per 30 s cooldown so tokens with made-up kids
 * cannot hammer the provider; one fetch at a time. Every fetch is bounded by `jwksTimeoutMs`. The same
 * policy as jose's createRemoteJWKSet, which would fetch with `fetch` (see http-json.ts for why not);
 * key matching is jose's own (createLocalJWKSet).
 *
 * A token naming no known key is refused (401); keys that cannot be fetched fail closed with a 503.
 */
export function remoteKeySource(options: KeySourceOptions): JWTVerifyGetKey {
  let keySet: Promise<JWTVerifyGetKey> | undefined;

  const load = (): Promise<JWTVerifyGetKey> => {
    if (keySet === undefined) {
      const pending = jwksUrlOf(options).then((url) => remoteKeySet(url, options.jwksTimeoutMs));
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

function remoteKeySet(url: URL, timeoutMs: number): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  let reloading: Promise<JWTVerifyGetKey> | undefined;
  const reload = () => {
    reloading ??= getJson(url, { timeoutMs })
      .then((jwks) => {
        // Throws JWKSInvalid for anything but { keys: [...] }.
        local = createLocalJWKSet(jwks as JSONWebKeySet);
        fetchedAt = Date.now();
        return local;
      })
      .finally(() => {
        reloading = undefined;
      });
    return reloading;
  };
  return async function keyFor(header, token) {
    const keys = local && Date.now() - fetchedAt < CACHE_MAX_AGE_MS ? local : await reload();
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - fetchedAt < COOLDOWN_MS) throw error;
      return (await reload())(header, token);
    }
  };
}

async function jwksUrlOf({ issuer, keys, jwksTimeoutMs }: KeySourceOptions): Promise<URL> {
  if ('jwksUrl' in keys) return keys.jwksUrl;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    document = (await getJson(keys.discoveryUrl, { timeoutMs: jwksTimeoutMs })) as typeof document;
  } catch (error) {
    throw new Error(`OpenID discovery at ${keys.discoveryUrl} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
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
