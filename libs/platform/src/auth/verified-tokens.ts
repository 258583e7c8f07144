import type { Principal } from '../principal.ts';

/** A verified token is remembered (by its exact text) this long at most, and never past its expiry. */
const TTL_MS = 60_000;
/** Bound on remembered tokens; the oldest is forgotten first. */
const MAX_ENTRIES = 1000;

export interface VerifiedTokens {
  /** The principal of a token verified earlier and not yet expired, as a fresh copy; else undefined. */
  recall(token: string, now: number): Principal | undefined;
  /** Remembers a token that just verified, until `expiresAt` (ms) or TTL_MS from now, whichever is first. */
  remember(token: string, principal: Principal, expiresAt: number, now: number): void;
}

const copy = (principal: Principal): Principal => ({
  ...principal,
  roles: [...principal.roles],
  ...(principal.scopes && { scopes: [...principal.scopes] }),
});

/**
 * Verified bearer tokens, so a caller's next requests skip the signature check (a large share of a
 * catalog read's CPU: bench/fixes.md: token-signature-check). Only the exact token text hits, so
 * nothing can be forged into it; refused tokens are never remembered; nothing outlives the token's `exp`.
 * A key withdrawn from a JWKS already stays usable while jose caches the key set (up to 10 minutes), so
 * the minute adds no new window.
 */
export function verifiedTokens(): VerifiedTokens {
  const entries = new Map<string, { principal: Principal; until: number }>();
  return {
    recall(token, now) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (now < entry.until) return copy(entry.principal);
      entries.delete(token);
      return undefined;
    },
    remember(token, principal, expiresAt, now) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(token, { principal: copy(principal), until: Math.min(expiresAt, now + TTL_MS) });
    },
  };
}
