import { dockerAnswers, enginesWithoutTarget, startStores, stopStores } from './containers.ts';

/**
 * vitest global set-up: every engine whose TEST_* variable is unset is started once per run with
 * testcontainers when a Docker engine answers, shared by every test file (each suite isolates itself
 * by tenant), and removed when the run ends. TEST_CONTAINERS=off starts none. With neither a variable
 * nor Docker, `engines()` announces the engine as NOT running.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const wanted = enginesWithoutTarget(process.env);
  if (wanted.length === 0 || process.env.TEST_CONTAINERS === 'off') return undefined;
  if (!(await dockerAnswers())) {
    process.stderr.write(`\n!!! no Docker engine answered: no container started for ${wanted.join(', ')}\n`);
    return undefined;
  }
  const started = Date.now();
  const stores = await startStores(wanted);
  // Set before the test workers start, so they (and the processes they spawn) inherit them.
  for (const store of stores) process.env[store.variable] = store.url;
  process.stderr.write(
    `testcontainers: ${stores.map((s) => `${s.engine} (${s.container.getId().slice(0, 12)})`).join(', ')} ` +
      `started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return async () => {
    for (const store of stores) delete process.env[store.variable];
    await stopStores(stores);
  };
}
