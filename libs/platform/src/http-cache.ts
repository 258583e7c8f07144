import { hash } from 'node:crypto';
import type { Context } from 'koa';

/**
 * HTTP caching of reads (RFC 9110 §8.8.3 and §13, RFC 9111): entity tags, `If-None-Match` and
 * `Cache-Control`. The mechanism only; which reads a shared cache may keep is each service's decision.
 */

/** Nothing may store the response: errors of cacheable reads, so that a cache never keeps a 404 or a 503. */
export const NO_STORE = 'no-store';

/** Only the caller's own client may see it, and it stores nothing either: reads with credentials. */
export const PRIVATE_NO_STORE = 'private, no-store';

export interface SharedCacheSettings {
  /** Seconds a cache may serve the response without asking; 0 makes every use a revalidation. */
  maxAgeSeconds: number;
  /** Seconds after that during which a cache may still serve it while it revalidates in the background. */
  staleWhileRevalidateSeconds: number;
}

/**
 * `Cache-Control` of a response any cache (a CDN, a proxy, the browser) may keep. With max-age 0 it is
 * `no-cache`: caches may keep it but must revalidate every time, which the ETag keeps cheap.
 */
export function sharedCacheControl({
  maxAgeSeconds,
  staleWhileRevalidateSeconds,
}: SharedCacheSettings): string {
  if (maxAgeSeconds <= 0) return 'no-cache';
  const stale =
    staleWhileRevalidateSeconds > 0 ? `, stale-while-revalidate=${staleWhileRevalidateSeconds}` : '';
  return `public, max-age=${maxAgeSeconds}${stale}`;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). A comma
// is an etagc, so a list is scanned member by member, never split on commas.
const ENTITY_TAG = /(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")/y;

/**
 * `If-None-Match` (RFC 9110 §13.1.2): `*`, or the opaque tags it lists (quotes kept, `W/` dropped: a GET
 * compares weakly); undefined when the header is absent. A header that does not parse as `*` or a list of
 * entity tags yields no tags: it matches nothing and the full response is sent, never a wrong 304.
 */
export function parseIfNoneMatch(header: string | undefined): '*' | string[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const tags: string[] = [];
  let at = 0;
  let afterTag = false;
  while (true) {
    while (header[at] === ' ' || header[at] === '\t') at++;
    if (at >= header.length) return tags;
    if (header[at] === ',') {
      // Empty list members are allowed (RFC 9110 §5.6.1).
      at++;
      afterTag = false;
      continue;
    }
    if (afterTag) return [];
    ENTITY_TAG.lastIndex = at;
    const member = ENTITY_TAG.exec(header);
    if (!member) return [];
    tags.push(member[1]!);
    at = ENTITY_TAG.lastIndex;
    afterTag = true;
  }
}

/** Whether `If-None-Match` matches the current representation's tag, by weak comparison (RFC 9110 §8.8.3.2). */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  const listed = parseIfNoneMatch(header);
  if (listed === undefined) return false;
  if (listed === '*') return true;
  return listed.includes(etag.startsWith('W/') ? etag.slice(2) : etag);
}

/**
 * A strong ETag (`"<22 base64url characters>"`: 128 bits of SHA-256) over `parts`, each length-prefixed
 * so that no two different lists of parts hash alike. The caller's parts must determine every byte of
 * the representation: that is what makes the tag strong.
 */
export function hashedEtag(parts: readonly (string | number)[]): string {
  let text = '';
  for (const part of parts) {
    const value = String(part);
    text += `${value.length}:${value}`;
  }
  return `"${hash('sha256', text, 'buffer').subarray(0, 16).toString('base64url')}"`;
}

export interface Validated {
  etag: string;
  cacheControl: string;
}

/**
 * The conditional GET (RFC 9110 §13.1.2, §15.4.5): sets the representation's ETag and Cache-Control, and
 * answers 304 with no body when `If-None-Match` matches. Returns true when it answered: the caller then
 * builds no body at all (no presenters, no JSON). Vary is the caller's, set before (it belongs on errors
 * too). Only for GET and HEAD; other methods fail such a condition with 412, which no route here needs.
 */
export function answeredNotModified(ctx: Context, { etag, cacheControl }: Validated): boolean {
  ctx.set('etag', etag);
  ctx.set('cache-control', cacheControl);
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  if (!ifNoneMatchMatches(ctx.get('if-none-match') || undefined, etag)) return false;
  ctx.status = 304;
  return true;
}
