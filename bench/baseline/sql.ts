// The raw baselines' SQL: the services' drivers (mysql2, pg) straight, with `?` placeholders, a pool of
// the same size as the services' and transactions on one pinned connection. Nothing else.
import mysql from 'mysql2/promise';
import pg from 'pg';

export type Engine = 'mysql' | 'postgresql';
type Row = Record<string, unknown>;

export interface Runner {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface RawSql extends Runner {
  engine: Engine;
  transaction<T>(work: (trx: Runner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openRawSql(url: string, poolMax: number): RawSql {
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    // The options MikroORM gives mysql2 (dateStrings, supportBigNumbers), so both parse the same way.
    const pool = mysql.createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectionLimit: poolMax,
      dateStrings: true,
      supportBigNumbers: true,
    });
    const runnerOf = (target: mysql.Pool | mysql.PoolConnection): Runner => ({
      async all(sql, params = []) {
        const [rows] = await target.query(sql, params as unknown[]);
        return rows as Row[];
      },
      async run(sql, params = []) {
        const [result] = await target.query(sql, params as unknown[]);
        return (result as mysql.ResultSetHeader).affectedRows;
      },
    });
    return {
      engine: 'mysql',
      ...runnerOf(pool),
      async transaction(work) {
        const connection = await pool.getConnection();
        try {
          await connection.query('begin');
          const result = await work(runnerOf(connection));
          await connection.query('commit');
          return result;
        } catch (error) {
          await connection.query('rollback').catch(() => undefined);
          throw error;
        } finally {
          connection.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  // An idle client dropped by the server must not take the process down.
  pool.on('error', () => undefined);
  const numbered = new Map<string, string>();
  const dollar = (sql: string) => {
    let text = numbered.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      numbered.set(sql, text);
    }
    return text;
  };
  const runnerOf = (target: pg.Pool | pg.PoolClient): Runner => ({
    async all(sql, params = []) {
      return (await target.query(dollar(sql), params)).rows;
    },
    async run(sql, params = []) {
      return (await target.query(dollar(sql), params)).rowCount ?? 0;
    },
  });
  return {
    engine: 'postgresql',
    ...runnerOf(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(runnerOf(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** mysql2 `dateStrings` (`2026-01-02 03:04:05.678`, UTC) or pg's Date → ISO-8601. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return text.includes('T') ? new Date(text).toISOString() : `${text.replace(' ', 'T')}Z`;
}

/** A timestamp parameter as each engine's column takes it. */
export const stamp = (engine: Engine, date: Date): string | Date =>
  engine === 'mysql' ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
