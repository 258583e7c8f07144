import Koa, { type Middleware } from 'koa';
import { AppError } from './errors.ts';

/**
 * A Koa app as both services use it: behind the platform's proxy (X-Forwarded-* trusted), with JSON
 * bodies serialized before Koa's body setter sees them.
 *
 * Why: the setter tests every object body with `instanceof ReadableStream`, `Blob` and `Response`, and
 * the first read of the global `Response` makes Node load undici with tls and http2 on the request that
 * does it (bench/fixes.md: undici-on-first-read) in a process that may never call `fetch`: products never does,
 * and every cold start paid for it on its first `/healthz`. A string leaves the setter at its first test.
 * The bytes, Content-Type and Content-Length are Koa's own: `JSON.stringify` without spaces,
 * `application/json; charset=utf-8` unless a JSON type (e.g. problem+json) was set first.
 */
export function createHttpApp(): Koa {
  const app = new Koa({ proxy: true });
  const koaBody = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(app.response), 'body');
  if (!koaBody?.get || !koaBody.set) throw new Error('Koa response has no body accessor');
  const { get, set } = koaBody;
  Object.defineProperty(app.response, 'body', {
    configurable: true,
    enumerable: koaBody.enumerable ?? false,
    get,
    set(this: Koa.Response, value: unknown) {
      if (!isPlainJson(value)) return set.call(this, value);
      if (!/\bjson\b/i.test(this.type)) this.type = 'json';
      set.call(this, JSON.stringify(value));
    },
  });
  return app;
}

const isPlainJson = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Array.isArray(value);
};

/**
 * CORS for the storefront's origins. `*` allows any origin without credentials; an explicit list is
 * echoed back per request. Preflights are answered here and never reach auth.
 *
 * With CORS on, every response varies on Origin, also the answer to a request that sent none: that one
 * lacks the allow-origin header, and a shared cache that stored it under the URL alone would hand it to a
 * browser's cross-origin request, which would then fail.
 */
export function cors(origins: readonly string[]): Middleware {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const enabled = origins.length > 0;
  return async function allowOrigins(ctx, next) {
    if (enabled) ctx.vary('origin');
    const origin = ctx.get('origin');
    if (!origin || (!any && !allowed.has(origin))) return next();
    ctx.set('access-control-allow-origin', any ? '*' : origin);
    ctx.set(
      'access-control-expose-headers',
      'etag, location, x-request-id, retry-after, idempotent-replayed',
    );
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
      ctx.set(
        'access-control-allow-headers',
        'authorization, content-type, if-match, if-none-match, idempotency-key, x-tenant-id, x-request-id',
      );
      ctx.set('access-control-max-age', '600');
      ctx.status = 204;
      return;
    }
    return next();
  };
}

/**
 * Answers 503 when a request runs longer than `ms`, before the platform's own timeout cuts the
 * connection with no body. The work itself is not cancelled: stores bound their own queries.
 */
export function requestTimeout(ms: number): Middleware {
  return async function boundTime(_ctx, next) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AppError(503, 'timeout', 'The request took too long; retry shortly.', {
              headers: { 'retry-after': '1' },
            }),
          ),
        ms,
      );
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Parses an `If-Match` header into the version it names (`"3"`, `W/"3"`), or undefined when absent or
 * `*` (which any existing resource matches; a missing one is a 404 anyway).
 */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (!header || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) {
    throw new AppError(412, 'precondition_failed', 'If-Match does not name a version of this resource.');
  }
  return Number(match[1]);
}

export const etagOf = (version: number): string => `"${version}"`;
