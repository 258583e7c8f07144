// esbuild plugins for the service bundles (scripts/build.ts). Each one removes start-up work the services
// never use; bench/RESULTS.md ("What the fixes bought") has what each bought, scripts/bundle.test.ts
// checks each still does it and changes nothing the services rely on.
import { builtinModules, createRequire } from 'node:module';
import type { Plugin } from 'esbuild';

/** ESM bundles of CommonJS dependencies still call require(): the banner gives every bundle file one. */
export const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * ESM imports of Node built-ins become `require()` calls (the bundle banner's createRequire). An ESM
 * import of a built-in goes through a facade that reads every export, lazy getters included: `import …
 * from 'node:http'` makes Node load undici, tls and http2 for `http.WebSocket`, in a service that never
 * opens one (bench/fixes.md: undici-on-first-read); `node:tls` parses every root certificate
 * for `tls.rootCertificates`. require() hands over the same module object and leaves its getters alone.
 * Our code, @koa/router and the AWS SDK's ESM files import built-ins this way.
 */
export const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(builder) {
    builder.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) =>
      builtins.has(args.path) && (args.kind === 'import-statement' || args.kind === 'dynamic-import')
        ? { path: args.path, namespace: 'builtin-require' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The media types a JSON API names: what Koa sets (`json`, `text`, `html`, `bin`), what the services
 * send (problem+json) and the request types a body parser is asked about.
 */
export const MEDIA_TYPES = [
  'application/json',
  'application/problem+json',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
  'text/html',
] as const;

/**
 * mime-db (2 500 types; Koa's mime-types and accepts' older copy each load one) is replaced by its own
 * entries for MEDIA_TYPES. Loading the whole database, twice, and scoring every extension in it cost
 * every cold start time and heap (bench/fixes.md: mime-db), for lookups the services make of seven types.
 * A type outside the list would be looked up as unknown (no charset, no extension): none is used.
 */
export const mediaTypesOnly: Plugin = {
  name: 'media-types-only',
  setup(builder) {
    builder.onResolve({ filter: /^mime-db$/ }, () => ({ path: 'mime-db', namespace: 'media-types-only' }));
    builder.onLoad({ filter: /.*/, namespace: 'media-types-only' }, () => ({
      contents: JSON.stringify(mediaTypeSubset()),
      loader: 'json',
    }));
  },
};

/** The entries of the newest mime-db in the workspace for MEDIA_TYPES, unchanged. */
export function mediaTypeSubset(): Record<string, unknown> {
  const db = createRequire(import.meta.url)('mime-db') as Record<string, unknown>;
  return Object.fromEntries(MEDIA_TYPES.map((type) => [type, db[type]]));
}
