// The services laid out as their images hold them (services/*/Dockerfile): /app/dist (the bundle),
// /app/database/<svc> (migrations), /app/node_modules/better-sqlite3 with this platform's binary only, and
// the V8 compile cache the image's last stage makes — and run with the image's ENV. Run from there, a
// bundle finds no stray node_modules: from the repository, MikroORM's optional-extension probe
// (import.meta.resolve('@mikro-orm/migrations')) would load a second, unbundled copy of
// @mikro-orm/migrations and kysely that the images never see (bench/fixes.md: stray-migrations-copy).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './proc.ts';

export type Service = 'products' | 'orders';

export interface StagedApp {
  /** The folder that is /app in the image. */
  dir: string;
  /** The image's ENV that shapes the process (NODE_OPTIONS, MALLOC_ARENA_MAX, NODE_COMPILE_CACHE …), /app → dir. */
  env: Record<string, string>;
}

/** Variables of the image's ENV that the harness sets itself, or that only the platform reads. */
const NOT_TAKEN = /^(PORT|AWS_LWA_.*)$/;

/** `ENV` of the image's last stage (KEY=value pairs, `\` continuations, double quotes), `/app` → `app`. */
export function imageEnv(dockerfile: string, app: string): Record<string, string> {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\r?\n/g, ' ');
  const lastStage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n')) {
    const instruction = /^ENV\s+(.*)$/.exec(line.trim());
    if (!instruction) continue;
    for (const pair of (instruction[1] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      const [, key = '', raw = ''] = pair;
      if (NOT_TAKEN.test(key)) continue;
      env[key] = raw.replace(/^"(.*)"$/, '$1').replace(/^\/app(?=\/|$)/, app);
    }
  }
  return env;
}

/**
 * Copies each service into `<tmp>/<service>` as /app is in its image and makes its compile cache as the
 * image build does (scripts/warm-compile-cache.ts under the image's ENV). `from` is a checkout holding
 * services/<svc>/dist and database/ (the repository unless given: A/B runs of a change); `nodeOptions`
 * replaces the image's NODE_OPTIONS (the cache is made with it, as an image built with it would be).
 */
export function stageImages(from: string = root, nodeOptions?: string): Record<Service, StagedApp> {
  const stage = mkdtempSync(join(tmpdir(), 'bench-app-'));
  const apps = {} as Record<Service, StagedApp>;
  for (const service of ['products', 'orders'] as const) {
    const app = join(stage, service);
    cpSync(join(from, 'services', service, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(from, 'database', service), join(app, 'database', service), { recursive: true });
    const sqlite = join(app, 'node_modules', 'better-sqlite3');
    const source = join(root, 'node_modules', 'better-sqlite3');
    mkdirSync(join(sqlite, 'prebuilds'), { recursive: true });
    cpSync(join(source, 'package.json'), join(sqlite, 'package.json'));
    cpSync(join(source, 'lib'), join(sqlite, 'lib'), { recursive: true });
    cpSync(
      join(source, 'prebuilds', `linux-${process.arch}.node`),
      join(sqlite, 'prebuilds', `linux-${process.arch}.node`),
    );
    const env = imageEnv(join(from, 'services', service, 'Dockerfile'), app);
    if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
    execFileSync(process.execPath, [join(root, 'scripts', 'warm-compile-cache.ts'), app], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    apps[service] = { dir: app, env };
  }
  return apps;
}
