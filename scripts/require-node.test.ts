import { execFileSync, execSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What someone with an older Node sees. An old Node is stood in for by this Node reporting v20.19.0 (a
 * `node` first on PATH that preloads the lie): npm and the scripts it runs all take the version from
 * `process.version`, and the commands fail fast enough if the check is missing (an unknown option for
 * start, a test filter that matches nothing for vitest) that the output tells which ran.
 */

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'require-node-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const OLD = '20.19.0';
const fakeBin = join(scratch, 'bin');
mkdirSync(fakeBin);
writeFileSync(
  join(scratch, 'old-node.cjs'),
  `Object.defineProperty(process, 'version', { value: 'v${OLD}' });\n` +
    `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${OLD}' } });\n`,
);
writeFileSync(
  join(fakeBin, 'node'),
  `#!/bin/sh\nexec "${process.execPath}" --require "${join(scratch, 'old-node.cjs')}" "$@"\n`,
  { mode: 0o755 },
);

const npmCli =
  process.env.npm_execpath ?? realpathSync(execSync('command -v npm', { encoding: 'utf8' }).trim());
const needed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node.replace(/^>=/, '');

/** npm run by the old Node, as a user's shell would find it first on PATH. */
function oldNpm(args: string[], cwd = root) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` };
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return spawnSync(join(fakeBin, 'node'), [npmCli, ...args], { cwd, env, encoding: 'utf8' });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

// A bound for a loaded CI machine (each case starts npm), not an expectation.
describe('an older Node than the project needs', { timeout: 120_000 }, () => {
  it.each([
    ['npm start', ['start', '--', '--no-such-option']],
    ['npm test', ['test', '--', 'no-test-file-matches-this-filter']],
  ])(
    'When %s runs on it, then one line names the version needed, the one found and how to switch, and nothing else runs',
    (_, args) => {
      const run = oldNpm(args);

      expect(run.status).not.toBe(0);
      expect(lines(run.stderr)).toEqual([
        `This project needs Node.js ${needed} or newer, and this is Node.js v${OLD}: switch with \`nvm use\` ` +
          `(reads .nvmrc: ${readFileSync(join(root, '.nvmrc'), 'utf8').trim()}) or install Node.js 24 from ` +
          'https://nodejs.org, then run the command again.',
      ]);
      expect(run.stdout).not.toMatch(/RUN|No test files|Shop is running/);
    },
  );

  it('When npm ci runs on it, then npm refuses before installing anything, naming the version required', () => {
    const copy = join(scratch, 'checkout');
    for (const file of [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'libs/platform/package.json',
      'services/products/package.json',
      'services/orders/package.json',
      'services/storefront/package.json',
    ]) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(root, file), join(copy, file));
    }

    const run = oldNpm(['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], copy);

    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('EBADENGINE');
    expect(run.stderr).toContain(`Required: {"node":">=${needed}"}`);
    expect(run.stderr).toContain(`Actual:   {"node":"v${OLD}"`);
    expect(existsSync(join(copy, 'node_modules'))).toBe(false);
  });

  it.skipIf(!isOlderSystemNode())(
    'When the check runs on the machine’s own older Node, then it parses and answers the same way',
    () => {
      const run = spawnSync('/usr/bin/node', [join(root, 'scripts/require-node.cjs')], { encoding: 'utf8' });

      expect(run.status).toBe(1);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toContain(`needs Node.js ${needed} or newer`);
    },
  );

  it('When the Node is recent enough, then the check says nothing and lets the command run', () => {
    expect(
      execFileSync(process.execPath, [join(root, 'scripts/require-node.cjs')], { encoding: 'utf8' }),
    ).toBe('');
  });
});

function isOlderSystemNode(): boolean {
  if (!existsSync('/usr/bin/node')) return false;
  const version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim();
  return Number(/^v(\d+)/.exec(version)?.[1]) < 24;
}
