import type { Middleware } from 'koa';

export type ReadinessCheck = () => Promise<unknown>;

/**
 * `/healthz` answers from memory (the Lambda Web Adapter's readiness path: it must not touch a store);
 * `/readyz` runs every check with a bound on time and says which failed. Mounted before auth and logging
 * of the body, so probes are cheap.
 */
export function health(checks: Record<string, ReadinessCheck>, timeoutMs = 2000): Middleware {
  return async function answerHealth(ctx, next) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== '/readyz') return next();
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
            }),
          ]);
          return [name, 'ok'] as const;
        } catch {
          return [name, 'failing'] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('retry-after', '5');
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  };
}
