// The slice of `pg` 8 (it ships no types and @types/pg is not installed) that bench/ code uses.
declare module 'pg' {
  namespace pg {
    interface QueryResult<R = Record<string, unknown>> {
      rows: R[];
      rowCount: number | null;
    }
    interface ClientConfig {
      connectionString?: string;
      host?: string;
      port?: number;
      user?: string;
      password?: string;
      database?: string;
      connectionTimeoutMillis?: number;
    }
    interface PoolConfig extends ClientConfig {
      max?: number;
      idleTimeoutMillis?: number;
    }
    interface Queryable {
      query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
    }
    interface PoolClient extends Queryable {
      release(error?: Error | boolean): void;
    }
    class Pool implements Queryable {
      constructor(config?: PoolConfig);
      query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
      connect(): Promise<PoolClient>;
      end(): Promise<void>;
      on(event: 'error', listener: (error: Error) => void): this;
    }
    class Client implements Queryable {
      constructor(config?: ClientConfig);
      connect(): Promise<void>;
      query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
      end(): Promise<void>;
      on(event: 'error' | 'end', listener: (error?: Error) => void): this;
    }
  }
  const pg: { Pool: typeof pg.Pool; Client: typeof pg.Client };
  export default pg;
}
