// `node --import ./bench/perf/module-trace.ts …`: records the URL of every module the process loads
// (ESM imports, dynamic imports and require() alike, through module.registerHooks) and writes them as
// JSON to BENCH_MODULE_TRACE when the process exits. The driver check maps the bundle's chunk files
// back to the packages inside them with esbuild's metafile.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.BENCH_MODULE_TRACE;
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  if (out) writeFileSync(out, JSON.stringify([...loaded]));
});
