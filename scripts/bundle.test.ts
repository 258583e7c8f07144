import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinsThroughRequire, mediaTypesOnly, REQUIRE_BANNER } from './bundle-plugins.ts';
import { probe } from './fixtures/media-types-probe.ts';

const root = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Bundles `entry` as scripts/build.ts bundles a service (ESM for node, the require banner), then runs it. */
async function bundleAndRun(entry: string, plugins: Plugin[]): Promise<{ output: string; code: string }> {
  const outfile = join(scratch, `out-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    nodePaths: [join(root, 'node_modules')],
    banner: { js: REQUIRE_BANNER },
    plugins,
    logLevel: 'silent',
  });
  const output = execFileSync(process.execPath, [outfile], { cwd: scratch, encoding: 'utf8' }).trim();
  return { output, code: readFileSync(outfile, 'utf8') };
}

describe('media-types-only: mime-db cut to the types a JSON API names', () => {
  it('When Koa is bundled with it, then ctx.type, ctx.is and ctx.accepts answer exactly as Koa does unbundled', async () => {
    const bundled = await bundleAndRun(join(import.meta.dirname, 'fixtures', 'media-types-probe.ts'), [
      mediaTypesOnly,
    ]);
    expect(JSON.parse(bundled.output)).toEqual(probe());
    expect(probe().types.json).toBe('application/json; charset=utf-8');
  });

  it('When Koa is bundled with it, then the rest of mime-db is not in the bundle (it is without)', async () => {
    const entry = join(import.meta.dirname, 'fixtures', 'media-types-probe.ts');
    const cut = await bundleAndRun(entry, [mediaTypesOnly]);
    const whole = await bundleAndRun(entry, []);
    expect(whole.code).toContain('application/vnd.ms-excel');
    expect(cut.code).not.toContain('application/vnd.ms-excel');
  });
});

describe('builtins-through-require: no ESM facade for Node built-ins', () => {
  const entry = join(scratch, 'http-entry.mjs');
  writeFileSync(
    entry,
    "import { createServer } from 'node:http';\n" +
      "console.log(typeof createServer, process.moduleLoadList.some((name) => name.includes('undici')));\n",
  );

  it('When a bundle imports node:http, then it gets the module and Node does not load undici', async () => {
    expect((await bundleAndRun(entry, [builtinsThroughRequire])).output).toBe('function false');
  });

  it('When the same bundle is built without it, then the ESM import loads undici (the cost avoided)', async () => {
    expect((await bundleAndRun(entry, [])).output).toBe('function true');
  });
});
