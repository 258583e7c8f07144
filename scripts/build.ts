// Bundles every service entry point with esbuild into services/<svc>/dist/<entry>.mjs: one file per
// entry, what the images and Lambda zips ship. Drivers a store does not use stay lazy imports.
import { rm, writeFile } from 'node:fs/promises';
import { build, type Metafile } from 'esbuild';
import { builtinsThroughRequire, mediaTypesOnly, REQUIRE_BANNER } from './bundle-plugins.ts';

const SERVICES = ['products', 'orders'];
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

/** Bundles one service's entry points into `outdir` (default services/<service>/dist); its metafile. */
export async function bundleService(service: string, outdir = `services/${service}/dist`): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  // Code splitting keeps each store's driver (and its native addon) in a chunk that is loaded only
  // when that store is chosen: an orders instance on DynamoDB never loads an SQL driver, and back.
  const result = await build({
    entryPoints: entries.map((entry) => `services/${service}/src/${entry}.ts`),
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    external,
    plugins: [builtinsThroughRequire, mediaTypesOnly],
    legalComments: 'none',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
  await writeFile(`${outdir}/meta.json`, JSON.stringify(result.metafile));
  return result.metafile;
}

// `node scripts/build.ts products` builds one service (what each Dockerfile does); no argument builds all.
async function main(): Promise<void> {
  const services =
    process.argv.length > 2 ? process.argv.slice(2).filter((name) => SERVICES.includes(name)) : SERVICES;
  if (services.length === 0) throw new Error(`unknown service; expected one of ${SERVICES.join(', ')}`);
  const report: Record<string, number> = {};
  for (const service of services) {
    const metafile = await bundleService(service);
    for (const [file, output] of Object.entries(metafile.outputs)) {
      if (!file.endsWith('.map')) report[file] = output.bytes;
    }
  }
  const total = (prefix: string) =>
    Object.entries(report)
      .filter(([file]) => file.startsWith(prefix))
      .reduce((sum, [, bytes]) => sum + bytes, 0);
  for (const service of services) {
    const dir = `services/${service}/dist`;
    console.log(
      `${dir}: ${(total(dir) / 1024 / 1024).toFixed(2)} MB in ${Object.keys(report).filter((f) => f.startsWith(dir)).length} files`,
    );
    for (const entry of entries) {
      console.log(
        `  ${entry}.mjs  ${((report[`${dir}/${entry}.mjs`] ?? 0) / 1024).toFixed(0)} kB (+ shared chunks)`,
      );
    }
  }
}

if (import.meta.main) await main();
