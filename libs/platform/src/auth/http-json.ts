import { createRequire } from 'node:module';

// Through require(), also when run from source: an ESM import of node:http loads undici by itself
// (scripts/bundle-plugins.ts says why), which is what this file is here to avoid.
const require = createRequire(import.meta.url);
const { get: httpGet } = require('node:http') as typeof import('node:http');
const { get: httpsGet } = require('node:https') as typeof import('node:https');

/**
 * GETs a JSON document (an OpenID discovery document, a JWKS) over http(s), bounded in time and size,
 * redirects refused. Not `fetch`: the first use of fetch makes Node load undici on the request that
 * does it (bench/fixes.md: undici-on-first-read), and a key fetch is on the path of a cold instance's first authenticated
 * request. Only a 200 is accepted.
 */
export function getJson(url: URL, options: { timeoutMs: number; maxBytes?: number }): Promise<unknown> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const get = url.protocol === 'https:' ? httpsGet : url.protocol === 'http:' ? httpGet : undefined;
  if (!get) return Promise.reject(new Error(`${url.href}: only http and https URLs are fetched`));
  return new Promise((resolve, reject) => {
    // The whole exchange is bounded, not only idle time between packets.
    const deadline = setTimeout(
      () => request.destroy(new Error(`${url.href} did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const request = get(
      url,
      { headers: { accept: 'application/json, application/jwk-set+json' } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          fail(new Error(`${url.href} answered ${response.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) request.destroy(new Error(`${url.href} sent more than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(deadline);
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', fail);
  });
}
