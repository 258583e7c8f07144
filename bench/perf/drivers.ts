// Which drivers a running service loaded. The bundled server runs under `--import module-trace.ts`
// (module.registerHooks sees every import, dynamic import and require); each chunk file it loaded is
// mapped to the packages bundled into it with services/<svc>/dist/meta.json (esbuild's metafile), and
// any file loaded from node_modules (the native SQLite addon ships there) counts as its package.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './proc.ts';

export const FAMILIES: Record<string, RegExp[]> = {
  mysql2: [/^mysql2$/, /^@mikro-orm\/mysql$/],
  pg: [/^pg(-.+)?$/, /^pgpass$/, /^postgres-/, /^@mikro-orm\/postgresql$/],
  'better-sqlite3': [/^better-sqlite3$/, /^@mikro-orm\/sqlite$/],
  'MikroORM/kysely': [/^@mikro-orm\/(core|sql|migrations)$/, /^kysely$/],
  'AWS SDK': [/^@aws-sdk\//, /^@smithy\//, /^@aws-crypto\//],
};

export type Family = keyof typeof FAMILIES;

const packageOf = (path: string): string | undefined => {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : first;
};

export interface DriverReport {
  /** Bundle files (relative to dist) the process loaded. */
  chunks: string[];
  /** Every package with code in a loaded chunk or file. */
  packages: string[];
  /** Families of drivers present. */
  families: string[];
}

/** Maps a module trace (file: URLs) to the packages and driver families it contains; `app` holds dist/. */
export function analyseTrace(app: string, urls: readonly string[]): DriverReport {
  const dist = join(app, 'dist');
  const meta = JSON.parse(readFileSync(join(dist, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const chunks: string[] = [];
  const packages = new Set<string>();
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const file = fileURLToPath(url);
    const direct = packageOf(file);
    if (direct) packages.add(direct);
    if (!file.startsWith(dist)) continue;
    const chunk = relative(dist, file);
    chunks.push(chunk);
    // The metafile names outputs by their path in the repository, services/<svc>/dist/…
    const output = Object.entries(meta.outputs).find(([name]) => name.endsWith(`/dist/${chunk}`))?.[1];
    for (const input of Object.keys(output?.inputs ?? {})) {
      const name = packageOf(input);
      if (name) packages.add(name);
    }
  }
  const families = Object.entries(FAMILIES)
    .filter(([, patterns]) => [...packages].some((name) => patterns.some((pattern) => pattern.test(name))))
    .map(([family]) => family);
  return { chunks: chunks.sort(), packages: [...packages].sort(), families };
}

export const TRACE_HOOK = join(root, 'bench', 'perf', 'module-trace.ts');
