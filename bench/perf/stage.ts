// The services laid out as their images hold them (services/*/Dockerfile): /app/dist (the bundle),
// /app/database/<svc> (migrations) and /app/node_modules/better-sqlite3 with this platform's binary
// only, and nothing else. Run from there, a bundle finds no stray node_modules: from the repository,
// MikroORM's optional-extension probe (import.meta.resolve('@mikro-orm/migrations')) would load a
// second, unbundled copy of @mikro-orm/migrations and kysely (~250 files) that the images never see.
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './proc.ts';

export type Service = 'products' | 'orders';

/**
 * Copies each service into `<tmp>/<service>` as /app is in its image; returns the app folders. `from` is a
 * checkout holding services/<svc>/dist and database/ (the repository unless given: A/B runs of a change).
 */
export function stageImages(from: string = root): Record<Service, string> {
  const stage = mkdtempSync(join(tmpdir(), 'bench-app-'));
  const apps = {} as Record<Service, string>;
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
    apps[service] = app;
  }
  return apps;
}
