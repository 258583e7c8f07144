// Bundles every service entry point with esbuild into services/<svc>/dist/<entry>.mjs: one file per
// entry, what the images and Lambda zips ship. Drivers a store does not use stay lazy imports.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

// `node scripts/build.ts products` builds one service (what each Dockerfile does); no argument builds all.
const all = ['products', 'orders'];
const services = process.argv.length > 2 ? process.argv.slice(2).filter((name) => all.includes(name)) : all;
if (services.length === 0) throw new Error(`unknown service; expected one of ${all.join(', ')}`);
const entries = ['server', 'lambda', 'migrate'] as const;

// Optional peer drivers that knex-style dialect loaders reference but no engine here uses.
const external = [
  'better-sqlite3',
  'pg-native',
  'oracledb',
  'tedious',
  'mssql',
  'libsql',
  '@libsql/client',
  'mariadb',
  'pg-query-stream',
  '@mikro-orm/reflection',
  '@mikro-orm/cli',
  '@mikro-orm/seeder',
  '@mikro-orm/entity-generator',
  'ts-morph',
  'typescript',
];

const report: Record<string, number> = {};
for (const service of services) {
  for (const entry of entries) {
    const outfile = `services/${service}/dist/${entry}.mjs`;
    const result = await build({
      entryPoints: [`services/${service}/src/${entry}.ts`],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      minify: true,
      sourcemap: 'linked',
      metafile: true,
      external,
      legalComments: 'none',
      // ESM bundles of CommonJS dependencies still call require(): give them one.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    await mkdir(`services/${service}/dist`, { recursive: true });
    await writeFile(`services/${service}/dist/${entry}.meta.json`, JSON.stringify(result.metafile));
    report[outfile] = (await stat(outfile)).size;
  }
}
for (const [file, size] of Object.entries(report)) {
  console.log(`${file}  ${(size / 1024 / 1024).toFixed(2)} MB`);
}
