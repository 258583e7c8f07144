// The versions a run measured: Node, the store servers and the libraries on the request path.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { WRK } from './load.ts';
import { root } from './proc.ts';
import { MYSQL_SERVER, POSTGRES_SERVER } from './stores.ts';

const LIBRARIES = [
  'koa',
  '@mikro-orm/core',
  'mysql2',
  'pg',
  '@aws-sdk/client-dynamodb',
  'jose',
  'pino',
  'typebox',
  'esbuild',
];

const packageVersion = (name: string) => {
  try {
    return (
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'n/a';
  }
};

/** wrk's own word (`wrk -v`: the first line, e.g. `wrk debian/4.1.0-3+b2 [epoll]`). */
const wrkVersion = () => {
  const run = spawnSync(WRK, ['-v'], { encoding: 'utf8' });
  return /^wrk (\S+)/m.exec(`${run.stdout}${run.stderr}`)?.[1] ?? 'n/a';
};

/** DynamoDB Local's version is read from its log in `logDir`. */
export async function versions(logDir: string) {
  const connection = await mysql.createConnection(MYSQL_SERVER);
  const [[mariadb]] = (await connection.query('select version() as v')) as unknown as [[{ v: string }]];
  await connection.end();
  const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  const dynamoLog = readFileSync(join(logDir, 'dynamodb-local.log'), 'utf8');
  return {
    node: process.version,
    mariadb: mariadb?.v ?? 'n/a',
    postgresql: rows[0]?.server_version ?? 'n/a',
    dynamodbLocal: /Version:\s*(\S+)/.exec(dynamoLog)?.[1] ?? 'n/a',
    wrk: wrkVersion(),
    ...Object.fromEntries(LIBRARIES.map((name) => [name, packageVersion(name)])),
  };
}
