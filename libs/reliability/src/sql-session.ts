// A plain connection of the test's own to a MySQL/MariaDB or PostgreSQL server, outside the service's
// pool: to hold locks the service must wait for, or to watch what the server is doing.

export interface SqlSession {
  engine: 'mysql' | 'postgresql';
  // biome-ignore lint/suspicious/noExplicitAny: rows of ad-hoc queries
  query(sql: string, params?: unknown[]): Promise<any[]>;
  close(): Promise<void>;
}

export async function openSqlSession(url: string): Promise<SqlSession> {
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    const { createConnection } = await import('mysql2/promise');
    const connection = await createConnection({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectTimeout: 5000,
    });
    return {
      engine: 'mysql',
      query: async (sql, params = []) => {
        const [rows] = await connection.query(sql, params);
        return Array.isArray(rows) ? rows : [];
      },
      close: () => connection.end().catch(() => connection.destroy()),
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  return {
    engine: 'postgresql',
    query: async (sql, params = []) => {
      let n = 0;
      // `?` placeholders, as in the services' SQL, become PostgreSQL's `$n`.
      const result = await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return result.rows;
    },
    close: () => client.end().catch(() => {}),
  };
}

/** How many statements of this database are waiting for a lock held by another session. */
export async function lockWaiters(session: SqlSession): Promise<number> {
  const rows =
    session.engine === 'mysql'
      ? await session.query(
          `select count(*) as n from information_schema.processlist p
            where p.db = database() and p.id <> connection_id()
              and (p.state like 'Waiting for%lock%'
                   or p.id in (select trx_mysql_thread_id from information_schema.innodb_trx
                                where trx_state = 'LOCK WAIT'))`,
        )
      : await session.query(
          `select count(*) as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        );
  return Number(rows[0]?.n ?? 0);
}
