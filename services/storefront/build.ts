// Builds the storefront into static files: dist/index.html, dist/assets/app-<hash>.js and
// styles-<hash>.css (content-hashed: cache them forever), dist/config.json (never cache), favicon.
//
//   node build.ts                                   # dist/ with the local config (public/config.json)
//   node build.ts --config deploy/aws/config.json   # dist/ with that deployment's config, checked first
//   node build.ts --out /tmp/site --no-minify
//
// `npm start` calls buildStorefront() before serving; deployments publish dist/ with their config.json.
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ConfigError, parseConfig } from './web/config.ts';

export interface BuildOptions {
  /** Default services/storefront/dist. */
  outDir?: string;
  /** The config.json to ship; default public/config.json (the local stacks'). Checked before building. */
  configFile?: string;
  minify?: boolean;
}

export interface BuildResult {
  outDir: string;
  files: string[];
}

const here = import.meta.dirname;

export async function buildStorefront(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = resolve(options.outDir ?? join(here, 'dist'));
  const configFile = resolve(options.configFile ?? join(here, 'public/config.json'));
  const configText = await readFile(configFile, 'utf8');
  try {
    parseConfig(JSON.parse(configText));
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    throw new Error(`${configFile} is not a valid storefront config: ${problems}`);
  }

  await mkdir(join(outDir, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'web/main.ts'), styles: join(here, 'web/styles.css') },
    outdir: outDir,
    entryNames: 'assets/[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Browsers of the last ~2 years: <dialog>, top-level await, CSS nesting not relied on.
    target: ['es2022', 'chrome111', 'edge111', 'firefox114', 'safari16.4'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });

  const outputs = Object.entries(result.metafile.outputs);
  const entry = (name: string) => {
    const found = outputs.find(([file, meta]) => meta.entryPoint?.endsWith(name) && !file.endsWith('.map'));
    if (!found) throw new Error(`esbuild produced no output for ${name}`);
    return relative(outDir, resolve(found[0])).split('\\').join('/');
  };
  const script = entry('web/main.ts');
  const styles = entry('web/styles.css');

  const template = await readFile(join(here, 'web/index.html'), 'utf8');
  await writeFile(
    join(outDir, 'index.html'),
    template.replace('%SCRIPT%', script).replace('%STYLES%', styles),
  );

  // Static files, except the "not built" index.html that public/ holds for a gateway serving it directly.
  for (const name of await readdir(join(here, 'public'))) {
    if (name === 'index.html' || name === 'config.json') continue;
    await copyFile(join(here, 'public', name), join(outDir, name));
  }
  await writeFile(join(outDir, 'config.json'), configText);

  // Assets of earlier builds go last, so a page already loaded keeps working while this one lands.
  const current = new Set(outputs.map(([file]) => relative(join(outDir, 'assets'), resolve(file))));
  for (const name of await readdir(join(outDir, 'assets'))) {
    if (!current.has(name)) await rm(join(outDir, 'assets', name), { force: true });
  }

  const files = (await readdir(outDir, { recursive: true, withFileTypes: true }))
    .filter((dirent) => dirent.isFile())
    .map((dirent) => relative(outDir, join(dirent.parentPath, dirent.name)))
    .sort();
  return { outDir, files };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      config: { type: 'string' },
      'no-minify': { type: 'boolean', default: false },
    },
  });
  const { outDir, files } = await buildStorefront({
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.config ? { configFile: values.config } : {}),
    minify: !values['no-minify'],
  });
  process.stdout.write(`storefront built into ${outDir}:\n  ${files.join('\n  ')}\n`);
}
