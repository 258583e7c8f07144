import { describe, expect, it } from 'vitest';
import { openSqlOrm, sqlTargetOf } from '../src/sql.ts';
import { engines } from '../src/testing/index.ts';

describe('which SQL engine a URL names', () => {
  it.each([
    ['mysql://root@db:3306/shop', 'mysql', 'mysql://root@db:3306/shop'],
    ['mariadb://root@db:3306/shop', 'mysql', 'mysql://root@db:3306/shop'],
    ['postgresql://u:p@db:5432/shop', 'postgresql', 'postgresql://u:p@db:5432/shop'],
    ['postgres://u:p@db:5432/shop', 'postgresql', 'postgresql://u:p@db:5432/shop'],
    ['sqlite:.data/products.sqlite', 'sqlite', '.data/products.sqlite'],
    ['sqlite:/abs/path.sqlite', 'sqlite', '/abs/path.sqlite'],
    ['sqlite:///abs/path.sqlite', 'sqlite', '/abs/path.sqlite'],
    ['sqlite::memory:', 'sqlite', ':memory:'],
    ['sqlite:', 'sqlite', ':memory:'],
  ])('When DATABASE_URL is %s, then the engine is %s at %s', (url, engine, location) => {
    expect(sqlTargetOf(url)).toEqual({ engine, location });
  });

  it.each(['mongodb://db/shop', 'mssql://db', 'http://db', 'MYSQL://db/shop', ''])(
    'When DATABASE_URL is %j, then it is refused naming the schemes taken',
    (url) => {
      expect(() => sqlTargetOf(url)).toThrow(/must start with mysql:\/\/, mariadb:\/\/, postgresql:\/\//);
    },
  );
});

/** Every scheme each service takes, on every engine this run reaches. */
const schemesOf = (engine: string, url: string | undefined): string[] => {
  if (engine === 'sqlite') return ['sqlite::memory:', 'sqlite:'];
  const rest = (url as string).slice((url as string).indexOf('://'));
  return engine === 'mysql' ? [`mysql${rest}`, `mariadb${rest}`] : [`postgresql${rest}`, `postgres${rest}`];
};

describe.each(engines(['sqlite', 'mysql', 'postgresql']))('openSqlOrm on $engine', ({ engine, url }) => {
  it.each(schemesOf(engine, url))(
    'When the store is opened with %s, then it answers a query',
    async (given) => {
      const { engine: opened, orm } = await openSqlOrm({
        url: given,
        poolMax: 2,
        acquireTimeoutMs: 2_000,
        orm: { entities: [], discovery: { warnWhenNoEntities: false }, debug: false },
      });
      try {
        expect(opened).toBe(engine);
        const rows = await orm.em.getConnection().execute('select 1 + 1 as two');
        expect(Number((rows as { two: unknown }[])[0]?.two)).toBe(2);
      } finally {
        await orm.close(true);
      }
    },
  );

  if (engine === 'sqlite') {
    it('When SQLite is opened, then foreign keys are on and writers wait 5 s for a lock', async () => {
      const { orm } = await openSqlOrm({
        url: 'sqlite::memory:',
        poolMax: 1,
        orm: { entities: [], discovery: { warnWhenNoEntities: false } },
      });
      try {
        const connection = orm.em.getConnection();
        expect(await connection.execute('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
        expect(await connection.execute('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
      } finally {
        await orm.close(true);
      }
    });
  }
});
