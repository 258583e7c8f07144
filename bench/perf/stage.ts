// The services laid out as their images hold them, and run with the image's ENV. The /app tree comes from
// the built image when a Docker engine answers and has it (`docker create` + `docker cp`, ENV from
// `docker image inspect`); otherwise it is made from the local build as the Dockerfile makes it: /app/dist
// (the bundle, migrations included), /app/node_modules/better-sqlite3 with this platform's binary only, and
// an empty /app/.node-compile-cache. Either way the V8 compile cache is then filled as the image's last
// stage fills it (scripts/warm-compile-cache.ts, the image's ENV, the uid that runs the service): V8 takes
// a cache only from the same Node build, file path, flags and uid, so the image's own cache, made for /app
// and uid 1000 with the image's Node, would never be read here. Run from there, a bundle finds no stray
// node_modules (bench/fixes.md: stray-migrations-copy).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './proc.ts';

export type Service = 'products' | 'orders';

export interface StagedApp {
  /** The folder that is /app in the image. */
  dir: string;
  /** The image's ENV that shapes the process (NODE_OPTIONS, MALLOC_ARENA_MAX, NODE_COMPILE_CACHE …), /app → dir. */
  env: Record<string, string>;
  /** Where the tree came from. */
  source: string;
  /** Steps of the Dockerfile the local staging copies that were not found in it (empty: it matches). */
  unmatched: string[];
}

/** Variables of the image's ENV that the harness sets itself, or that only the platform reads. */
const NOT_TAKEN = /^(PORT|AWS_LWA_.*|PATH|NODE_VERSION|YARN_VERSION|NODE_EXTRA_CA_CERTS)$/;

const takeEnv = (pairs: Iterable<[string, string]>, app: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (!NOT_TAKEN.test(key)) env[key] = value.replace(/^\/app(?=\/|$)/, app);
  }
  return env;
};

/** `ENV` of the image's last stage (KEY=value pairs, `\` continuations, double quotes), `/app` → `app`. */
export function imageEnv(dockerfile: string, app: string): Record<string, string> {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\r?\n/g, ' ');
  const lastStage = text.slice(text.lastIndexOf('\nFROM '));
  const pairs: Array<[string, string]> = [];
  for (const line of lastStage.split('\n')) {
    const instruction = /^ENV\s+(.*)$/.exec(line.trim());
    if (!instruction) continue;
    for (const pair of (instruction[1] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      pairs.push([pair[1] ?? '', (pair[2] ?? '').replace(/^"(.*)"$/, '$1')]);
    }
  }
  return takeEnv(pairs, app);
}

/** What the local staging copies, as the Dockerfile says it: each must still be in the Dockerfile. */
const dockerfileSteps = (service: Service) => [
  `cp -r services/${service}/dist /app/dist`,
  'node_modules/better-sqlite3/package.json node_modules/better-sqlite3/lib /app/node_modules/better-sqlite3/',
  'node_modules/better-sqlite3/prebuilds/linux-$(node -p',
  'COPY --from=build --chown=root:root /app /app',
  'node /tmp/warm-compile-cache.ts /app',
  'CMD ["node", "dist/server.mjs"]',
];

/** The tree as the Dockerfile's build stage makes it, from `from`'s services/<svc>/dist. */
function stageLocally(from: string, service: Service, app: string): Omit<StagedApp, 'dir'> {
  const dockerfile = join(from, 'services', service, 'Dockerfile');
  const text = readFileSync(dockerfile, 'utf8');
  cpSync(join(from, 'services', service, 'dist'), join(app, 'dist'), { recursive: true });
  const sqlite = join(app, 'node_modules', 'better-sqlite3');
  const source = join(root, 'node_modules', 'better-sqlite3');
  mkdirSync(join(sqlite, 'prebuilds'), { recursive: true });
  cpSync(join(source, 'package.json'), join(sqlite, 'package.json'));
  cpSync(join(source, 'lib'), join(sqlite, 'lib'), { recursive: true });
  const addon = join('prebuilds', `linux-${process.arch}.node`);
  cpSync(join(source, addon), join(sqlite, addon));
  return {
    env: imageEnv(dockerfile, app),
    source: `local build, staged as services/${service}/Dockerfile stages it`,
    unmatched: dockerfileSteps(service).filter((step) => !text.includes(step)),
  };
}

const docker = (args: string[]) =>
  spawnSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

/**
 * /app and ENV of the image `shop-<service>`, when a Docker engine answers, holds it and the image's bundle
 * is this build's (same dist/meta.json); otherwise undefined, with the reason in `notes`.
 */
function stageFromImage(from: string, service: Service, app: string, notes: string[]) {
  const image = `shop-${service}`;
  const inspect = docker(['image', 'inspect', '--format', '{{json .Config.Env}}', image]);
  if (inspect.status !== 0) return undefined;
  const created = docker(['create', image]);
  const id = created.stdout.trim();
  if (created.status !== 0 || !id) return undefined;
  try {
    if (docker(['cp', `${id}:/app`, app]).status !== 0) return undefined;
  } finally {
    docker(['rm', id]);
  }
  const meta = (dir: string) => readFileSync(join(dir, 'dist', 'meta.json'), 'utf8');
  if (!existsSync(join(app, 'dist', 'meta.json')) || meta(app) !== meta(join(from, 'services', service))) {
    notes.push(
      `image ${image} holds another build than services/${service}/dist: staged from the local build`,
    );
    rmSync(app, { recursive: true, force: true });
    return undefined;
  }
  const pairs = (JSON.parse(inspect.stdout) as string[]).map((entry): [string, string] => {
    const at = entry.indexOf('=');
    return [entry.slice(0, at), entry.slice(at + 1)];
  });
  // The image's cache is for its own Node, /app and uid 1000: it is made again below for this path.
  rmSync(join(app, '.node-compile-cache'), { recursive: true, force: true });
  return { env: takeEnv(pairs, app), source: `image ${image} (docker cp of /app)`, unmatched: [] };
}

/**
 * Lays each service out in `<tmp>/<service>` as /app is in its image, then makes its compile cache as the
 * image build does. `from` is a checkout holding services/<svc>/dist (the repository unless given: A/B
 * runs of a change; an image is used only when it holds that build); `nodeOptions` replaces the image's NODE_OPTIONS
 * (the cache is made with it, as an image built with it would be).
 */
export function stageImages(from: string = root, nodeOptions?: string): Record<Service, StagedApp> {
  const stage = mkdtempSync(join(tmpdir(), 'bench-app-'));
  const apps = {} as Record<Service, StagedApp>;
  for (const service of ['products', 'orders'] as const) {
    const app = join(stage, service);
    const notes: string[] = [];
    const staged = stageFromImage(from, service, app, notes) ?? stageLocally(from, service, app);
    if (notes.length) staged.source += ` (${notes.join('; ')})`;
    if (nodeOptions !== undefined) staged.env.NODE_OPTIONS = nodeOptions;
    const cache = staged.env.NODE_COMPILE_CACHE;
    if (cache && !existsSync(cache)) mkdirSync(cache, { recursive: true });
    execFileSync(process.execPath, [join(root, 'scripts', 'warm-compile-cache.ts'), app], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...staged.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    apps[service] = { dir: app, ...staged };
  }
  return apps;
}
