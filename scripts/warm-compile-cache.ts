// `node scripts/warm-compile-cache.ts <app>`: fills the V8 compile cache (NODE_COMPILE_CACHE, set by the
// image) for a bundled service in <app>/dist, so a cold start deserialises its code instead of parsing
// the whole bundle (bench/fixes.md: bundle-size). Run where and as the service runs — the image's last stage, with its ENV — since
// V8 takes a cache only from the same Node build, file path and flags. Nothing listens, nothing connects:
// it imports the server entry (which starts only when run as the main module) and every chunk, drivers
// included, then writes the cache out. bench/perf/stage.ts runs it on the staged apps the same way.
import { readdirSync } from 'node:fs';
import { flushCompileCache, getCompileCacheDir } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const app = resolve(process.argv[2] ?? '.');
const directory = getCompileCacheDir();
if (!directory) throw new Error('NODE_COMPILE_CACHE is not set: there is no cache to fill');
const chunks = readdirSync(join(app, 'dist', 'chunks'))
  .filter((name) => name.endsWith('.mjs'))
  .map((name) => join(app, 'dist', 'chunks', name));
for (const file of [join(app, 'dist', 'server.mjs'), ...chunks]) await import(pathToFileURL(file).href);
flushCompileCache();
console.log(`compile cache for ${chunks.length + 1} modules of ${app} in ${directory}`);
