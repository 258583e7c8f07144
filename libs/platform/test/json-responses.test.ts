import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Koa, { type Context } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/index.ts';
import { listen, type TestServer } from '../src/testing/index.ts';

// Each path sets one kind of body, the way handlers, the error handler and the probes do.
const bodies: Record<string, (ctx: Context) => void> = {
  '/object': (ctx) => {
    ctx.body = { name: 'Mug', price: 12.5, tags: ['kitchen'], note: 'naïve ☕' };
  },
  '/array': (ctx) => {
    ctx.body = [{ id: 1 }, { id: 2 }];
  },
  '/problem': (ctx) => {
    ctx.status = 404;
    ctx.type = 'application/problem+json';
    ctx.body = { type: 'about:blank', title: 'Not found', status: 404 };
  },
  '/typed-text-then-object': (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = { overridden: true };
  },
  '/created': (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 'x' };
  },
  '/string': (ctx) => {
    ctx.body = 'plain words';
  },
  '/buffer': (ctx) => {
    ctx.body = Buffer.from('bytes');
  },
  '/null': (ctx) => {
    ctx.body = null;
  },
};

const serve = (app: Koa) => {
  app.use(async (ctx, next) => {
    const set = bodies[ctx.path];
    if (!set) return next();
    set(ctx);
  });
  return listen(app.callback());
};

let ours: TestServer;
let koas: TestServer;
beforeAll(async () => {
  ours = await serve(createHttpApp());
  koas = await serve(new Koa({ proxy: true }));
});
afterAll(async () => {
  await ours.close();
  await koas.close();
});

const answer = async (base: string, path: string, method = 'GET') => {
  const response = await fetch(`${base}${path}`, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    length: response.headers.get('content-length'),
    body: await response.text(),
  };
};

describe('JSON bodies serialised by the platform app', () => {
  for (const path of Object.keys(bodies)) {
    it(`When a handler answers ${path}, then status, Content-Type, Content-Length and bytes are Koa's own`, async () => {
      expect(await answer(ours.url, path)).toEqual(await answer(koas.url, path));
    });
  }

  it('When a JSON resource is asked for with HEAD, then the headers are the GET headers and there is no body', async () => {
    const head = await answer(ours.url, '/object', 'HEAD');
    const get = await answer(ours.url, '/object');
    expect(head).toEqual({ ...get, body: '' });
    expect(head).toEqual(await answer(koas.url, '/object', 'HEAD'));
  });

  it('When an object body is set, then Content-Type is application/json with charset utf-8', async () => {
    expect(await answer(ours.url, '/object')).toMatchObject({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ name: 'Mug', price: 12.5, tags: ['kitchen'], note: 'naïve ☕' }),
    });
  });
});

// A separate process: vitest itself has loaded undici long before any test runs.
const undiciLoadedAfterOneJsonResponse = (factory: 'createHttpApp' | 'new Koa') =>
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
      import { createRequire } from 'node:module';
      import Koa from 'koa';
      import { createHttpApp } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'http.ts'))};
      const http = createRequire(import.meta.url)('node:http');
      const app = ${factory === 'createHttpApp' ? 'createHttpApp()' : 'new Koa()'};
      app.use((ctx) => { ctx.body = { status: 'ok' }; });
      const server = http.createServer(app.callback()).listen(0, '127.0.0.1', () => {
        http.get({ port: server.address().port, host: '127.0.0.1', path: '/' }, (res) => {
          res.resume().on('end', () => {
            console.log(process.moduleLoadList.some((name) => name.includes('undici')));
            server.close();
          });
        });
      });
      `,
    ],
    { cwd: import.meta.dirname, encoding: 'utf8' },
  ).trim();

describe('a JSON response does not make Node load undici', () => {
  it('When the platform app answers with a JSON body, then undici (fetch, tls, http2) is never loaded', () => {
    expect(undiciLoadedAfterOneJsonResponse('createHttpApp')).toBe('false');
  });

  it("When a plain Koa app does the same, then Koa's `instanceof Response` check loads it (the cost avoided)", () => {
    expect(undiciLoadedAfterOneJsonResponse('new Koa')).toBe('true');
  });
});
