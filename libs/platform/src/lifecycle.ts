import { createServer, type RequestListener, type Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';

/**
 * Idle keep-alive connections are kept longer than whatever sits in front keeps its own (ALB 60 s), so the
 * proxy is always the one to close an idle connection: a server that closes first races the proxy's next
 * request on that connection, which then fails with no answer.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Above the keep-alive timeout (as Node advises): a request that starts as an idle connection expires still has its headers read. */
export const HEADERS_TIMEOUT_MS = 66_000;

/** The connection timeouts of every HTTP server in the platform, the local gateway's included. */
export function applyConnectionTimeouts(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
}

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Time allowed to answer in-flight requests after SIGTERM before connections are cut. */
  shutdownTimeoutMs: number;
  /**
   * After SIGTERM, keep accepting this long (answering with `Connection: close`) before the listener
   * closes: connections a client opened just before — still in the kernel's accept queue, request
   * already sent — would otherwise be reset. Default 250 ms.
   */
  acceptWhileClosingMs?: number;
  /** Run after the last request, in order: close pools and clients. */
  onShutdown?: Array<() => Promise<unknown> | unknown>;
  /** Exit the process when shutdown completes (default true; tests pass false). */
  exit?: boolean;
  signals?: NodeJS.Signals[];
  /**
   * When to give start-up memory back (see releaseStartupMemory): this long after listening, or as soon
   * after as no request is in flight; false never. Default 500 ms.
   */
  releaseStartupMemoryAfterMs?: number | false;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, drains, runs the shutdown hooks. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Listens once and shuts down gracefully: on SIGTERM/SIGINT it answers what is already queued for a
 * moment, then stops accepting connections, lets in-flight requests finish (asking keep-alive clients to
 * go away), cuts what remains at the deadline, closes pools, and exits.
 */
export async function serve(listener: RequestListener, options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  let closing = false;
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    if (closing) res.setHeader('connection', 'close');
    listener(req, res);
  });
  applyConnectionTimeouts(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;

  let done: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') => {
    done ??= (async () => {
      closing = true;
      logger.info({ reason }, 'shutting down: draining in-flight requests');
      const lameDuckMs = options.acceptWhileClosingMs ?? 250;
      if (lameDuckMs > 0) await new Promise((resolve) => setTimeout(resolve, lameDuckMs));
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        deadline = setTimeout(() => resolve(true), options.shutdownTimeoutMs);
      });
      const cut = await Promise.race([drained.then(() => false), timedOut]);
      clearInterval(idleSweep);
      clearTimeout(deadline);
      if (cut) {
        logger.warn('shutdown deadline reached: closing remaining connections');
        server.closeAllConnections();
      }
      for (const hook of options.onShutdown ?? []) {
        try {
          await hook();
        } catch (error) {
          logger.error({ err: error }, 'shutdown hook failed');
        }
      }
      logger.info('shutdown complete');
    })();
    return done;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      void shutdown(signal).then(() => {
        if (options.exit !== false) process.exit(0);
      });
    });
  }
  logger.info({ url }, 'listening');
  const releaseAfterMs = options.releaseStartupMemoryAfterMs ?? 500;
  if (releaseAfterMs !== false) {
    let attempts = 0;
    const release = () => {
      if (closing) return;
      if (inFlight > 0) {
        // Busy from the start: ordinary collections will shape the heap; try a few times, then leave it.
        if (++attempts < 10) setTimeout(release, 200).unref();
        return;
      }
      logger.info(releaseStartupMemory(), 'start-up memory released');
    };
    setTimeout(release, releaseAfterMs).unref();
  }
  return { server, url, shutdown };
}

/**
 * One compacting, memory-reducing collection (V8's last-resort GC), run once when the service is up and
 * idle: start-up leaves parsed modules, ORM discovery and the young generation it grew behind, RSS that
 * ordinary collections keep (bench/fixes.md: startup-gc). It pauses the process, so never while a
 * request is in flight. The `gc`
 * function is taken from a fresh context: the service's own globals never get one.
 */
export function releaseStartupMemory(): { rssBeforeMb: number; rssAfterMb: number; ms: number } {
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const before = process.memoryUsage.rss();
  const started = performance.now();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: object) => void;
  setFlagsFromString('--no-expose-gc');
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return {
    rssBeforeMb: mb(before),
    rssAfterMb: mb(process.memoryUsage.rss()),
    ms: Math.round(performance.now() - started),
  };
}
