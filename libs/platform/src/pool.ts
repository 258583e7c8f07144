/** A connection pool that hands connections out through a callback, as mysql2's does. */
export interface CallbackPool {
  getConnection(callback: (error: unknown, connection?: { release(): void }) => void): void;
}

/** No pooled connection came free in time: the database is saturated. Answered 503 by `toAppError`. */
export class PoolTimeoutError extends Error {
  readonly code = 'POOL_ACQUIRE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`No database connection came free within ${timeoutMs} ms.`);
    this.name = 'PoolTimeoutError';
  }
}

/**
 * Bounds how long a caller waits for a connection of `pool` (mysql2 has no such option: a burst beyond the
 * pool would otherwise queue until the request timeout). A waiter that gives up stays in the driver's queue;
 * the connection it is eventually handed goes straight back to the pool, to the next waiter.
 */
export function boundPoolWaits<T extends CallbackPool>(pool: T, timeoutMs: number): T {
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(new PoolTimeoutError(timeoutMs));
    }, timeoutMs);
    getConnection((error, connection) => {
      if (settled) {
        connection?.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(error, connection);
    });
  };
  return pool;
}

/** A pooled client as pg-pool hands it out. */
export interface EndableClient {
  release(error?: Error): void;
  once(event: 'end', listener: () => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/** A pool that hands clients out through a promise, as pg-pool's does. */
export interface PromisePool {
  connect(): Promise<EndableClient>;
}

/**
 * Gives back to `pool` a checked-out client whose connection ended (the server went away or restarted).
 * Kysely releases a transaction's connection only after a successful COMMIT or ROLLBACK (kysely#1990), and
 * pg-pool keeps a checked-out client until it is released: without this, every transaction cut by an
 * outage would hold its slot for good, the pool would never recover, and closing it would hang.
 * A release after that (or any second release) is a no-op.
 */
export function releaseEndedClients<T extends PromisePool>(pool: T): T {
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<EndableClient> | undefined;
  pool.connect = ((...args: unknown[]) => {
    // The callback form (pg-pool's own `query`) keeps its own bookkeeping.
    if (args.length) return connect(...args);
    return connect()!.then((client) => {
      const release = client.release;
      let released = false;
      const releaseOnce = (error?: Error) => {
        if (released) return;
        released = true;
        client.off('end', onEnd);
        release.call(client, error);
      };
      const onEnd = () => releaseOnce(new Error('The connection ended while the client was checked out.'));
      client.once('end', onEnd);
      client.release = releaseOnce;
      return client;
    });
  }) as T['connect'];
  return pool;
}
